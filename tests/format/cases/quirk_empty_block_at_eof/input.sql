-- +goose Up
SELECT 1;
-- +goose StatementBegin
-- +goose StatementEnd
