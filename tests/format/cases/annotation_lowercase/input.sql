-- +goose up
SELECT 1;
-- +goose down
SELECT 2;
