"""NO TRANSACTION migrations that never finished: the marker rows that remember them.

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_proxy.goose.table import VersionTable

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


def runs_table(table: VersionTable) -> str:
    """The marker table's name: beside the version table, in its schema."""
    return f"{table.schema}.{RUNS_TABLE}" if table.schema else RUNS_TABLE


def markers_query(table: VersionTable, placeholder: str) -> str:
    """The markers of ``table``, its name bound through ``placeholder`` (``:table``, ``?``)."""
    return (
        f"SELECT version_id, direction, file, holder, started_at FROM {runs_table(table)} "
        f"WHERE version_table = {placeholder} ORDER BY version_id"
    )


def create_sql(table: VersionTable) -> str:
    """The marker table, created on first use."""
    return f"CREATE TABLE IF NOT EXISTS {runs_table(table)} ({_COLUMNS[table.dialect]})"


def insert_sql(table: VersionTable) -> str:
    """One marker, with bound ``:table, :version, :direction, :file, :holder``."""
    return (
        f"INSERT INTO {runs_table(table)} (version_table, version_id, direction, file, holder) "
        "VALUES (:table, :version, :direction, :file, :holder)"
    )


def delete_sql(table: VersionTable) -> str:
    """The marker of one version, with bound ``:table`` and ``:version``."""
    return f"DELETE FROM {runs_table(table)} WHERE version_table = :table AND version_id = :version"


def manual_delete_sql(table: VersionTable, versions: list[int]) -> str:
    """What a person runs to drop the markers of ``versions`` after repairing by hand."""
    listed = ", ".join(str(v) for v in versions)
    return f"DELETE FROM {runs_table(table)} WHERE version_table = '{table.name}' AND version_id IN ({listed})"
