-- Record when a project or a token was deactivated (NULL while it is active or was never
-- deactivated). A plain nullable column, so existing rows need no backfill.

-- +goose Up
ALTER TABLE projects ADD COLUMN deactivated_at DATETIME;
ALTER TABLE tokens ADD COLUMN deactivated_at DATETIME;

-- +goose Down
-- SQLite has DROP COLUMN since 3.35; these columns are in no index or constraint, so no
-- table rebuild is needed. The deactivation dates are lost, nothing else.
ALTER TABLE tokens DROP COLUMN deactivated_at;
ALTER TABLE projects DROP COLUMN deactivated_at;
