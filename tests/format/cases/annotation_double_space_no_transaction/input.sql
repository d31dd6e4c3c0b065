-- +goose Up
-- +goose NO  TRANSACTION
SELECT 1;
