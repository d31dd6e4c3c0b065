-- +goose Up
-- +goose ENVSUB ON
SELECT '${LP_NAME}';
-- +goose ENVSUB OFF
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS text AS $$ SELECT '${LP_NAME}' $$ LANGUAGE sql
-- +goose StatementEnd
-- +goose ENVSUB ON
-- +goose StatementBegin
CREATE FUNCTION g() RETURNS text AS $$ SELECT '${LP_NAME}' $$ LANGUAGE sql
-- +goose StatementEnd
