-- +goose Up
SELECT 1 /* end;
*/ ;
