-- +goose Up
-- +goose NO TRANSACTION
-- leading
CREATE TABLE t (
  id int
); -- note

-- +goose StatementBegin
SELECT 1;
SELECT 2
-- +goose StatementEnd
-- +goose Down
DROP TABLE t;
