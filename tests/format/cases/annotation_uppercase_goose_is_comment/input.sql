-- +GOOSE Up
-- +goose Up
SELECT 1;
-- +GOOSE Down
SELECT 2;
