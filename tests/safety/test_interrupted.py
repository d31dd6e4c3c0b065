"""A NO TRANSACTION migration killed half-way is reported by the next run, which changes nothing.

The migration creates a table, pauses, then creates an index; ``kill -9`` lands in the
pause. The next ``up`` must refuse, naming the file and both ways on, and leave the
database as it is; ``--resume-interrupted`` runs it again (its statements are idempotent)
and clears the marker, so that later runs are normal again.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from sqlalchemy import create_engine, inspect
from support.cli import invoke, run_llm_proxy, up_command
from support.databases import dialect_of, probing, read_version_ids, take_snapshot
from support.migrations import BASE, pause_sql, write_migrations

from llm_proxy.api import Migrator
from llm_proxy.goose.markers import RUNS_TABLE

# A NO TRANSACTION migration whose second statement fails after the first has run.
FAILS_HALF_WAY = "-- +goose NO TRANSACTION\n-- +goose Up\nINSERT INTO base (x) VALUES (1);\nINSERT INTO nowhere (x) VALUES (2);\n"


def _no_transaction(pause: str) -> str:
    return (
        "-- +goose NO TRANSACTION\n-- +goose Up\n"
        "CREATE TABLE IF NOT EXISTS half (x integer);\n"
        f"{pause}\n"
        "CREATE INDEX half_x ON half (x);\n"
        "-- +goose Down\nDROP TABLE half;\n"
    )


def _wait_for_table(url: str, name: str, timeout: float = 30) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if inspect(connection).has_table(name):
                    return
            time.sleep(0.02)
        pytest.fail(f"{name} never appeared")
    finally:
        engine.dispose()


def test_a_killed_no_transaction_migration_is_refused_then_resumed(database_url, tmp_path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {"00001_base.sql": BASE, "00002_half.sql": _no_transaction(pause_sql(dialect_of(database_url), 5))},
    )

    process = subprocess.Popen(up_command(database_url, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_table(database_url, "half")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    before = take_snapshot(database_url)
    assert read_version_ids(database_url) == [0, 1] and "half" in before.schema

    refused = run_llm_proxy("migrate", "up", "--database-url", database_url, "--dir", str(folder), "--lock-timeout", "30")

    assert refused.returncode == 1
    message = refused.stderr
    assert "00002_half.sql (version 2, up) is a NO TRANSACTION migration that was interrupted" in message
    assert "--resume-interrupted" in message
    assert f"DELETE FROM {RUNS_TABLE} WHERE version_table = 'goose_db_version' AND version_id IN (2)" in message
    assert take_snapshot(database_url) == before

    (folder / "00002_half.sql").write_text(
        _no_transaction("SELECT 1;").replace("CREATE INDEX half_x", "CREATE INDEX IF NOT EXISTS half_x")
    )
    resumed = run_llm_proxy("migrate", "up", "--database-url", database_url, "--dir", str(folder), "--resume-interrupted")

    assert resumed.returncode == 0, resumed.stderr
    assert read_version_ids(database_url) == [0, 1, 2]
    assert "half_x" in {index[0] for index in take_snapshot(database_url).schema["half"][1]}
    assert Migrator(database_url, folder).up() == []  # no marker left: a plain run is normal again


def test_a_first_statement_the_database_refuses_leaves_no_marker(database_url, tmp_path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {"00001_base.sql": BASE, "00002_typo.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLEE half (x integer);\n"},
    )
    with pytest.raises(Exception, match="migrating up failed"):
        Migrator(database_url, folder).up()

    (folder / "00002_typo.sql").write_text("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE half (x integer);\n")
    assert [r.version for r in Migrator(database_url, folder).up()] == [2]
    with probing(database_url) as db:
        assert db.query(f"SELECT COUNT(*) FROM {RUNS_TABLE}") == [(0,)]


def test_a_failure_after_the_first_statement_keeps_the_marker(database_url, tmp_path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE, "00002_half.sql": FAILS_HALF_WAY})
    with pytest.raises(Exception, match="migrating up failed"):
        Migrator(database_url, folder).up()
    with pytest.raises(Exception, match="00002_half.sql .* was interrupted"):
        Migrator(database_url, folder).up()


def test_status_shows_an_interrupted_migration(database_url, tmp_path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE, "00002_half.sql": FAILS_HALF_WAY})
    with pytest.raises(Exception, match="migrating up failed"):
        Migrator(database_url, folder).up()

    [marker] = Migrator(database_url, folder).status().interrupted
    assert (marker.version, marker.direction, marker.file.endswith("00002_half.sql")) == (2, "up", True)

    options = ["--database-url", database_url, "--dir", str(folder)]
    text = invoke("migrate", "status", *options)
    assert text.exit_code == 0, text.stderr
    assert "INTERRUPTED (NO TRANSACTION, never finished)" in text.stdout
    assert "Interrupted: " in text.stdout and "--resume-interrupted" in text.stdout

    document = json.loads(invoke("migrate", "status", "--json", *options).stdout)
    assert [m["interrupted"] for m in document["migrations"]] == [False, True]
    assert [m["version"] for m in document["interrupted"]] == [2]
