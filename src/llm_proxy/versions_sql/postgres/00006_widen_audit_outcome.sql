-- Audit events can also end as 'denied' (refused by policy: bad token, quota, inactive
-- project) or 'error' (the proxy or the upstream failed): widen the outcome CHECK.
-- A CHECK cannot be altered, so it is dropped and added again under the same name.

-- +goose Up
ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS ck_audit_events_outcome;
ALTER TABLE audit_events
    ADD CONSTRAINT ck_audit_events_outcome
        CHECK (outcome IN ('success', 'failure', 'denied', 'error'));

-- +goose Down
-- The old CHECK cannot hold 'denied' or 'error'. Such rows are neither deleted nor rewritten
-- here: adding the narrow CHECK validates the existing rows and fails with
-- "check constraint ck_audit_events_outcome ... is violated by some row", and the runner's
-- transaction undoes the whole rollback, leaving the database at this version. To roll back
-- anyway, decide what those events should become, for instance
--   UPDATE audit_events SET outcome = 'failure' WHERE outcome IN ('denied', 'error');
-- (or export and delete them), then run the rollback again.
ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS ck_audit_events_outcome;
ALTER TABLE audit_events
    ADD CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'failure'));
