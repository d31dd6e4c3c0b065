-- +goose Up
-- +goose ENVSUB ON
SELECT 1;
  $LP_UNSET  
SELECT 2;
