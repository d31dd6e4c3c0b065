-- +goose Up
INSERT INTO t (a, b) VALUES ('100%', ':name ?');
