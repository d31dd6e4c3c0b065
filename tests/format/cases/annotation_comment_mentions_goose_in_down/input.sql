-- +goose Up
SELECT 1;
-- +goose Down
-- this reverses the +goose Up part
SELECT 2;
