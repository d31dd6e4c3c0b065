"""Running a goose SQL revision's statements, each one execution unit exactly as written.

A unit may hold several SQL statements (``SELECT 1; SELECT 2;`` on one line, or a
StatementBegin block) and goose's drivers run all of them, so we must too:

- SQLite: sqlite3's ``execute()`` refuses a second statement and ``executescript()``
  commits, so the unit is cut where :func:`sqlite3.complete_statement` says a statement is
  complete (a trigger's ``BEGIN ... END;`` stays whole) and each piece runs in turn.
- MySQL: the connection has ``MULTI_STATEMENTS``; every result set is read, because an
  error in a later statement only surfaces when its result is reached.
- PostgreSQL: psycopg runs a multi-statement string as one simple query.

A transactional migration sends consecutive units in batches, one query (on SQLite, one
``executescript()``) each (:mod:`llm_proxy.env.batching`); when a batch fails, the runner
finds the unit that failed, so the error is the one the unit would have given alone:

- PostgreSQL and SQLite: each batch runs inside a savepoint; on an error the runner rolls
  back to it and runs the batch's units one at a time until one fails (the migration is
  failing anyway and will be rolled back). If none does, the batch counts as run. SQLite's
  script opens the transaction it runs in: ``executescript()`` first commits the
  migration's own, still empty, so a SQLite migration is batched only when Alembic gives
  each migration a transaction of its own (``transaction_per_migration``, as our env.py
  configures it).
- MySQL: the server stops at the first failing statement of a multi-statement query, so
  the result sets read before the error say which unit failed; nothing runs twice (DDL
  commits implicitly, and a second run could do it twice).

Nothing goes through bind-parameter processing: ``%``, ``:name`` and ``?`` are literal.
A failing statement becomes :class:`~llm_proxy.errors.MigrationFailed`, naming the file, the
line, the database's message and what stayed applied.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from llm_proxy.dialects import dialect_of
from llm_proxy.env.batching import SAVEPOINT, batches, complete_statements
from llm_proxy.env.engine import database_message, driver_error_code
from llm_proxy.env.offline import terminated
from llm_proxy.errors import MigrationFailed, StatementRef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Connection

    from llm_proxy.env.batching import Batch
    from llm_proxy.env.revisions import SqlRevision
    from llm_proxy.format.direction import Direction
    from llm_proxy.format.grammar import Statement

    Errors = tuple[type[BaseException], ...]

_NO_PARAMETERS = {"no_parameters": True}

_MYSQL_PARSE_ERROR = 1064  # ER_PARSE_ERROR: the statement was refused before anything ran
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
    own_transaction = revision.use_transaction and (dialect != "sqlite" or bool(context.opts.get("transaction_per_migration")))
    done = 0  # units run, counted rather than listed: a data migration holds 200,000
    for batch in batches(statements, dialect, transactional=own_transaction):
        try:
            _run_batch(connection, dialect, batch, errors)
        except _UnitFailed as failed:
            ran = statements[: done + failed.index]
            failure = _failure(revision, direction, dialect, batch.units[failed.index], ran, failed.error, failed.note)
            raise failure from failed.error
        done += len(batch.units)


def run_unit(connection: Connection, sql: str) -> None:
    """Run one execution unit; the empty unit ``""`` is a no-op (drivers reject it)."""
    if not sql:
        return
    _RUNNERS[dialect_of(connection)](connection, sql)


class _UnitFailed(Exception):
    """The unit at ``index`` of a batch failed with the database's ``error``; ``note`` adds
    what the database's message does not say."""

    def __init__(self, index: int, error: BaseException, note: str = "") -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error
        self.note = note


def _run_batch(connection: Connection, dialect: str, batch: Batch, errors: Errors) -> None:
    """Run a batch: a single unit as written, several by the dialect's batch runner."""
    if len(batch.units) > 1:
        _BATCH_RUNNERS[dialect](connection, batch, errors)
        return
    try:
        run_unit(connection, batch.units[0].text)
    except errors as exc:
        raise _UnitFailed(0, exc) from exc


def _run_postgres_batch(connection: Connection, batch: Batch, errors: Errors) -> None:
    _run_in_savepoint(connection, batch, errors, _run_postgres)


