-- +goose Up
-- +goose StatementBegin
CREATE PROCEDURE add_note(IN note TEXT)
BEGIN
    INSERT INTO notes (body) VALUES (note);
    INSERT INTO notes (body) VALUES (CONCAT(note, '; again'));
END;
-- +goose StatementEnd

-- +goose Down
DROP PROCEDURE add_note;
