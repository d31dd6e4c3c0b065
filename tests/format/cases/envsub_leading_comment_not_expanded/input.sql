-- +goose Up
-- +goose ENVSUB ON
-- costs $5 each, ${LP_UNSET?x}
SELECT '${LP_NAME}';
-- +goose Down
-- also $1
SELECT 2;
