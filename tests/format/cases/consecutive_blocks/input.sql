-- +goose Up
-- +goose StatementBegin
SELECT 1
-- +goose StatementEnd
-- +goose StatementBegin
SELECT 2
-- +goose StatementEnd
