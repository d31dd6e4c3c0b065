-- goose quirk: an empty StatementBegin/StatementEnd pair yields the statement "" and
-- swallows the next line; "" must be a no-op.
-- +goose Up
-- +goose StatementBegin
-- +goose StatementEnd
SELECT 'swallowed';
INSERT INTO notes (body) VALUES ('after the empty statement');

-- +goose Down
DELETE FROM notes WHERE body = 'after the empty statement';
