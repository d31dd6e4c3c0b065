"""Opening a database the way migrations need it, on each dialect.

- SQLite: Python's sqlite3 (legacy transaction mode) never issues BEGIN before DDL, so a
  failing migration would stay half-applied. SQLAlchemy's documented recipe takes over:
  sqlite3's own BEGIN is switched off and every transaction starts with an explicit BEGIN,
  except on a connection set to AUTOCOMMIT (NO TRANSACTION migrations).
- MySQL/MariaDB: PyMySQL with ``CLIENT.MULTI_STATEMENTS``, so that one execution unit may
  hold several statements, as goose's driver allows.
- PostgreSQL: psycopg 3, with an ``application_name`` that names this host and process, so
  that a migrator waiting for the migration lock can say who holds it.

SQLite connections wait up to :data:`SQLITE_BUSY_TIMEOUT` seconds for the application's
readers and writers instead of failing with "database is locked".
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import DatabaseError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection, Engine

    from llm_proxy.selection import DatabaseTarget

SQLITE_BUSY_TIMEOUT = 30.0

def open_engine(target: DatabaseTarget, *, create_folder: bool = False) -> Engine:
    """An engine for ``target``; ``create_folder`` makes the folder of a SQLite file first."""
    from sqlalchemy import create_engine, event

    connect_args: dict[str, object] = {}
    if target.dialect == "mysql":
        from pymysql.constants import CLIENT

        connect_args["client_flag"] = CLIENT.MULTI_STATEMENTS
    elif target.dialect == "postgres":
        from llm_proxy.env.locks import whoami

        connect_args["application_name"] = f"llm-proxy migrate {whoami()}"[:63]
    else:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT
    path = target.sqlite_path
    if create_folder and path is not None:
        _make_folder(Path(path).parent)
    engine = create_engine(target.url, connect_args=connect_args)
    if target.dialect == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


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


def database_message(exc: BaseException) -> str:
    """The database's own error text, without SQLAlchemy's wrapping and SQL echo."""
    original = getattr(exc, "orig", None) or exc
    if type(original).__module__.startswith("pymysql") and len(original.args) == 2:
        code, message = original.args
        return f"({code}) {message}"
    return str(original).strip()


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
