-- +goose Down
SELECT 1;
-- +goose Up
SELECT 2;
