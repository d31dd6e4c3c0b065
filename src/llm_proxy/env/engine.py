"""Opening a database the way migrations need it, on each dialect.

- SQLite: Python's sqlite3 (legacy transaction mode) never issues BEGIN before DDL, so a
  failing migration would stay half-applied. SQLAlchemy's documented recipe takes over:
  sqlite3's own BEGIN is switched off and every transaction starts with an explicit BEGIN,
  except on a connection set to AUTOCOMMIT (NO TRANSACTION migrations).
- MySQL/MariaDB: PyMySQL with ``CLIENT.MULTI_STATEMENTS``, so that one execution unit may
  hold several statements, as goose's driver allows.
- PostgreSQL: psycopg 3, with an ``application_name`` that names this host and process, so
  that a migrator waiting for the migration lock can say who holds it. Migrations' engines
  never prepare statements on the server (``prepare_threshold=None``): psycopg prepares a
  query it has run 5 times (the lock's polling does), and behind a pooler in transaction
  mode (PgBouncer before 1.21, or without ``max_prepared_statements``) the next run lands on
  a server connection that never saw it: ``prepared statement "_pg3_0" does not exist``.
  A migrator runs each statement about once, so preparing buys it nothing.

SQLite connections wait up to :data:`SQLITE_BUSY_TIMEOUT` seconds for the application's
readers and writers instead of failing with "database is locked".
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import DatabaseError, DatabaseSelectionError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection, Engine

    from llm_proxy.selection import DatabaseTarget

SQLITE_BUSY_TIMEOUT = 30.0

def open_engine(target: DatabaseTarget, *, create_folder: bool = False, server_prepares: bool = True) -> Engine:
    """An engine for ``target``; ``create_folder`` makes the folder of a SQLite file first.

    ``server_prepares=False`` switches psycopg's automatic prepared statements off
    (migrations' engines; see the module's doc).
    """
    from sqlalchemy import event

    connect_args: dict[str, object] = {}
    if target.dialect == "mysql":
        from pymysql.constants import CLIENT

        connect_args["client_flag"] = CLIENT.MULTI_STATEMENTS
    elif target.dialect == "postgres":
        from llm_proxy.env.locks import whoami

        connect_args["application_name"] = f"llm-proxy migrate {whoami()}"[:63]
        if not server_prepares:
            connect_args["prepare_threshold"] = None
    else:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT
    path = target.sqlite_path
    if create_folder and path is not None:
        _make_folder(Path(path).parent)
    engine = _create(target, connect_args)
    if target.dialect == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


# The scheme of each dialect with the driver llm-proxy installs.
_INSTALLED = {"postgres": "postgresql+psycopg://", "mysql": "mysql+pymysql://", "sqlite": "sqlite:///"}


def _create(target: DatabaseTarget, connect_args: dict[str, object]) -> Engine:
    """SQLAlchemy's engine; a driver it does not know, or one that is not installed, is
    named with the scheme to use instead (not a traceback from SQLAlchemy's plugin loader)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError

    scheme = target.url.partition("://")[0]
    instead = f"use {_INSTALLED[target.dialect]}, whose driver llm-proxy installs"
    try:
        return create_engine(target.url, connect_args=connect_args)
    except NoSuchModuleError as exc:
        raise DatabaseSelectionError(f"{target.display}: SQLAlchemy has no database driver {scheme!r}; {instead}") from exc
    except ImportError as exc:
        raise DatabaseSelectionError(
            f"{target.display}: the driver of {scheme!r} is not installed (cannot import {exc.name or exc}); "
            f"{instead}, or install that driver"
        ) from exc


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        where = exc.filename or folder
        why = "it exists and is not a folder" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        raise DatabaseError(
            f"{where}: cannot create the database's folder {folder}: {why}; choose a path in a writable folder"
        ) from exc


def _sqlite_connect(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN")


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind ``exc`` (SQLAlchemy's errors wrap it as ``orig``)."""
    return getattr(exc, "orig", None) or exc


def driver_error_code(exc: BaseException) -> object:
    """The error number of a driver's exception, as PyMySQL gives it first in ``args``."""
    error = driver_error(exc)
    return error.args[0] if error.args else None


def database_message(exc: BaseException) -> str:
    """The database's own error text, without SQLAlchemy's wrapping and SQL echo.

    psycopg's lost prepared statements get the cause and the fix appended: nothing else
    in the message says that a pooler is involved.
    """
    original = driver_error(exc)
    if type(original).__module__.startswith("pymysql") and len(original.args) == 2:
        code, message = original.args
        return f"({code}) {message}"
    message = str(original).strip()
    if _LOST_PREPARE.search(message):
        message += f"\n{POOLER_PREPARE_HINT}"
    return message


_LOST_PREPARE = re.compile(r'prepared statement "_pg3_\d+" (does not exist|already exists)')
POOLER_PREPARE_HINT = (
    "hint: psycopg prepared this statement on one server connection and a connection pooler in "
    "transaction mode (PgBouncer before 1.21, or without max_prepared_statements) ran it on another; "
    "pass prepare_threshold=None in the connection's arguments (llm-proxy's migrations do), or set "
    "max_prepared_statements in PgBouncer 1.21 or later"
)


@contextmanager
def reporting_errors(target: DatabaseTarget) -> Iterator[None]:
    """Turn a driver error outside a migration's statements into a :class:`DatabaseError`."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        message = database_message(exc)
        if target.dialect == "sqlite" and message == "unable to open database file":
            message += "; its folder must exist and be writable (SQLite writes its journal there too)"
        raise DatabaseError(f"{target.display}: {message}") from exc
