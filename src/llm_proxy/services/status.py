"""``status`` and ``version``: read goose's table directly, without importing Alembic.

The same read is ``up``'s first look (is anything pending?), which must also refuse a
database that only accepts reads before anything else happens (:mod:`llm_proxy.env.readonly`):
``for_writing`` asks that on the connection already open, one query more.

A read-only command must answer fast (importing ``alembic.command`` alone costs about half
a second) and must not change anything: no table is created, and a SQLite file that does
not exist yet is not created by looking at it. A SQLite file is read with the standard
library's sqlite3, and a server's with psycopg or PyMySQL (:mod:`llm_proxy.env.driver`), so
that looking at it does not even import SQLAlchemy; anything unusual (a foreign table of
that name, a damaged file, a URL only SQLAlchemy reads) takes the SQLAlchemy path, which
explains it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from llm_proxy.format.sources import collect
from llm_proxy.goose import plan
from llm_proxy.goose.markers import Marker, markers_query, runs_table
from llm_proxy.goose.state import GooseState, state_from_rows
from llm_proxy.goose.table import VersionTable

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.selection import DatabaseTarget
    from llm_proxy.goose.results import Status


def read_goose_state(target: DatabaseTarget, table: str, *, for_writing: bool = False) -> GooseState:
    """The version table's state on ``target`` (empty when the table or SQLite file is absent).

    ``for_writing`` first raises :class:`~llm_proxy.errors.ReadOnlyDatabaseError` when
    ``target`` only accepts reads (a standby, a read-only session, server or file).
    """
    return _read(target, VersionTable(table, target.dialect), for_writing=for_writing)[0]


def read_status(target: DatabaseTarget, folder: Path, table: str) -> Status:
    """Every migration file and every database-only version, with when each was applied,
    and the NO TRANSACTION migrations that were interrupted."""
    files = collect(folder)
    state, markers = _read(target, VersionTable(table, target.dialect), with_markers=True)
    return replace(plan.status(state, files), interrupted=tuple(markers))


def _read(
    target: DatabaseTarget, table: VersionTable, *, with_markers: bool = False, for_writing: bool = False
) -> tuple[GooseState, list[Marker]]:
    if for_writing and target.dialect == "sqlite":
        from llm_proxy.env.readonly import refuse_read_only_file

        refuse_read_only_file(target)
    path = target.sqlite_path
    if path is not None and not path.exists():
        return GooseState.absent(), []
    found = _read_bare(target, table, with_markers=with_markers, for_writing=for_writing)
    if found is not None:
        return found
    return _read_with_sqlalchemy(target, table, with_markers=with_markers, for_writing=for_writing)


def _read_with_sqlalchemy(
    target: DatabaseTarget, table: VersionTable, *, with_markers: bool, for_writing: bool
) -> tuple[GooseState, list[Marker]]:
    """The state (and markers) read through SQLAlchemy, which explains whatever goes wrong."""
    from llm_proxy.env.engine import open_engine, reporting_errors
    from llm_proxy.env.interrupted import read_markers
    from llm_proxy.env.readonly import refuse_read_only_server
    from llm_proxy.env.version_table import read_state

    engine = open_engine(target)
    try:
        with reporting_errors(target), engine.connect() as connection:
            if for_writing and target.dialect != "sqlite":
                refuse_read_only_server(connection, target)
            state = read_state(connection, table)
            return state, read_markers(connection, table) if with_markers else []
    finally:
        engine.dispose()


def _read_bare(
    target: DatabaseTarget, table: VersionTable, *, with_markers: bool, for_writing: bool
) -> tuple[GooseState, list[Marker]] | None:
    """The state (and markers) read with the bare driver (sqlite3, psycopg, PyMySQL); None
    when that cannot be done or fails (the caller then takes the SQLAlchemy path, which
    explains why). A server that cannot be reached is reported from here, as the
    SQLAlchemy path would report it, rather than waited for twice; so is one that only
    accepts reads, ``for_writing``."""
    from contextlib import closing

    from llm_proxy.env.driver import connect_bare, driver_errors
    from llm_proxy.errors import DatabaseError

    errors, unreachable = driver_errors(target)
    unexpected: tuple[type[BaseException], ...] = (*errors, ValueError)  # ValueError: a row goose would not write
    try:
        connection = connect_bare(target)
    except errors as exc:
        if not isinstance(exc, unreachable):
            return None
        from llm_proxy.env.engine import database_message

        raise DatabaseError(f"{target.display}: {database_message(exc)}") from exc
    if connection is None:
        return None
    marker = "?" if target.dialect == "sqlite" else "%s"
    try:
        with closing(connection):
            if for_writing and target.dialect != "sqlite":
                from llm_proxy.env.readonly import refuse_read_only_bare

                refuse_read_only_bare(connection, target)
            cursor = connection.cursor()
            cursor.execute(table.exists())
            if not cursor.fetchone()[0]:
                return GooseState.absent(), []
            cursor.execute(table.select())
            state = state_from_rows(cursor.fetchall())
            if not with_markers:
                return state, []
            cursor.execute(VersionTable(runs_table(table), target.dialect).exists())
            if not cursor.fetchone()[0]:
                return state, []
            cursor.execute(markers_query(table, marker), (table.name,))
            return state, [Marker(int(v), d, f, h, at) for v, d, f, h, at in cursor.fetchall()]
    except unexpected:
        return None
