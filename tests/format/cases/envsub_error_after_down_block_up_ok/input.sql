-- +goose Up
SELECT 1;
-- +goose Down
-- +goose StatementBegin
SELECT 2
-- +goose StatementEnd
-- +goose ENVSUB ON
SELECT '${LP_UNSET?boom}';
