-- Record when a project or a token was deactivated (NULL while it is active or was never
-- deactivated). A plain nullable column, so existing rows need no backfill.
-- (ADD/DROP COLUMN IF [NOT] EXISTS is MariaDB-only; MySQL 8 has no such clause.)

-- +goose Up
ALTER TABLE projects ADD COLUMN deactivated_at DATETIME(6) NULL;
ALTER TABLE tokens ADD COLUMN deactivated_at DATETIME(6) NULL;

-- +goose Down
-- The deactivation dates are lost, nothing else.
ALTER TABLE tokens DROP COLUMN deactivated_at;
ALTER TABLE projects DROP COLUMN deactivated_at;
