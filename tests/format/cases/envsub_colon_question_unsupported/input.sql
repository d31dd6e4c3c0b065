-- +goose Up
-- +goose ENVSUB ON
SELECT '${LP_NAME:?missing}';
