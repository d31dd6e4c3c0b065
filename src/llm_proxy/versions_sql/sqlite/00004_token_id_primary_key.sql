-- Give tokens a surrogate primary key: tokens.id, a UUID, so that other records (audit
-- events, logs) can point at a token without repeating its secret value. The token value
-- stays NOT NULL and becomes UNIQUE (constraint uq_tokens_token).
--
-- SQLite cannot change the primary key of a table in place, so tokens is rebuilt both ways:
-- create the new shape under a temporary name, copy every row, drop the old table, rename,
-- and recreate the indexes (dropping a table drops its indexes). Nothing references tokens,
-- so dropping it cascades nowhere, and this is safe with foreign_keys=ON; the foreign key to
-- projects is declared again on the new table. The runner's transaction makes the rebuild
-- all or nothing.

-- +goose Up
CREATE TABLE tokens_new (
    id TEXT NOT NULL PRIMARY KEY,
    token TEXT NOT NULL,
    project_id TEXT NOT NULL,
    expires_at DATETIME,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    deactivated_at DATETIME,
    request_count INTEGER NOT NULL DEFAULT 0,
    max_requests INTEGER,
    cache_hit_count INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME,
    CONSTRAINT uq_tokens_token UNIQUE (token),
    CONSTRAINT fk_tokens_project_id FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE
);

-- Existing tokens get a random (version 4) UUID in its usual text form,
-- xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx with Y one of 8, 9, a, b.
INSERT INTO tokens_new (
    id, token, project_id, expires_at, is_active, deactivated_at,
    request_count, max_requests, cache_hit_count, created_at, last_used_at
)
SELECT
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-'
        || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
        || lower(hex(randomblob(6))),
    token, project_id, expires_at, is_active, deactivated_at,
    request_count, max_requests, cache_hit_count, created_at, last_used_at
FROM tokens;

DROP TABLE IF EXISTS tokens;
ALTER TABLE tokens_new RENAME TO tokens;

CREATE INDEX IF NOT EXISTS idx_tokens_project_id ON tokens (project_id);
CREATE INDEX IF NOT EXISTS idx_tokens_expires_at ON tokens (expires_at);
CREATE INDEX IF NOT EXISTS idx_tokens_is_active ON tokens (is_active);

-- +goose Down
-- Back to the token value as primary key, with the columns in the order 00001-00003 left
-- them. Every row is kept (token values are unique, so they fit the old key); the generated
-- ids are dropped, so anything that stored a token id can no longer resolve it, and going up
-- again gives the tokens new ids.
CREATE TABLE tokens_new (
    token TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    expires_at DATETIME,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    request_count INTEGER NOT NULL DEFAULT 0,
    max_requests INTEGER,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME,
    deactivated_at DATETIME,
    cache_hit_count INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT fk_tokens_project_id FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE
);

INSERT INTO tokens_new (
    token, project_id, expires_at, is_active, request_count, max_requests,
    created_at, last_used_at, deactivated_at, cache_hit_count
)
SELECT
    token, project_id, expires_at, is_active, request_count, max_requests,
    created_at, last_used_at, deactivated_at, cache_hit_count
FROM tokens;

DROP TABLE IF EXISTS tokens;
ALTER TABLE tokens_new RENAME TO tokens;

CREATE INDEX IF NOT EXISTS idx_tokens_project_id ON tokens (project_id);
CREATE INDEX IF NOT EXISTS idx_tokens_expires_at ON tokens (expires_at);
CREATE INDEX IF NOT EXISTS idx_tokens_is_active ON tokens (is_active);
