-- +goose Up
-- +goose StatementBegin
-- nothing yet

-- +goose StatementEnd
SELECT 1;
SELECT 2;
