"""Running one goose execution unit exactly as written, on each dialect.

A unit may hold several SQL statements (``SELECT 1; SELECT 2;`` on one line, or a
StatementBegin block) and goose's drivers run all of them, so we must too:

- SQLite: sqlite3's ``execute()`` refuses a second statement and ``executescript()``
  commits, so the unit is cut where :func:`sqlite3.complete_statement` says a statement is
  complete (a trigger's ``BEGIN ... END;`` stays whole) and each piece runs in turn.
- MySQL: the connection has ``MULTI_STATEMENTS``; every result set is read, because an
  error in a later statement only surfaces when its result is reached.
- PostgreSQL: psycopg runs a multi-statement string as one simple query.

Nothing goes through bind-parameter processing: ``%``, ``:name`` and ``?`` are literal.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from llm_proxy.env.engine import dialect_of

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_NO_PARAMETERS = {"no_parameters": True}

# Statements MySQL commits implicitly (and so cannot roll back), by their first keyword.
_MYSQL_IMPLICIT_COMMIT = re.compile(
    r"^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|GRANT|REVOKE|LOCK|UNLOCK|INSTALL|UNINSTALL|ANALYZE|OPTIMIZE|REPAIR)\b",
    re.IGNORECASE | re.MULTILINE,
)


def run_unit(connection: Connection, sql: str) -> None:
    """Run one execution unit; the empty unit ``""`` is a no-op (drivers reject it)."""
    if not sql:
        return
    _RUNNERS[dialect_of(connection)](connection, sql)


def complete_statements(sql: str) -> list[str]:
    """``sql`` cut where :func:`sqlite3.complete_statement` sees a statement end, as SQLite's
    shell cuts its input (a trigger body's inner ``;`` does not end the trigger)."""
    pieces = []
    start = 0
    end = sql.find(";")
    while end >= 0:
        if sqlite3.complete_statement(sql[start : end + 1]):
            pieces.append(sql[start : end + 1])
            start = end + 1
        end = sql.find(";", end + 1)
    rest = sql[start:]
    if rest.strip():
        pieces.append(rest)
    return pieces


def commits_implicitly(sql: str) -> bool:
    """True when a MySQL unit holds DDL or another statement that commits on its own."""
    return _MYSQL_IMPLICIT_COMMIT.search(sql) is not None


def _run_sqlite(connection: Connection, sql: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for piece in complete_statements(sql):
            cursor.execute(piece)
    finally:
        cursor.close()


def _run_mysql(connection: Connection, sql: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while cursor.nextset():
            pass
    finally:
        cursor.close()


def _run_postgres(connection: Connection, sql: str) -> None:
    connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)


_RUNNERS = {"sqlite": _run_sqlite, "mysql": _run_mysql, "postgres": _run_postgres}
