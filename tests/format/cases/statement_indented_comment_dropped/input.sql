-- +goose Up
    -- indented comment
SELECT 1;
