-- Audit events can also end as 'denied' (refused by policy: bad token, quota, inactive
-- project) or 'error' (the proxy or the upstream failed): widen the outcome CHECK.
--
-- SQLite cannot alter a CHECK constraint, so audit_events is rebuilt both ways: new shape
-- under a temporary name, copy every row, drop the old table, rename, recreate the indexes.
-- Nothing references audit_events. The runner's transaction makes the rebuild all or nothing.

-- +goose Up
CREATE TABLE audit_events_new (
    id TEXT NOT NULL PRIMARY KEY,
    timestamp DATETIME NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    project_id TEXT,
    request_id TEXT,
    correlation_id TEXT,
    client_ip TEXT,
    method TEXT,
    path TEXT,
    user_agent TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    token_id TEXT,
    metadata TEXT,
    CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure', 'denied', 'error'))
);

INSERT INTO audit_events_new (
    id, timestamp, action, actor, project_id, request_id, correlation_id, client_ip,
    method, path, user_agent, outcome, reason, token_id, metadata
)
SELECT
    id, timestamp, action, actor, project_id, request_id, correlation_id, client_ip,
    method, path, user_agent, outcome, reason, token_id, metadata
FROM audit_events;

DROP TABLE IF EXISTS audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;

CREATE INDEX IF NOT EXISTS idx_audit_events_timestamp ON audit_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_audit_events_action ON audit_events (action);
CREATE INDEX IF NOT EXISTS idx_audit_events_project_id ON audit_events (project_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip ON audit_events (client_ip);
CREATE INDEX IF NOT EXISTS idx_audit_events_request_id ON audit_events (request_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_outcome ON audit_events (outcome);
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip_action ON audit_events (client_ip, action);

-- +goose Down
-- The old CHECK cannot hold 'denied' or 'error'. Such rows are neither deleted nor rewritten
-- here: the copy below then fails with "CHECK constraint failed: ck_audit_events_outcome"
-- and the whole rollback is undone, leaving the database at this version. To roll back
-- anyway, decide what those events should become, for instance
--   UPDATE audit_events SET outcome = 'failure' WHERE outcome IN ('denied', 'error');
-- (or export and delete them), then run the rollback again.
CREATE TABLE audit_events_new (
    id TEXT NOT NULL PRIMARY KEY,
    timestamp DATETIME NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    project_id TEXT,
    request_id TEXT,
    correlation_id TEXT,
    client_ip TEXT,
    method TEXT,
    path TEXT,
    user_agent TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    token_id TEXT,
    metadata TEXT,
    CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure'))
);

INSERT INTO audit_events_new (
    id, timestamp, action, actor, project_id, request_id, correlation_id, client_ip,
    method, path, user_agent, outcome, reason, token_id, metadata
)
SELECT
    id, timestamp, action, actor, project_id, request_id, correlation_id, client_ip,
    method, path, user_agent, outcome, reason, token_id, metadata
FROM audit_events;

DROP TABLE IF EXISTS audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;

CREATE INDEX IF NOT EXISTS idx_audit_events_timestamp ON audit_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_audit_events_action ON audit_events (action);
CREATE INDEX IF NOT EXISTS idx_audit_events_project_id ON audit_events (project_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip ON audit_events (client_ip);
CREATE INDEX IF NOT EXISTS idx_audit_events_request_id ON audit_events (request_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_outcome ON audit_events (outcome);
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip_action ON audit_events (client_ip, action);
