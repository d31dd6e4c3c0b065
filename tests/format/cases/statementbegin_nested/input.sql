-- +goose Up
-- +goose StatementBegin
SELECT 1;
-- +goose StatementBegin
SELECT 2;
-- +goose StatementEnd
