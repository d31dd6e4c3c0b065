   
	
-- header comment

-- +goose Up
SELECT 1;
