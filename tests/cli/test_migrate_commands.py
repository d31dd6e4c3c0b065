"""The migrate commands that touch a database, through the command line, on every dialect.

Each test runs once on SQLite, PostgreSQL and MariaDB (``db_args``). After every command
that changes the database, the schema is compared with the expected schema of that step
(tests/support/bundled.py), so "exit 0" always means "the schema is right" too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from support.bundled import FILE_NAMES, assert_schema_at
from support.cli import error_of, invoke
from support.migrations import write_migrations

from llm_proxy.errors import MigrationError

if TYPE_CHECKING:
    from pathlib import Path

FILES = list(FILE_NAMES)


def ok_json(*args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is True
    return document


def ran(document: dict) -> list[tuple[int, str]]:
    return [(m["version"], m["direction"]) for m in document["migrations"]]


def test_the_guides_loop_up_status_down_up(db_args: tuple[str, str]) -> None:
    url = db_args[1]
    up = invoke("migrate", "up", *db_args)
    assert up.exit_code == 0, up.output
    assert [line.split()[2] for line in up.stdout.splitlines()[:-1]] == FILES
    assert all(line.startswith("OK     up    ") for line in up.stdout.splitlines()[:-1])
    assert up.stdout.splitlines()[-1].startswith("Done: 6 migrations in ")
    assert up.stdout.rstrip().endswith("now at version 6")
    assert_schema_at(url, 6)

    status = invoke("migrate", "status", *db_args)
    assert status.exit_code == 0, status.output
    rows = status.stdout.splitlines()
    assert rows[2].split() == ["VERSION", "MIGRATION", "APPLIED", "AT"]
    assert [row.split()[1] for row in rows[3:9]] == FILES
    assert all("Pending" not in row for row in rows[3:9])
    assert rows[-1] == "Current version: 6; 0 pending"

    down = invoke("migrate", "down", *db_args)
    assert down.exit_code == 0, down.output
    assert down.stdout.splitlines()[0].split()[:3] == ["OK", "down", FILES[5]]
    assert down.stdout.rstrip().endswith("now at version 5")
    assert_schema_at(url, 5)
    status = invoke("migrate", "status", *db_args)
    assert status.stdout.splitlines()[8].split()[-1] == "Pending"
    assert status.stdout.splitlines()[-1] == "Current version: 5; 1 pending"

    again = invoke("migrate", "up", *db_args)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0].split()[:3] == ["OK", "up", FILES[5]]
    assert_schema_at(url, 6)
    nothing = invoke("migrate", "up", *db_args)
    assert (nothing.exit_code, nothing.stdout) == (0, "No migrations to run. Current version: 6\n")


def test_every_stepping_command_with_json(db_args: tuple[str, str]) -> None:
    url = db_args[1]
    document = ok_json("migrate", "up-to", "2", *db_args)
    assert (ran(document), document["version"]) == ([(1, "up"), (2, "up")], 2)
    assert document["migrations"][0]["file"].endswith(FILES[0])
    assert document["migrations"][0]["statements"] > 0 and document["migrations"][0]["empty"] is False
    assert_schema_at(url, 2)

    assert ran(ok_json("migrate", "up-by-one", *db_args)) == [(3, "up")]
    assert_schema_at(url, 3)
    assert ran(ok_json("migrate", "redo", *db_args)) == [(3, "down"), (3, "up")]
    assert_schema_at(url, 3)

    version = ok_json("migrate", "version", *db_args)
    assert version["version"] == 3 and set(version) == {"ok", "database", "version"}
    plain = invoke("migrate", "version", *db_args)
    assert (plain.exit_code, plain.stdout) == (0, "3\n")

    status = ok_json("migrate", "status", *db_args)
    assert status["current_version"] == 3
    assert [(m["version"], m["applied"]) for m in status["migrations"]] == [(v, v <= 3) for v in range(1, 7)]
    assert all((m["applied_at"] is not None) == m["applied"] for m in status["migrations"])

    document = ok_json("migrate", "down-to", "1", *db_args)
    assert (ran(document), document["version"]) == ([(3, "down"), (2, "down")], 1)
    assert_schema_at(url, 1)
    document = ok_json("migrate", "reset", *db_args)
    assert (ran(document), document["version"]) == ([(1, "down")], 0)
    assert_schema_at(url, 0)
    document = ok_json("migrate", "up", *db_args)
    assert (len(document["migrations"]), document["version"]) == (6, 6)
    assert_schema_at(url, 6)
    none_left = invoke("migrate", "up-by-one", *db_args)
    assert none_left.exit_code == 1 and "no next version" in none_left.stderr


CONNECTION_OPTIONS = ["--db", "--database-url", "--dir", "--table"]
APPLY_OPTIONS = ["--allow-missing", "--resume-interrupted"]
EACH_OPTIONS = ["--each", "--parallel"]


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("up", [*CONNECTION_OPTIONS, *APPLY_OPTIONS, "--lock-timeout", "--lock-mode", "--json", *EACH_OPTIONS]),
        ("up-by-one", [*CONNECTION_OPTIONS, *APPLY_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("up-to", ["version", *CONNECTION_OPTIONS, *APPLY_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("down", [*CONNECTION_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("down-to", ["version", *CONNECTION_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("redo", [*CONNECTION_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("reset", [*CONNECTION_OPTIONS, "--lock-timeout", "--lock-mode", "--json"]),
        ("status", [*CONNECTION_OPTIONS, "--json", *EACH_OPTIONS]),
        ("version", [*CONNECTION_OPTIONS, "--json"]),
    ],
)
def test_each_command_takes_its_options_in_the_documented_order(command: str, params: list[str]) -> None:
    from llm_proxy.cli.migrate import load_command

    completion = ("--install-completion", "--show-completion")
    assert [p.opts[0] for p in load_command(command).params if p.opts[0] not in completion] == params


def test_every_database_option_reaches_the_migrator(db_args: tuple[str, str], tmp_path: Path) -> None:
    """--dir, --table (and GOOSE_TABLE), --allow-missing and --lock-timeout, on a table goose's default never sees."""
    def table(version: int) -> dict[str, tuple[str, str]]:
        return {f"{version:05d}_t{version}.sql": (f"CREATE TABLE t{version} (x integer);", f"DROP TABLE t{version};")}

    args = (*db_args, "--dir", str(write_migrations(tmp_path, {**table(1), **table(3)})), "--table", "custom_versions")
    assert ran(ok_json("migrate", "up", *args)) == [(1, "up"), (3, "up")]
    write_migrations(tmp_path, table(2))

    refused = invoke("migrate", "up", *args)
    assert refused.exit_code == 1 and "00002_t2.sql" in error_of(refused.stderr)
    assert ran(ok_json("migrate", "up", *args, "--allow-missing")) == [(2, "up")]
    status = ok_json("migrate", "status", *args)
    assert [(m["version"], m["applied"]) for m in status["migrations"]] == [(1, True), (2, True), (3, True)]
    assert invoke("migrate", "version", *db_args, env={"GOOSE_TABLE": "custom_versions"}).stdout == "2\n"
    assert invoke("migrate", "version", *db_args).stdout == "0\n"  # goose_db_version was never written

    down = ok_json("migrate", "down-to", "0", *args, "--lock-timeout", "5")
    assert ran(down) == [(2, "down"), (3, "down"), (1, "down")]


