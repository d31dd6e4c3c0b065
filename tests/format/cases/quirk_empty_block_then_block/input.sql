-- +goose Up
-- +goose StatementBegin
-- +goose StatementEnd
-- +goose StatementBegin
SELECT 1
-- +goose StatementEnd
