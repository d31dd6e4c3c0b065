"""``alembic upgrade head --sql``: scripts that the database's own shell applies, and that
leave goose's table exactly as an online run would (checked with the real psql, sqlite3
and mysql binaries, then read back by this project)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from llm_proxy.api import Migrator
from llm_proxy.env.commands import run_alembic
from llm_proxy.selection import from_url

DATA = Path(__file__).resolve().parent / "data"


def script(url: str, *argv: str) -> str:
    out = io.StringIO()
    run_alembic([*argv, "--sql"], target=from_url(url), migrations=DATA / from_url(url).dialect, stdout=out)
    return out.getvalue()


def apply(url: str, sql: str) -> None:
    """Feed ``sql`` to the dialect's own command-line shell, stopping at the first error."""
    parsed = make_url(url)
    dialect = from_url(url).dialect
    if dialect == "sqlite":
        command = ["sqlite3", "-bail", parsed.database]
    elif dialect == "postgres":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", parsed.host, "-U", parsed.username, parsed.database]
    else:
        command = ["mysql", "-h", parsed.host, "-u", parsed.username, parsed.database]
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    subprocess.run(command, input=sql, text=True, check=True, capture_output=True)


def test_offline_up_and_down_scripts_apply_with_the_shell(database_url, probe):
    versions = len(list((DATA / from_url(database_url).dialect).glob("*.sql")))
    up = script(database_url, "upgrade", "head")
    assert up.count("BEGIN;") == up.count("COMMIT;")
    assert "alembic_version" not in up

    apply(database_url, up)
    db = probe(database_url)
    assert db.rows() == [(v, True) for v in range(versions + 1)]
    migrator = Migrator(database_url, DATA / from_url(database_url).dialect)
    assert migrator.version() == versions
    assert all(row.applied for row in migrator.status().rows)
    assert db.tables() >= {"notes", "goose_db_version"}

    apply(database_url, script(database_url, "downgrade", f"{versions}:0"))
    assert db.rows() == [(0, True)]
    assert "notes" not in db.tables()
    assert [r.version for r in migrator.up()] == list(range(1, versions + 1))


def test_no_transaction_migrations_stay_outside_begin_commit(postgres_url):
    text = script(postgres_url, "upgrade", "head")
    concurrent = text.index("CREATE INDEX CONCURRENTLY")
    assert text.rfind("COMMIT;", 0, concurrent) > text.rfind("BEGIN;", 0, concurrent)


def test_a_script_from_a_start_revision_has_no_table_creation(sqlite_url):
    text = script(sqlite_url, "upgrade", "1:head")
    assert "CREATE TABLE goose_db_version" not in text
    assert "VALUES (1, 1)" not in text and "VALUES (2, 1)" in text
