-- +goose Up
-- +goose StatementBegin
SELECT 1;
SELECT 2;
