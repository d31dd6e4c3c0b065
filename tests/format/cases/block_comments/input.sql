-- +goose Up
-- +goose StatementBegin
-- leading

SELECT 1;

-- inside, after the last line
-- +goose StatementEnd
