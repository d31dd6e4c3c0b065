-- CREATE INDEX CONCURRENTLY cannot run inside a transaction.
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY idx_notes_body ON notes (body);

-- +goose Down
DROP INDEX CONCURRENTLY idx_notes_body;
