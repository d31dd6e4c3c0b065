-- +goose Up
-- leading comment

-- another
CREATE TABLE t (
  -- inside comment
  id int,

  name text
); -- trailing note
-- after the last statement

-- +goose Down
-- leading down comment
DROP TABLE t;
-- trailing down comment
