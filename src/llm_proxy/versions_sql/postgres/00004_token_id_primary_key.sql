-- Give tokens a surrogate primary key: tokens.id, a UUID, so that other records (audit
-- events, logs) can point at a token without repeating its secret value. The token value
-- stays NOT NULL and becomes UNIQUE (constraint uq_tokens_token).
-- id is TEXT like every other key of this schema (the application treats ids as strings).
-- PostgreSQL cannot place a new column first, so id is the last column here.

-- +goose Up
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS id TEXT;

-- Existing tokens get a random (version 4) UUID; gen_random_uuid() is built in since
-- PostgreSQL 13.
UPDATE tokens SET id = gen_random_uuid()::text WHERE id IS NULL;

ALTER TABLE tokens
    ALTER COLUMN id SET NOT NULL,
    DROP CONSTRAINT IF EXISTS tokens_pkey,
    ADD CONSTRAINT tokens_pkey PRIMARY KEY (id),
    ADD CONSTRAINT uq_tokens_token UNIQUE (token);

-- +goose Down
-- Back to the token value as primary key. Every row is kept (token values are unique, so
-- they fit the old key); the generated ids are dropped, so anything that stored a token id
-- can no longer resolve it, and going up again gives the tokens new ids.
ALTER TABLE tokens
    DROP CONSTRAINT IF EXISTS uq_tokens_token,
    DROP CONSTRAINT IF EXISTS tokens_pkey,
    ADD CONSTRAINT tokens_pkey PRIMARY KEY (token);

ALTER TABLE tokens DROP COLUMN IF EXISTS id;
