-- +goose Up
SELECT 1
FROM t
END   ; -- c
SELECT 2;
