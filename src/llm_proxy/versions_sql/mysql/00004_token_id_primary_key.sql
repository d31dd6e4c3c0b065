-- Give tokens a surrogate primary key: tokens.id, a UUID, so that other records (audit
-- events, logs) can point at a token without repeating its secret value. The token value
-- stays NOT NULL and becomes UNIQUE (constraint uq_tokens_token).
-- id is VARCHAR(36), the length of a UUID's text form, placed first.

-- +goose Up
ALTER TABLE tokens ADD COLUMN id VARCHAR(36) NULL FIRST;

-- Existing tokens get a UUID from UUID(), evaluated once per row. Both MySQL and MariaDB
-- return a time-based (version 1) UUID in the usual text form.
UPDATE tokens SET id = UUID() WHERE id IS NULL;

-- One ALTER, so the key moves in a single step.
ALTER TABLE tokens
    MODIFY COLUMN id VARCHAR(36) NOT NULL FIRST,
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (id),
    ADD CONSTRAINT uq_tokens_token UNIQUE (token);

-- +goose Down
-- Back to the token value as primary key, in one ALTER. Every row is kept (token values are
-- unique, so they fit the old key); the generated ids are dropped, so anything that stored a
-- token id can no longer resolve it, and going up again gives the tokens new ids.
ALTER TABLE tokens
    DROP PRIMARY KEY,
    DROP INDEX uq_tokens_token,
    DROP COLUMN id,
    ADD PRIMARY KEY (token);
