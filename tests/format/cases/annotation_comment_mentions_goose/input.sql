-- +goose Up
SELECT 1;
-- see +goose docs
SELECT 2;
