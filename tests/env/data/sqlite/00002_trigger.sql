-- +goose Up
CREATE TABLE note_log (note_id INTEGER NOT NULL, action TEXT NOT NULL);
-- +goose StatementBegin
CREATE TRIGGER notes_logged AFTER INSERT ON notes
BEGIN
    INSERT INTO note_log (note_id, action) VALUES (NEW.id, 'insert');
    INSERT INTO note_log (note_id, action) VALUES (NEW.id, 'twice; really');
END;
-- +goose StatementEnd
SELECT 1; SELECT 2;

-- +goose Down
DROP TRIGGER notes_logged;
DROP TABLE note_log;
