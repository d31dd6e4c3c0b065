"""Real-world migration text on each dialect: up, down and up again (tests/env/data/<dialect>).

The folders hold what breaks naive runners: a StatementBegin block of three statements,
``%``, ``%s``, ``:name``, ``?`` and ``$1`` inside string literals, several statements on one
line, goose's empty statement, a SQLite trigger, a plpgsql function with ``$$``, ``CREATE
INDEX CONCURRENTLY`` under NO TRANSACTION and a MySQL stored procedure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_proxy.api import Migrator
from llm_proxy.selection import from_url

DATA = Path(__file__).resolve().parent / "data"
LITERALS = {"100% sure, %s and %(name)s stay", "a :name, a ? and a $1", "block one!", "block two; with a semicolon!"}


def bodies(db) -> set[str]:
    return {row[0] for row in db.query("SELECT body FROM notes")}


def up_down_up(url: str) -> Migrator:
    migrator = Migrator(url, DATA / from_url(url).dialect)
    migrator.up()
    migrator.down_to(0)
    assert migrator.version() == 0
    migrator.up()
    return migrator


def test_sqlite_folder(sqlite_url, probe):
    migrator = up_down_up(sqlite_url)
    db = probe(sqlite_url)
    assert migrator.version() == 3
    assert LITERALS <= bodies(db)
    assert "after the empty statement" in bodies(db)
    assert "swallowed" not in str(db.query("SELECT * FROM notes"))
    db.execute("INSERT INTO notes (body) VALUES ('fires the trigger')")
    assert db.query("SELECT action FROM note_log ORDER BY rowid DESC LIMIT 2") == [("twice; really",), ("insert",)]


def test_sqlite_empty_statement_counts_as_a_statement_but_runs_nothing(sqlite_url):
    migrator = Migrator(sqlite_url, DATA / "sqlite")
    results = migrator.up()
    assert [r.statement_count for r in results] == [3, 3, 2]


def test_postgres_folder(postgres_url, probe):
    migrator = up_down_up(postgres_url)
    db = probe(postgres_url)
    assert migrator.version() == 3
    assert LITERALS <= bodies(db)
    assert db.query("SELECT note_count('block')") == [(2,)]
    assert db.query("SELECT indexname FROM pg_indexes WHERE indexname = 'idx_notes_body'") == [("idx_notes_body",)]


def test_mysql_folder(mysql_url, probe):
    migrator = up_down_up(mysql_url)
    db = probe(mysql_url)
    assert migrator.version() == 2
    assert LITERALS <= bodies(db)
    db.execute("CALL add_note('called')")
    assert {"called", "called; again"} <= bodies(db)


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "postgres_url", "mysql_url"])
def test_an_error_in_a_later_statement_of_one_unit_surfaces(url_fixture, request, make_folder, probe):
    """``SELECT 1; <bad>`` on one line is one unit; the driver must not swallow the second error."""
    from llm_proxy.errors import MigrationFailed, PartialMigrationError

    url = request.getfixturevalue(url_fixture)
    folder = make_folder(
        {
            "00001_t.sql": ("CREATE TABLE t (x integer);", "DROP TABLE t;"),
            "00002_unit.sql": "-- +goose Up\nINSERT INTO t (x) VALUES (1); INSERT INTO missing (x) VALUES (2);\n",
        }
    )
    with pytest.raises(PartialMigrationError, match="missing") as failed:
        Migrator(url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)
    db = probe(url)
    assert db.rows() == [(0, True), (1, True)]
    assert db.query("SELECT COUNT(*) FROM t") == [(0,)]
