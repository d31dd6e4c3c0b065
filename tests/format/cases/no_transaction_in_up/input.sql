-- +goose Up
-- +goose NO TRANSACTION
CREATE INDEX CONCURRENTLY i ON t (a);
-- +goose Down
DROP INDEX i;
