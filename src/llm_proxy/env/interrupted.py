"""Interrupted NO TRANSACTION migrations on a live connection: mark, clear, read, refuse.

What the markers mean and why they exist: :mod:`llm_proxy.goose.markers`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import InterruptedMigration
from llm_proxy.goose import markers
from llm_proxy.goose.markers import RESUME_OPTION, RUNS_TABLE, Marker

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from llm_proxy.goose.results import PlannedStep
    from llm_proxy.goose.table import VersionTable


def read_markers(connection: Connection, table: VersionTable) -> list[Marker]:
    """The interrupted migrations recorded for ``table`` (none when the marker table is absent)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(RUNS_TABLE, schema=table.schema):
        return []
    rows = connection.execute(text(markers.markers_query(table, ":table")), {"table": table.name})
    return [Marker(int(v), d, f, h, s) for v, d, f, h, s in rows]


def refuse_if_interrupted(connection: Connection, table: VersionTable) -> None:
    """Raise :class:`InterruptedMigration` when a marker of ``table`` is present."""
    found = read_markers(connection, table)
    if found:
        manual = markers.manual_delete_sql(table, [m.version for m in found])
        raise InterruptedMigration(found, manual, RESUME_OPTION)


def mark_started(connection: Connection, table: VersionTable, step: PlannedStep, path: Path, holder: str) -> None:
    """Record that ``step`` of a NO TRANSACTION migration is about to run, in the caller's
    transaction (committed when the migration's autocommit block opens)."""
    from sqlalchemy import text

    connection.exec_driver_sql(markers.create_sql(table), execution_options={"no_parameters": True})
    clear(connection, table, step.version)
    connection.execute(
        text(markers.insert_sql(table)),
        {
            "table": table.name,
            "version": step.version,
            "direction": step.direction.value,
            "file": Path(path).name,
            "holder": holder,
        },
    )


def clear(connection: Connection, table: VersionTable, version: int) -> None:
    """Delete the marker of ``version``, in the caller's transaction."""
    from sqlalchemy import text

    connection.execute(text(markers.delete_sql(table)), {"table": table.name, "version": version})
