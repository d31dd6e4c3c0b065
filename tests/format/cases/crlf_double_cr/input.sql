-- +goose Up
SELECT 1;

-- glued
SELECT 2;
