"""Refusing to migrate a database that only accepts reads, before anything is attempted.

Pointed at a read replica, a migrator would take the lock, maybe create the version table,
and stop at its first write with the driver's "cannot execute CREATE TABLE in a read-only
transaction". Asking first turns that into one sentence that says where to migrate instead.
Migrating a replica is a misconfiguration even when it is up to date, so every command that
may change the database asks, whatever it would do; ``status`` and ``version`` never ask.

- PostgreSQL, in one query: ``pg_is_in_recovery()`` (a hot standby), then
  ``default_transaction_read_only`` and ``transaction_read_only`` (a role, database or
  session set read-only: every transaction would refuse to write).
- MySQL/MariaDB: ``@@read_only`` (MySQL's ``super_read_only`` forces it on, and is named
  when set), ``@@innodb_read_only``, then the replica status: a server that replicates from
  a source (on MariaDB, through any of its named connections) is a replica even with
  ``read_only`` off. ``read_only`` is refused even for an account allowed to write past it
  (SUPER, READ_ONLY ADMIN), as PostgreSQL's setting is although any session may turn it
  off: it is how replicas are marked, and writing past it is how a replica drifts from its
  source. An account not allowed to see the replica status is not asked about it.
- SQLite: a file this user may not write (its mode; root may write any), or a URI that opens
  it read-only (``mode=ro`` or ``immutable=1`` with ``uri=true``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from llm_proxy.env.engine import driver_error_code
from llm_proxy.errors import ReadOnlyDatabaseError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.engine import Connection

    from llm_proxy.selection import DatabaseTarget

    FirstRow = Callable[[str], Sequence[Any] | None]
    Errors = tuple[type[BaseException], ...]

_PRIMARY = "run migrations on the primary"
_OFF = ("0", "OFF", "")
# PyMySQL's error codes: the server does not know the statement (before MySQL 8.0.22 and
# MariaDB 10.5.1, SHOW REPLICA STATUS was SHOW SLAVE STATUS), or the account may not run it.
_PARSE_ERROR = 1064
_ACCESS_DENIED = (1227, 1142)
# MySQL lists every channel in one result; MariaDB's plain form shows only the unnamed
# connection of a multi-source replica, its ALL form every one (since 10.0).
_MYSQL_SOURCES = ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS")
_MARIADB_SOURCES = ("SHOW ALL SLAVES STATUS",)


def refuse_read_only_file(target: DatabaseTarget) -> None:
    """Raise :class:`ReadOnlyDatabaseError` for a SQLite target that cannot be written."""
    query = parse_qs(target.url.partition("?")[2])
    if target.sqlite_uri and (query.get("mode") == ["ro"] or query.get("immutable") == ["1"]):
        raise ReadOnlyDatabaseError(
            target.display, "the URL opens the SQLite file read-only (mode=ro or immutable=1)",
            "drop that option from the URL to migrate it",
        )
    path = target.sqlite_path
    if path is not None and path.exists() and not os.access(path, os.W_OK):
        raise ReadOnlyDatabaseError(
            target.display, "this SQLite file is read-only (its permissions do not let this user write it)",
            "run migrations as its owner, or make it writable (chmod u+w)",
        )


def refuse_read_only_server(connection: Connection, target: DatabaseTarget) -> None:
    """Raise :class:`ReadOnlyDatabaseError` when the server behind ``connection`` would
    refuse to write. The queries run in the connection's current transaction (SQLAlchemy
    begins one if none is open), so that a caller about to read anyway pays no more."""
    from sqlalchemy.exc import DBAPIError

    def first_row(sql: str) -> Sequence[Any] | None:
        return connection.exec_driver_sql(sql).first()

    mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
    _refuse(target, first_row, mariadb=mariadb, errors=(DBAPIError,))


def refuse_read_only_bare(connection: Any, target: DatabaseTarget) -> None:
    """:func:`refuse_read_only_server` on a DB-API connection of psycopg or PyMySQL
    (:func:`llm_proxy.env.driver.connect_bare`), in its current transaction."""
    from llm_proxy.env.driver import driver_errors

    cursor = connection.cursor()

    def first_row(sql: str) -> Sequence[Any] | None:
        cursor.execute(sql)
        row: Sequence[Any] | None = cursor.fetchone()
        return row

    mariadb = target.dialect == "mysql" and "MariaDB" in connection.get_server_info()
    _refuse(target, first_row, mariadb=mariadb, errors=driver_errors(target)[0])


def _refuse(target: DatabaseTarget, first_row: FirstRow, *, mariadb: bool, errors: Errors) -> None:
    reason = _postgres_reason(first_row) if target.dialect == "postgres" else _mysql_reason(first_row, mariadb, errors)
    if reason is not None:
        raise ReadOnlyDatabaseError(target.display, *reason)


def _postgres_reason(first_row: FirstRow) -> tuple[str, str] | None:
    row = first_row(
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only'), "
        "current_setting('transaction_read_only')"
    )
    assert row is not None
    recovery, default_read_only, read_only = row
    if recovery:
        return "this server is a standby (in recovery)", _PRIMARY
    for name, value in (("default_transaction_read_only", default_read_only), ("transaction_read_only", read_only)):
        if value == "on":
            return (
                f"this session is read-only ({name} is on)",
                f"{_PRIMARY}, as a role and database where it is off "
                "(ALTER DATABASE name SET default_transaction_read_only = off)",
            )
    return None


def _mysql_reason(first_row: FirstRow, mariadb: bool, errors: Errors) -> tuple[str, str] | None:
    super_read_only = "0" if mariadb else "@@global.super_read_only"
    row = first_row(f"SELECT @@global.read_only, {super_read_only}, @@global.innodb_read_only")
    assert row is not None
    read_only, super_only, innodb = row
    for name, value in (("super_read_only", super_only), ("read_only", read_only), ("innodb_read_only", innodb)):
        if str(value).upper() not in _OFF:
            return f"this server is read-only ({name} is on)", f"{_PRIMARY}, or turn {name} off there"
    if _replicates(first_row, mariadb, errors):
        return (
            "this server is a replica (SHOW REPLICA STATUS names a source)",
            f"{_PRIMARY}; if it no longer replicates, clear that with STOP REPLICA; RESET REPLICA ALL",
        )
    return None


def _replicates(first_row: FirstRow, mariadb: bool, errors: Errors) -> bool:
    """True when the server lists a replication source; False when it lists none, or the
    account may not ask."""
    for statement in _MARIADB_SOURCES if mariadb else _MYSQL_SOURCES:
        try:
            return first_row(statement) is not None
        except errors as exc:
            code = driver_error_code(exc)
            if code in _ACCESS_DENIED:
                return False
            if code != _PARSE_ERROR:
                raise
    return False
