-- Literal text that bind-parameter processing would mangle: %, %s, :name and ?.
-- +goose Up
CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
INSERT INTO notes (body) VALUES ('100% sure, %s and %(name)s stay'), ('a :name, a ? and a $1');
-- +goose StatementBegin
INSERT INTO notes (body) VALUES ('block one');
INSERT INTO notes (body) VALUES ('block two; with a semicolon');
UPDATE notes SET body = body || '!' WHERE body LIKE 'block%';
-- +goose StatementEnd

-- +goose Down
DROP TABLE notes;
