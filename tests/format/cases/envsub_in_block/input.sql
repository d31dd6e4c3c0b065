-- +goose Up
-- +goose ENVSUB ON
-- +goose StatementBegin
-- leading ${LP_UNSET?not expanded}
SELECT '${LP_NAME}';
-- ${LP_WORD}
-- +goose StatementEnd
