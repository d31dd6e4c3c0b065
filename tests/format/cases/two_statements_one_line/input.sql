-- +goose Up
SELECT 1; SELECT 2;
-- +goose Down
SELECT 3; SELECT 4; -- both
