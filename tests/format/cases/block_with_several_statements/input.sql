-- +goose Up
-- +goose StatementBegin
INSERT INTO t VALUES (1);
INSERT INTO t VALUES (2);
-- +goose StatementEnd
-- +goose Down
-- +goose StatementBegin
DELETE FROM t;
DELETE FROM u;
-- +goose StatementEnd
