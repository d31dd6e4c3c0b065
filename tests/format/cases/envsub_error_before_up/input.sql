-- +goose ENVSUB ON
SELECT $1;
-- +goose Up
