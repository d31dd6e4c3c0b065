-- +goose Up
SELECT 1;
/* the end */
-- +goose Down
SELECT 2;
/* the end */
