-- +goose Up
    SELECT a,   
	  b
  FROM t;   
