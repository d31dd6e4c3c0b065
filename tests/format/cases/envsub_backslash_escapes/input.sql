-- +goose Up
-- +goose ENVSUB ON
SELECT '\\$LP_NAME \$LP_NAME';
SELECT '\\\$LP_NAME', 'C:\\dir\file', '${LP_EMPTY:-\\$LP_NAME}', '${LP_EMPTY:-a\}';
