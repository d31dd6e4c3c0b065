"""A version table left empty (MySQL commits the CREATE before the version-0 row) is repaired."""

from __future__ import annotations

from pathlib import Path

from support.databases import dialect_of, read_version_ids, run_sql
from support.migrations import write_migrations

from llm_proxy.api import Migrator
from llm_proxy.goose.table import VersionTable


def test_up_puts_back_the_missing_version_zero_row(database_url: str, tmp_path: Path) -> None:
    write_migrations(tmp_path, {"00001_t.sql": ("CREATE TABLE t (id INTEGER);", "DROP TABLE t;")})
    run_sql(database_url, VersionTable("goose_db_version", dialect_of(database_url)).create())
    migrator = Migrator(database_url, tmp_path)
    assert [r.version for r in migrator.up()] == [1]
    assert read_version_ids(database_url) == [0, 1]
    assert migrator.version() == 1
