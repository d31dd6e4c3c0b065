-- +goose Up
-- +goose StatementBegin
   
-- +goose StatementEnd
SELECT 1;
