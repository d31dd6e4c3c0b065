"""Running a goose SQL revision's statements, each one execution unit exactly as written.

A unit may hold several SQL statements (``SELECT 1; SELECT 2;`` on one line, or a
StatementBegin block) and goose's drivers run all of them, so we must too:

- SQLite: sqlite3's ``execute()`` refuses a second statement and ``executescript()``
  commits, so the unit is cut where :func:`sqlite3.complete_statement` says a statement is
  complete (a trigger's ``BEGIN ... END;`` stays whole) and each piece runs in turn.
- MySQL: the connection has ``MULTI_STATEMENTS``; every result set is read, because an
  error in a later statement only surfaces when its result is reached.
- PostgreSQL: psycopg runs a multi-statement string as one simple query.

Nothing goes through bind-parameter processing: ``%``, ``:name`` and ``?`` are literal.
A failing statement becomes :class:`~llm_proxy.errors.MigrationFailed`, naming the file, the
line, the database's message and what stayed applied.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from llm_proxy.dialects import dialect_of
from llm_proxy.env.engine import database_message
from llm_proxy.env.offline import terminated
from llm_proxy.errors import MigrationFailed, StatementRef

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Connection

    from llm_proxy.env.revisions import SqlRevision
    from llm_proxy.format.grammar import Direction, Statement

_NO_PARAMETERS = {"no_parameters": True}

# Statements MySQL commits implicitly (and so cannot roll back), by their first keyword.
_MYSQL_IMPLICIT_COMMIT = re.compile(
    r"^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|GRANT|REVOKE|LOCK|UNLOCK|INSTALL|UNINSTALL|ANALYZE|OPTIMIZE|REPAIR)\b",
    re.IGNORECASE | re.MULTILINE,
)


def run_statements(context: MigrationContext, revision: SqlRevision, direction: Direction) -> None:
    """Run (or in ``--sql`` mode, write out) the statements of ``direction``, in order."""
    statements = revision.statements(direction)
    dialect = dialect_of(context)
    if context.as_sql:
        for statement in statements:
            if statement.text:
                context.impl.static_output(terminated(statement.text, dialect))
        return
    connection = context.connection
    assert connection is not None
    errors = _database_errors(connection)
    ran: list[Statement] = []
    for statement in statements:
        try:
            run_unit(connection, statement.text)
        except errors as exc:
            raise _failure(revision, direction, dialect, statement, ran, exc) from exc
        ran.append(statement)


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


def _failure(
    revision: SqlRevision,
    direction: Direction,
    dialect: str,
    statement: Statement,
    ran: list[Statement],
    exc: BaseException,
) -> MigrationFailed:
    if not revision.use_transaction:
        kept, reason = ran, "the migration runs without a transaction (NO TRANSACTION)"
    elif dialect == "mysql":
        kept = [s for s in ran if commits_implicitly(s.text)]
        if commits_implicitly(statement.text) and len(complete_statements(statement.text)) > 1:
            kept.append(statement)  # DDL before the failing part of a multi-statement unit
        reason = "MySQL commits DDL statements implicitly"
    else:
        kept, reason = [], ""
    return MigrationFailed(
        path=revision.path,
        direction=direction.value,
        statement=_ref(statement),
        database_message=database_message(exc),
        kept=tuple(_ref(s) for s in kept),
        kept_reason=reason if kept else "",
    )


def _ref(statement: Statement) -> StatementRef:
    first = next((line for line in statement.text.splitlines() if line.strip()), "")
    return StatementRef(statement.line, first.strip())


def _database_errors(connection: Connection) -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import DBAPIError

    return (DBAPIError, connection.dialect.loaded_dbapi.Error)


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
