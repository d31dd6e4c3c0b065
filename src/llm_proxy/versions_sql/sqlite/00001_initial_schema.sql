-- Initial schema of llm-proxy: projects (one upstream API key each), the tokens issued to
-- the clients of a project, and the audit log of security events.
-- In this first version the token value itself is the primary key of tokens (00004 moves
-- the key to a generated id) and an audit outcome is only success or failure (00006 widens it).
-- Constraints are named so that later migrations, and every dialect, refer to the same names.

-- +goose Up
-- IF NOT EXISTS everywhere, as the migration guide asks, so that re-running is harmless.
-- NOT NULL is spelled out on the TEXT primary keys: SQLite would otherwise accept NULL keys.
CREATE TABLE IF NOT EXISTS projects (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    openai_api_key TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Project names are unique; the unique index is also the lookup index.
CREATE UNIQUE INDEX IF NOT EXISTS idx_projects_name ON projects (name);

CREATE TABLE IF NOT EXISTS tokens (
    token TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    expires_at DATETIME,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    request_count INTEGER NOT NULL DEFAULT 0,
    max_requests INTEGER,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME,
    CONSTRAINT fk_tokens_project_id FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS idx_tokens_project_id ON tokens (project_id);
CREATE INDEX IF NOT EXISTS idx_tokens_expires_at ON tokens (expires_at);
CREATE INDEX IF NOT EXISTS idx_tokens_is_active ON tokens (is_active);

-- metadata holds a JSON document as text.
CREATE TABLE IF NOT EXISTS audit_events (
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

CREATE INDEX IF NOT EXISTS idx_audit_events_timestamp ON audit_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_audit_events_action ON audit_events (action);
CREATE INDEX IF NOT EXISTS idx_audit_events_project_id ON audit_events (project_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip ON audit_events (client_ip);
CREATE INDEX IF NOT EXISTS idx_audit_events_request_id ON audit_events (request_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_outcome ON audit_events (outcome);
-- Serves "recent actions from this address" queries (e.g. failed logins per IP).
CREATE INDEX IF NOT EXISTS idx_audit_events_client_ip_action ON audit_events (client_ip, action);

-- +goose Down
-- Dropping a table drops its indexes. tokens goes before projects, which it references.
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS tokens;
DROP TABLE IF EXISTS projects;
