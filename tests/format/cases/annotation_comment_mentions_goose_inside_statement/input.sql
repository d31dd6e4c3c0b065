-- +goose Up
SELECT 1,
  -- the +goose way
2;
