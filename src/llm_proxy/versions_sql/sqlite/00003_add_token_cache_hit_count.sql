-- Count the requests of a token that were answered from the response cache.
-- NOT NULL with a default, so existing tokens start at 0.

-- +goose Up
ALTER TABLE tokens ADD COLUMN cache_hit_count INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tokens DROP COLUMN cache_hit_count;
