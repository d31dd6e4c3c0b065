-- +goose no TRANSACTION
--+goose UP
-- +goose statementbegin
SELECT 1;
-- +goose STATEMENTEND
--   +goose   EnvSub On
SELECT '$LP_NAME';
-- +goose envsub OFF
SELECT '$LP_NAME';
-- +goose DOWN
-- +goose StatementBEGIN
SELECT 3
-- +goose statementEnd
