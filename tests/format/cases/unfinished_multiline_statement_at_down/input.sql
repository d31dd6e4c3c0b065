-- +goose Up
SELECT 1;
-- note
CREATE TABLE t (
  id int
)
-- +goose Down
DROP TABLE t;
