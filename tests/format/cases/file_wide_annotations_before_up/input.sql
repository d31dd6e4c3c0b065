-- +goose NO TRANSACTION
-- +goose ENVSUB ON
-- +goose Up
SELECT '${LP_NAME}';
