-- +goose Up
-- +goose Statement--Begin
SELECT 1
-- +goose StatementEnd
