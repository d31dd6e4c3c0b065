-- +goose Up
-- +goose ENVSUB ON
SELECT 1,
-- by ${LP_NAME}
2; -- ${LP_NAME} again
