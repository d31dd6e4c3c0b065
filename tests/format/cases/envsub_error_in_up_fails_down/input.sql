-- +goose ENVSUB ON
-- +goose Up
SELECT '${LP_UNSET?please set LP_UNSET}';
-- +goose Down
SELECT 2;
