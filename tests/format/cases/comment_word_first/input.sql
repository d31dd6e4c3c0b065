-- +goose Up
SELECT 1
--;
  --x ;
SELECT 2;
