-- +goose Up
-- +goose StatementBegin
SELECT 1
-- +goose StatementEnd
-- +goose ENVSUB ON
SELECT '$1';
-- +goose Down
SELECT 2;
