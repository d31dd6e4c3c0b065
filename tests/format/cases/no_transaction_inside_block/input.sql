-- +goose Up
-- +goose StatementBegin
SELECT 1;
-- +goose NO TRANSACTION
SELECT 2;
-- +goose StatementEnd
