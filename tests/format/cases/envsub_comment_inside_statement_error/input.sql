-- +goose Up
-- +goose ENVSUB ON
SELECT 1,
-- costs $5
2;
-- +goose Down
SELECT 3;