def _run_sqlite_batch(connection: Connection, batch: Batch, errors: Errors) -> None:
    _run_in_savepoint(connection, batch, errors, _run_sqlite_script)


def _run_in_savepoint(connection: Connection, batch: Batch, errors: Errors, run: Callable[[Connection, str], None]) -> None:
    """Run the batch's query (it runs its units in a savepoint); after an error, its units
    one by one to find the failing one."""
    try:
        run(connection, batch.sql)
        return
    except errors as exc:
        if connection.invalidated:  # the server is gone, and the transaction with it
            first, last = batch.units[0].line, batch.units[-1].line
            note = f"the connection was lost while lines {first} to {last} ran as one batch; which statement was running is not known"
            raise _UnitFailed(0, exc, note) from exc
        run_unit(connection, f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
    for index, unit in enumerate(batch.units):
        try:
            run_unit(connection, unit.text)
        except errors as exc:
            raise _UnitFailed(index, exc) from exc
    run_unit(connection, f"RELEASE SAVEPOINT {SAVEPOINT}")


def _run_mysql_batch(connection: Connection, batch: Batch, errors: Errors) -> None:
    """The batch as one query; the result sets read before an error name the failing unit."""
    succeeded = 0
    try:
        for _ in _mysql_results(connection, batch.sql):
            succeeded += 1
    except errors as exc:
        raise _UnitFailed(bisect_right(batch.ends, succeeded), exc) from exc


def commits_implicitly(sql: str) -> bool:
    """True when a MySQL unit holds DDL or another statement that commits on its own."""
    return _MYSQL_IMPLICIT_COMMIT.search(sql) is not None


def _failure(
    revision: SqlRevision,
    direction: Direction,
    dialect: str,
    statement: Statement,
    ran: Sequence[Statement],
    exc: BaseException,
    note: str = "",
) -> MigrationFailed:
    if not revision.use_transaction:
        kept, reason = ran, "the migration runs without a transaction (NO TRANSACTION)"
    elif dialect == "mysql":
        kept = _committed_by_mysql(ran, statement, exc)
        reason = "MySQL commits DDL statements implicitly, and with each one what ran before it"
    else:
        kept, reason = [], ""
    return MigrationFailed(
        path=revision.path,
        direction=direction.value,
        statement=_ref(statement),
        database_message=f"{database_message(exc)} ({note})" if note else database_message(exc),
        kept=tuple(_ref(s) for s in kept),
        kept_reason=reason if kept else "",
    )


def _committed_by_mysql(ran: Sequence[Statement], failed: Statement, exc: BaseException) -> list[Statement]:
    """What stays of a failed transactional migration on MySQL: a statement that commits
    implicitly (DDL) first commits the transaction it is in, so it keeps every statement
    before it (and itself, if it ran); what ran after the last one is rolled back. The
    commit comes before the statement runs, so a failing DDL statement kept what ran before
    it too, unless the server could not even parse it."""
    if commits_implicitly(failed.text):
        if len(complete_statements(failed.text)) > 1:
            return [*ran, failed]  # DDL before the failing part of a multi-statement unit
        if driver_error_code(exc) != _MYSQL_PARSE_ERROR:
            return list(ran)
    last = max((index for index, unit in enumerate(ran) if commits_implicitly(unit.text)), default=-1)
    return list(ran[: last + 1])


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


def _run_sqlite_script(connection: Connection, sql: str) -> None:
    connection.connection.dbapi_connection.executescript(sql)  # type: ignore[union-attr]


def _run_mysql(connection: Connection, sql: str) -> None:
    for _ in _mysql_results(connection, sql):
        pass


def _mysql_results(connection: Connection, sql: str) -> Iterator[None]:
    """Run ``sql``, yielding after each result set read: an error in a later statement of a
    multi-statement query surfaces only when its result is reached."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        yield
        while cursor.nextset():
            yield
    finally:
        cursor.close()


def _run_postgres(connection: Connection, sql: str) -> None:
    connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)


_RUNNERS = {"sqlite": _run_sqlite, "mysql": _run_mysql, "postgres": _run_postgres}
_BATCH_RUNNERS: dict[str, Callable[[Connection, Batch, Errors], None]] = {
    "mysql": _run_mysql_batch,
    "postgres": _run_postgres_batch,
    "sqlite": _run_sqlite_batch,
}
