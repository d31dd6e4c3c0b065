-- +goose Up
-- +goose ENVSUB ON
SELECT 1${LP_SEMI}
SELECT 2;
