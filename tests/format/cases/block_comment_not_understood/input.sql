-- +goose Up
SELECT 1; /* first */
SELECT 2;
