-- +goose Up
SELECT 1,
-- +goose NO TRANSACTION
2;
