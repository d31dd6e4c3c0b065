"""A command that fails on a SQLite file that does not exist yet creates nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.migrations import write_migrations

from llm_proxy.api import Migrator
from llm_proxy.errors import MigrationError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_migrations(tmp_path / "migrations", {"00001_ok.sql": ("CREATE TABLE a (id INTEGER);", "DROP TABLE a;")})


def test_a_broken_pending_file_creates_no_database(folder: Path, tmp_path: Path) -> None:
    (folder / "00002_broken.sql").write_text("-- +goose Up\nCREATE TABLE b (id INTEGER)\n")
    database = tmp_path / "data" / "new.db"
    with pytest.raises(MigrationError, match="never ends"):
        Migrator(database, folder).up()
    assert not database.parent.exists()


@pytest.mark.parametrize("command", ["down", "reset", "redo"])
def test_rollbacks_on_a_missing_file_create_no_database(folder: Path, tmp_path: Path, command: str) -> None:
    database = tmp_path / "new.db"
    migrator = Migrator(database, folder)
    with pytest.raises(MigrationError):
        getattr(migrator, command)()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations"]


def test_a_good_run_on_a_new_file_still_creates_it(folder: Path, tmp_path: Path) -> None:
    database = tmp_path / "data" / "new.db"
    assert [r.version for r in Migrator(database, folder).up()] == [1]
    assert database.is_file()
