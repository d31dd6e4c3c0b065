-- +goose Up
-- +goose ENVSUB ON
SELECT '$LP_NAME', '${LP_NAME}', '${LP_UNSET}', '$LP_UNSET';
SELECT '${LP_UNSET:-dflt}', '${LP_EMPTY:-dflt}', '${LP_NAME:-dflt}';
SELECT '${LP_UNSET-dflt}', '${LP_EMPTY-dflt}', '${LP_NAME-dflt}';
SELECT '${LP_NAME?must be set}', '${LP_EMPTY?must be set}';
SELECT '${LP_WORD:2}', '${LP_WORD:1:3}', '${LP_WORD: -2}', '${LP_WORD:0:-1}', '${LP_WORD:10}', '${LP_WORD:2:100}', '${LP_WORD:-2}';
SELECT '${LP_UTF:3}', '${LP_UTF:1:2}';
SELECT '$$', '\$x', $(date), '${LP_UNSET:-${LP_NAME}}', '$LP_NAME.col', '$LP_NAME_x', '${LP_DOLLAR}';
SELECT 'price in $
' AS a;
