"""``status`` and ``version``: read goose's table directly, without importing Alembic.

A read-only command must answer fast (importing ``alembic.command`` alone costs about half
a second) and must not change anything: no table is created, and a SQLite file that does
not exist yet is not created by looking at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.env.engine import open_engine, reporting_errors
from llm_proxy.env.version_table import VersionTable, read_state
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
    engine = open_engine(target)
    try:
        with reporting_errors(target), engine.connect() as connection:
            return read_state(connection, VersionTable(table, target.dialect))
    finally:
        engine.dispose()


def read_status(target: DatabaseTarget, folder: Path, table: str) -> Status:
    """Every migration file and every database-only version, with when each was applied."""
    files = collect(folder)
    return plan.status(read_goose_state(target, table), files)
