"""NO TRANSACTION migrations that never finished: remembered, and refused on the next run.

A NO TRANSACTION migration runs statement by statement in autocommit, and its version row
is written only after the last one (as goose does). If the process dies (or a statement
fails) in between, part of the migration stays in the database while the version table
says "not applied"; the next run would start it again from its first statement, which
fails, or applies something twice, unless every statement is idempotent.

So before such a migration starts, a marker row naming it goes into
``llm_proxy_migration_runs``, a table of our own beside goose's version table (in the same
schema). goose ignores other tables; spec §3 forbids extra columns in goose's table. The
marker is deleted in the transaction that writes the version row, so it survives exactly
when the migration was interrupted. A later run that finds one refuses, naming the file
and both ways on: make the statements idempotent and pass ``resume_interrupted``
(``--resume-interrupted``), which runs the migration again and deletes the marker when it
completes; or repair the database by hand and delete the marker row.

A NO TRANSACTION migration whose FIRST statement fails leaves no marker: the database
refused it, so nothing of it is applied, and fixing the file is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import MigrationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from llm_proxy.env.version_table import VersionTable
    from llm_proxy.services.results import PlannedStep

RUNS_TABLE = "llm_proxy_migration_runs"
RESUME_OPTION = "--resume-interrupted"

_COLUMNS = {
    "sqlite": (
        "version_table TEXT NOT NULL, version_id INTEGER NOT NULL, direction TEXT NOT NULL, "
        "file TEXT NOT NULL, holder TEXT NOT NULL, started_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))"
    ),
    "postgres": (
        "version_table text NOT NULL, version_id bigint NOT NULL, direction text NOT NULL, "
        "file text NOT NULL, holder text NOT NULL, started_at timestamp NOT NULL DEFAULT now()"
    ),
    "mysql": (
        "version_table varchar(129) NOT NULL, version_id bigint NOT NULL, direction varchar(4) NOT NULL, "
        "file text NOT NULL, holder varchar(255) NOT NULL, started_at timestamp NOT NULL DEFAULT now()"
    ),
}


@dataclass(frozen=True, slots=True)
class Marker:
    """A NO TRANSACTION migration that started and never recorded its version."""

    version: int
    direction: str
    file: str
    holder: str
    started_at: datetime | str

    @property
    def started(self) -> str:
        """When it started, to the second (SQLite returns its own text form)."""
        if isinstance(self.started_at, datetime):
            return f"{self.started_at:%Y-%m-%d %H:%M:%S}"
        return str(self.started_at)


class InterruptedMigration(MigrationError):
    """A NO TRANSACTION migration was interrupted; running on needs a person's decision."""

    def __init__(self, markers: list[Marker], table: VersionTable) -> None:
        self.markers = markers
        lines = [
            f"{m.file} (version {m.version}, {m.direction}) is a NO TRANSACTION migration that was "
            f"interrupted: it started at {m.started} (by {m.holder}) and never finished, so some of "
            "its statements may be applied although the version table says it is not."
            for m in markers
        ]
        versions = ", ".join(str(m.version) for m in markers)
        lines += [
            "Nothing was changed. To go on, either:",
            "  - make its statements safe to run twice (CREATE INDEX CONCURRENTLY IF NOT EXISTS, ...) "
            f"and run again with {RESUME_OPTION} (migrate up, up-by-one, up-to; "
            "resume_interrupted=True for any Migrator command); or",
            "  - undo (or finish) what it applied by hand, then delete the marker so that the "
            "migration runs normally:",
            f"      DELETE FROM {runs_table(table)} WHERE version_table = '{table.name}' "
            f"AND version_id IN ({versions})",
        ]
        super().__init__("\n".join(lines))


def runs_table(table: VersionTable) -> str:
    """The marker table's name: beside the version table, in its schema."""
    return f"{table.schema}.{RUNS_TABLE}" if table.schema else RUNS_TABLE


def markers_query(table: VersionTable, placeholder: str) -> str:
    """The markers of ``table``, its name bound through ``placeholder`` (``:table``, ``?``)."""
    return (
        f"SELECT version_id, direction, file, holder, started_at FROM {runs_table(table)} "
        f"WHERE version_table = {placeholder} ORDER BY version_id"
    )


def read_markers(connection: Connection, table: VersionTable) -> list[Marker]:
    """The interrupted migrations recorded for ``table`` (none when the marker table is absent)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(RUNS_TABLE, schema=table.schema):
        return []
    rows = connection.execute(text(markers_query(table, ":table")), {"table": table.name})
    return [Marker(int(v), d, f, h, s) for v, d, f, h, s in rows]


def refuse_if_interrupted(connection: Connection, table: VersionTable) -> None:
    """Raise :class:`InterruptedMigration` when a marker of ``table`` is present."""
    markers = read_markers(connection, table)
    if markers:
        raise InterruptedMigration(markers, table)


def mark_started(connection: Connection, table: VersionTable, step: PlannedStep, path: Path, holder: str) -> None:
    """Record (and commit) that ``step`` of a NO TRANSACTION migration is about to run."""
    from sqlalchemy import text

    with connection.begin():
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {runs_table(table)} ({_COLUMNS[table.dialect]})",
            execution_options={"no_parameters": True},
        )
        clear(connection, table, step.version)
        connection.execute(
            text(
                f"INSERT INTO {runs_table(table)} (version_table, version_id, direction, file, holder) "
                "VALUES (:table, :version, :direction, :file, :holder)"
            ),
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

    connection.execute(
        text(f"DELETE FROM {runs_table(table)} WHERE version_table = :table AND version_id = :version"),
        {"table": table.name, "version": version},
    )
