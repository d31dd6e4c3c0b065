-- +goose Up
SELECT 1
END -- comment ;
SELECT 2;
