-- +gooseUp
SELECT 1;
-- +gooseDown
SELECT 2;
