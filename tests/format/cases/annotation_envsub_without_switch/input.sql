-- +goose Up
-- +goose ENVSUB
SELECT 1;