BROKEN = {
    "00001_create_t.sql": "-- +goose Up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE t;\n",
    "00002_broken.sql": "-- +goose Up\nCREATE TABLE u (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n",
}


def test_a_failing_migration_exits_1_naming_it_and_keeps_the_earlier_ones(
    db_args: tuple[str, str], tmp_path: Path
) -> None:
    args = ("--dir", str(write_migrations(tmp_path, BROKEN)), *db_args)
    failed = invoke("migrate", "up", *args)
    assert failed.exit_code == 1
    assert failed.stdout.split()[:3] == ["OK", "up", "00001_create_t.sql"]
    assert "00002_broken.sql" in error_of(failed.stderr)
    assert invoke("migrate", "version", *args).stdout == "1\n"

    document = json.loads(invoke("migrate", "up", *args, "--json").stdout)
    assert document["ok"] is False and document["migrations"] == []
    assert "00002_broken.sql" in document["error"] and "version" not in document
    status = ok_json("migrate", "status", *args)
    assert [(m["version"], m["applied"]) for m in status["migrations"]] == [(1, True), (2, False)]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["down"], "no migration to roll back"),
        (["redo"], "no migration to roll back"),
        (["up-by-one", "--dir", "{empty}"], "no migration files"),
        (["up", "--dir", "{missing}"], "does not exist"),
        (["status", "--dir", "{missing}"], "does not exist"),
        (["up", "--database-url", "oracle://scott@db/x"], "unsupported database"),
        (["up", "--database-url", "postgresql://x@h:notaport/db"], "the port must be a number from 1 to 65535"),
        (["status", "--database-url", "postgresql://x@h:notaport/db"], "the port must be a number from 1 to 65535"),
        (["status", "--table", "bad name; DROP"], "not a valid version table name"),
    ],
)
def test_failures_exit_1_with_one_message_and_a_json_document(
    command: list[str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.format(empty=tmp_path / "empty", missing=tmp_path / "missing") for a in command]
    db = "--db" if "--database-url" not in args else None
    full = ["migrate", *args, *([db, str(tmp_path / "x.db")] if db else [])]
    result = invoke(*full)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr.lower()
    assert "Traceback" not in result.output

    document = json.loads(invoke(*full, "--json").stdout)
    assert document["ok"] is False and message in document["error"].lower()


@pytest.mark.parametrize(
    "args",
    [
        ["migrate", "up-to"],
        ["migrate", "down-to", "-1"],
        ["migrate", "up", "--no-such-option"],
        ["migrate", "no-such-command"],
        ["migrate", "status", "--db", "a.db", "--database-url", "sqlite:///b.db"],
        ["setup", "--no-interactive", "--config", "{tmp}/.env", "--openai-api-key", ""],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    result = invoke(*(a.format(tmp=tmp_path) for a in args), env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_both_database_options_are_refused_by_name(tmp_path: Path) -> None:
    result = invoke("migrate", "up", "--db", str(tmp_path / "a.db"), "--database-url", "sqlite:///b.db")
    assert result.exit_code == 2
    assert "--db" in result.stderr and "--database-url" in result.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("command", ["up", "up-by-one", "down", "redo", "reset"])
@pytest.mark.parametrize(("timeout", "message"), [("-1", "cannot be negative"), ("nan", "must be a number of seconds")])
def test_a_bad_lock_timeout_is_a_usage_error_naming_the_option(
    command: str, timeout: str, message: str, tmp_path: Path
) -> None:
    database = tmp_path / "x.db"
    for extra in ([], ["--json"]):
        result = invoke("migrate", command, "--db", str(database), "--lock-timeout", timeout, *extra)
        assert result.exit_code == 2, result.output
        words = " ".join(result.stderr.replace("│", " ").split())  # the message as one line, out of its box
        assert f"Invalid value for '--lock-timeout': the lock timeout {message}" in words
        assert result.stdout == "" and result.exception is not None and "Traceback" not in result.output
    assert not database.exists()


def test_traceback_variable_shows_the_exception_instead_of_the_message(tmp_path: Path) -> None:
    result = invoke("migrate", "down", "--db", str(tmp_path / "x.db"), env={"LLM_PROXY_TRACEBACK": "1"})
    assert isinstance(result.exception, MigrationError)


def test_the_environment_chooses_the_database_like_the_options(database_url: str) -> None:
    assert invoke("migrate", "up-to", "1", env={"DATABASE_URL": database_url}).exit_code == 0
    assert invoke("migrate", "version", "--database-url", database_url).stdout == "1\n"
    assert_schema_at(database_url, 1)
