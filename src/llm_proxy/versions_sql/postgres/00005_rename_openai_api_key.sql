-- The upstream key of a project is no longer OpenAI-specific: rename
-- projects.openai_api_key to api_key. Values are kept as they are.

-- +goose Up
ALTER TABLE projects RENAME COLUMN openai_api_key TO api_key;

-- +goose Down
ALTER TABLE projects RENAME COLUMN api_key TO openai_api_key;
