-- +goose Up
SELECT 1;
-- +goose Down
-- +goose StatementBegin
-- +goose StatementEnd
DROP TABLE a;
DROP TABLE b;
