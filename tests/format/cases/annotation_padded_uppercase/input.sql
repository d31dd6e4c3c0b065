-- +goose   UP   
SELECT 1;
