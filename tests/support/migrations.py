"""Sample goose migrations, and migration folders written on the fly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

# A comment, a `%`, a StatementBegin block of two statements and a Down: what the command
# line must hand to the database untouched.
GOOD = """\
-- +goose Up
-- a comment before the statement is dropped
CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT '100%');

-- +goose StatementBegin
INSERT INTO t (id) VALUES (1);
INSERT INTO t (id) VALUES (2);
-- +goose StatementEnd

-- +goose Down
DROP TABLE t;
"""

# A first migration that runs on every dialect, for tests about what comes after it.
BASE = "-- +goose Up\nCREATE TABLE base (x integer);\n-- +goose Down\nDROP TABLE base;\n"

# A Down that leaves in place the column its Up added.
ADD_COLUMN_UNDONE = """\
-- +goose Up
ALTER TABLE tokens ADD COLUMN cache_hit_count INTEGER NOT NULL DEFAULT 0;

-- +goose Down
-- SQLite cannot drop a column
"""


def pause_sql(dialect: str, seconds: float) -> str:
    """One statement that keeps the database busy for about ``seconds``.

    SQLite has no sleep function: a recursive count does the waiting (about 8 million
    rows a second here).
    """
    if dialect == "postgres":
        return f"SELECT pg_sleep({seconds});"
    if dialect == "mysql":
        return f"SELECT SLEEP({seconds});"
    rows = int(seconds * 8_000_000)
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT COUNT(*) FROM c;"


def write_migrations(folder: Path, files: Mapping[str, str | tuple[str, str]]) -> Path:
    """``folder`` (made if needed) with ``files``: name -> the file's text, or ``(up, down)``.

    Writing into an existing folder adds to it, as a developer adds a migration.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if isinstance(text, tuple):
            text = f"-- +goose Up\n{text[0]}\n-- +goose Down\n{text[1]}\n"
        (folder / name).write_text(text, encoding="utf-8")
    return folder
