-- +goose Up
-- +goose ENVSUB ON
SELECT 1;
-- +goose Down
SELECT $1;
