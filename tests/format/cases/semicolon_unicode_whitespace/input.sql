-- +goose Up
SELECT 1;　-- ideographic space
SELECT 2; 
SELECT 3; 
