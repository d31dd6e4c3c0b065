"""Helpers for command-line tests: run a command, read the schema it left behind."""

from __future__ import annotations

from sqlalchemy import create_engine
from test_bundled_migrations import expected_schema, read_schema
from typer.testing import CliRunner, Result

from llm_proxy.cli import app

VERSION_TABLE = "goose_db_version"

# A migration with a comment, a `%`, a StatementBegin block of two statements and a Down.
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


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgres`` or ``mysql`` for a test database URL."""
    return {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}[url.split(":", 1)[0].split("+", 1)[0]]


def outcome(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``llm-proxy ARGS``."""
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """``llm-proxy ARGS`` through typer's runner (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, list(args), env=env, input=input)


def assert_schema_at(url: str, step: int) -> None:
    """The database holds exactly the bundled schema after migration ``step``, plus goose's table."""
    engine = create_engine(url)
    try:
        schema = read_schema(engine, dialect_of(url))
    finally:
        engine.dispose()
    assert schema.pop(VERSION_TABLE, None) is not None, "goose's version table is missing"
    assert schema == expected_schema(step), f"schema after step {step}"



def error_of(stderr: str) -> str:
    """The error a command reported: stderr from its ``error:`` line on.

    Only a note may come before it: on a shared server another run may hold the migration
    lock for a moment, and the command says it is waiting.
    """
    lines = stderr.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert starts, f"no error message in {stderr!r}"
    assert all(line.startswith("waiting for the migration lock") for line in lines[: starts[0]]), stderr
    return "".join(lines[starts[0]:])
