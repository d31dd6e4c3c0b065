-- +goose Up
SELECT 'ab';
