-- Audit events can also end as 'denied' (refused by policy: bad token, quota, inactive
-- project) or 'error' (the proxy or the upstream failed): widen the outcome CHECK.
-- A CHECK cannot be altered, so it is dropped and added again under the same name
-- (DROP CONSTRAINT needs MySQL 8.0.19 or MariaDB 10.2).

-- +goose Up
ALTER TABLE audit_events DROP CONSTRAINT ck_audit_events_outcome;
ALTER TABLE audit_events
    ADD CONSTRAINT ck_audit_events_outcome
        CHECK (outcome IN ('success', 'failure', 'denied', 'error'));

-- +goose Down
-- The old CHECK cannot hold 'denied' or 'error'. Such rows are neither deleted nor rewritten.
-- Because MySQL commits each ALTER at once, the rows are checked FIRST, by adding the narrow
-- CHECK under a temporary name (adding a CHECK validates the existing rows): with 'denied'
-- or 'error' rows present it fails with
--   CONSTRAINT ck_audit_events_outcome_down_guard failed / is violated
-- before anything has changed, and the database stays at this version. To roll back anyway,
-- decide what those events should become, for instance
--   UPDATE audit_events SET outcome = 'failure' WHERE outcome IN ('denied', 'error');
-- (or export and delete them), then run the rollback again.
-- Once the guard is in place, the wide CHECK is replaced by the narrow one under its real
-- name and the guard is removed; no row can break the narrow rule in between.
ALTER TABLE audit_events
    ADD CONSTRAINT ck_audit_events_outcome_down_guard CHECK (outcome IN ('success', 'failure'));
ALTER TABLE audit_events DROP CONSTRAINT ck_audit_events_outcome;
ALTER TABLE audit_events
    ADD CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure')),
    DROP CONSTRAINT ck_audit_events_outcome_down_guard;
