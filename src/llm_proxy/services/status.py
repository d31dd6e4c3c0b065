"""``status`` and ``version``: read goose's table directly, without importing Alembic.

A read-only command must answer fast (importing ``alembic.command`` alone costs about half
a second) and must not change anything: no table is created, and a SQLite file that does
not exist yet is not created by looking at it. A SQLite file is read with the standard
library's sqlite3, so that looking at it does not even import SQLAlchemy; anything unusual
(a foreign table of that name, a damaged file) takes the SQLAlchemy path, which explains it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.env.engine import open_engine, reporting_errors
from llm_proxy.env.version_table import VersionTable, read_state, state_from_rows
from llm_proxy.format.sources import collect
from llm_proxy.services import plan

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.selection import DatabaseTarget
    from llm_proxy.services.results import Status


def read_goose_state(target: DatabaseTarget, table: str) -> plan.GooseState:
    """The version table's state on ``target`` (empty when the table or SQLite file is absent)."""
    path = target.sqlite_path
    if path is not None and not path.exists():
        return plan.GooseState(False, (), {})
    if path is not None:
        state = _read_sqlite_file(path, VersionTable(table, "sqlite"))
        if state is not None:
            return state
    engine = open_engine(target)
    try:
        with reporting_errors(target), engine.connect() as connection:
            return read_state(connection, VersionTable(table, target.dialect))
    finally:
        engine.dispose()


def _read_sqlite_file(path: Path, table: VersionTable) -> plan.GooseState | None:
    """The state read with sqlite3 alone; None when that fails (the caller then explains why)."""
    import sqlite3
    from contextlib import closing

    from llm_proxy.env.engine import SQLITE_BUSY_TIMEOUT

    try:
        with closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT)) as connection:
            if not connection.execute(table.exists()).fetchone()[0]:
                return plan.GooseState(False, (), {})
            return state_from_rows(connection.execute(table.select()).fetchall())
    except (sqlite3.Error, ValueError):
        return None


def read_status(target: DatabaseTarget, folder: Path, table: str) -> Status:
    """Every migration file and every database-only version, with when each was applied."""
    files = collect(folder)
    return plan.status(read_goose_state(target, table), files)
