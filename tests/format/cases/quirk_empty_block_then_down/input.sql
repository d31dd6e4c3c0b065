-- +goose Up
-- +goose StatementBegin
-- +goose StatementEnd
-- +goose Down
SELECT 1;
