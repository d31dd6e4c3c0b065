"""A version table left empty (MySQL commits the CREATE before the version-0 row) is repaired."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from llm_proxy.api import Migrator
from llm_proxy.goose.table import VersionTable
from llm_proxy.selection import from_url


def test_up_puts_back_the_missing_version_zero_row(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "00001_t.sql").write_text("-- +goose Up\nCREATE TABLE t (id INTEGER);\n-- +goose Down\nDROP TABLE t;\n")
    dialect = from_url(database_url).dialect
    engine = create_engine(from_url(database_url).url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(VersionTable("goose_db_version", dialect).create())
        migrator = Migrator(database_url, tmp_path)
        assert [r.version for r in migrator.up()] == [1]
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_id FROM goose_db_version ORDER BY id").scalars().all()
        assert rows == [0, 1]
        assert migrator.version() == 1
    finally:
        engine.dispose()
