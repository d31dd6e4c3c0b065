-- +goose Up -- note
SELECT 1;
