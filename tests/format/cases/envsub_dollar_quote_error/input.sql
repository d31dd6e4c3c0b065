-- +goose Up
-- +goose ENVSUB ON
SELECT '$';
