"""The library API: ``Migrator`` commands return data, raise clear errors, never print."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.migrations import write_migrations

from llm_proxy.api import Migrator
from llm_proxy.bundled import bundled_migrations
from llm_proxy.errors import DatabaseError, LockOptionsError, MigrationError, ParseError, TargetError, VersionTableError
from llm_proxy.format.direction import Direction
from llm_proxy.goose.results import MigrationResult, PlannedStep


def test_bundled_migrations_up_status_down_on_every_dialect(database_url, capsys):
    migrator = Migrator(database_url)
    bundled = sorted(p.name for p in bundled_migrations(migrator.target.dialect).glob("*.sql"))

    results = migrator.up()
    assert [r.file.name for r in results] == bundled
    assert all(isinstance(r, MigrationResult) and r.direction is Direction.UP and r.statement_count > 0 for r in results)
    assert migrator.up() == []
    assert migrator.version() == len(bundled)

    status = migrator.status()
    assert status.current_version == len(bundled) and status.table_exists
    assert all(row.applied and row.applied_at is not None for row in status.rows)

    rolled_back = migrator.down()
    assert (rolled_back.version, rolled_back.direction) == (len(bundled), Direction.DOWN)
    assert migrator.up_by_one().version == len(bundled)
    assert [r.direction for r in migrator.redo()] == [Direction.DOWN, Direction.UP]
    assert [r.version for r in migrator.reset()] == list(range(len(bundled), 0, -1))
    assert migrator.up_to(2)[-1].version == 2
    assert capsys.readouterr() == ("", "")


def test_a_sqlite_path_is_a_database(tmp_path):
    migrator = Migrator(tmp_path / "data" / "llm-proxy.db")
    assert migrator.target.dialect == "sqlite"
    assert migrator.folder == bundled_migrations("sqlite")
    migrator.up()
    assert (tmp_path / "data" / "llm-proxy.db").exists()


def test_reading_a_missing_sqlite_database_creates_nothing(tmp_path):
    migrator = Migrator(tmp_path / "absent.db")
    assert migrator.version() == 0
    status = migrator.status()
    assert not status.table_exists and not any(row.applied for row in status.rows)
    assert not (tmp_path / "absent.db").exists()


def test_status_and_version_do_not_import_alembic(tmp_path):
    code = (
        "import sys; from llm_proxy.api import Migrator; "
        f"m = Migrator({str(tmp_path / 'x.db')!r}); m.status(); m.version(); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'alembic'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_options_are_checked_when_built(tmp_path):
    with pytest.raises(MigrationError, match="does not exist"):
        Migrator(tmp_path / "x.db", tmp_path / "nowhere")
    with pytest.raises(VersionTableError):
        Migrator(tmp_path / "x.db", tmp_path, "bad name")
    with pytest.raises(LockOptionsError, match="cannot be negative"):
        Migrator(tmp_path / "x.db", tmp_path, lock_timeout=-1)


def test_every_file_of_the_run_is_parsed_before_the_database_changes(tmp_path):
    folder = write_migrations(
        tmp_path / "m",
        {
            "00001_ok.sql": "-- +goose Up\nCREATE TABLE a (x integer);\n",
            "00002_broken.sql": "-- +goose Up\nCREATE TABLE b (x integer)\n",
        },
    )
    migrator = Migrator(tmp_path / "x.db", folder)
    with pytest.raises(ParseError, match="00002_broken.sql"):
        migrator.up()
    assert migrator.version() == 0
    assert not migrator.status().table_exists


def test_a_broken_down_section_does_not_block_up(tmp_path):
    folder = write_migrations(tmp_path / "m", {"00001_a.sql": "-- +goose Up\nCREATE TABLE a (x integer);\n-- +goose Down\nDROP TABLE a\n"})
    migrator = Migrator(tmp_path / "x.db", folder)
    assert migrator.up_by_one().version == 1
    with pytest.raises(ParseError, match="never ends"):
        migrator.down()
    assert migrator.version() == 1


def test_nothing_to_roll_back_is_a_clear_error(tmp_path):
    migrator = Migrator(tmp_path / "x.db", write_migrations(tmp_path / "m", {"00001_a.sql": "-- +goose Up\n"}))
    with pytest.raises(TargetError, match="version 0"):
        migrator.down()
    with pytest.raises(TargetError, match="version 0"):
        migrator.redo()
    empty = migrator.up_by_one()
    assert empty.empty and str(empty).startswith("EMPTY 00001_a.sql")
    with pytest.raises(TargetError, match="no next version"):
        migrator.up_by_one()


def test_progress_is_told_before_and_after_each_migration(tmp_path):
    events: list[PlannedStep | MigrationResult] = []
    Migrator(tmp_path / "x.db", progress=events.append).up_to(2)
    assert [type(e).__name__ for e in events] == ["PlannedStep", "MigrationResult"] * 2
    assert [e.version for e in events] == [1, 1, 2, 2]


def test_database_only_versions_show_in_status(tmp_path):
    migrator = Migrator(tmp_path / "x.db")
    migrator.up_to(1)
    import sqlite3

    with sqlite3.connect(tmp_path / "x.db") as connection:
        connection.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)")
    status = migrator.status()
    assert status.current_version == 99
    assert [(r.version, r.file) for r in status.database_only] == [(99, None)]
    with pytest.raises(TargetError, match="cannot roll back version 99"):
        migrator.down()


def test_passwords_never_appear_in_messages():
    migrator = Migrator("postgresql://postgres:s3cret-pw@127.0.0.1:1/nothing")
    assert "s3cret-pw" not in repr(migrator)
    with pytest.raises(DatabaseError) as failed:
        migrator.status()
    assert "s3cret-pw" not in str(failed.value)
    assert "127.0.0.1" in str(failed.value)
    with pytest.raises(DatabaseError) as failed:
        migrator.up()
    assert "s3cret-pw" not in str(failed.value)


def test_lock_modes_are_offered_by_the_api(tmp_path):
    from llm_proxy.api import LockMode

    assert [mode.value for mode in LockMode] == ["session", "transaction", "table"]
    migrator = Migrator(tmp_path / "x.db", lock_mode=LockMode.SESSION)  # the bundled migrations
    assert [r.version for r in migrator.up()] == [1, 2, 3, 4, 5, 6] and migrator.version() == 6
