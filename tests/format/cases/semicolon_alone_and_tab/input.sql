-- +goose Up
SELECT 1
;
SELECT 2	;
SELECT 3;	-- tab comment
