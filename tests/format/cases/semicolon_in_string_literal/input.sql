-- +goose Up
INSERT INTO t VALUES ('a;
b');
