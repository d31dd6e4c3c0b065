-- +goose Up
SELECT 1,
-- +GOOSE Down
2;
