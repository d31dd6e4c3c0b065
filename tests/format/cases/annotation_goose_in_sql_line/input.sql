-- +goose Up
SELECT '-- +goose Up';
