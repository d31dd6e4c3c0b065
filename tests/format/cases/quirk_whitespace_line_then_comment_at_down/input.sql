-- +goose Up
SELECT 1;
  
-- about the down part
-- +goose Down
SELECT 2;
