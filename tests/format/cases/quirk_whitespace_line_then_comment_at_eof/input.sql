-- +goose Up
SELECT 1;
  
-- the end
