-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION note_count(prefix text) RETURNS integer AS $$
DECLARE
    total integer;
BEGIN
    SELECT count(*) INTO total FROM notes WHERE body LIKE prefix || '%';
    RETURN total;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION note_count(text);
