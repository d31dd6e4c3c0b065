-- +goose Up
SELECT 1;
   
-- glued comment
SELECT 2;
-- +goose Down
DROP TABLE t;
	
-- glued in down

DROP TABLE u;
