-- Record when a project or a token was deactivated (NULL while it is active or was never
-- deactivated). A plain nullable column, so existing rows need no backfill.

-- +goose Up
ALTER TABLE projects ADD COLUMN IF NOT EXISTS deactivated_at TIMESTAMPTZ;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS deactivated_at TIMESTAMPTZ;

-- +goose Down
-- The deactivation dates are lost, nothing else.
ALTER TABLE tokens DROP COLUMN IF EXISTS deactivated_at;
ALTER TABLE projects DROP COLUMN IF EXISTS deactivated_at;
