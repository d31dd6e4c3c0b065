"""A database's bare driver connection, for the reads that must answer before SQLAlchemy loads.

``status`` and ``version`` read one table. Importing SQLAlchemy and initialising its
dialect cost more than the read itself (about 0.3 s of a 0.65 s ``status`` on a server), so
these commands connect with sqlite3, psycopg or PyMySQL directly, with what
:func:`~llm_proxy.env.engine.open_engine` would give the driver. That holds for SQLite files
and for the server URLs llm-proxy builds (``postgresql+psycopg://`` and ``mysql+pymysql://``,
with only query parameters whose meaning is the same for the driver); any other target gets
None here and takes the SQLAlchemy path, which handles (or explains) everything SQLAlchemy
does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from llm_proxy.selection import DatabaseTarget

# Query parameters that SQLAlchemy hands to PyMySQL unchanged; any other (ssl_*, a unix
# socket, ...) is translated by SQLAlchemy's dialect, so such a URL takes its path.
_MYSQL_PASSED_AS_IS = {"charset"}


def connect_bare(target: DatabaseTarget) -> Any | None:
    """A DB-API connection to ``target`` by its own driver, not in autocommit mode; None
    when the target is not one this opens the way SQLAlchemy would. The driver's own error
    is raised when the database cannot be reached."""
    if target.dialect == "sqlite":
        import sqlite3

        from llm_proxy.env.engine import SQLITE_BUSY_TIMEOUT

        path = target.sqlite_path
        if path is None or target.sqlite_uri:
            return None  # SQLAlchemy turns the URL's options into the URI SQLite opens
        return sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT)
    scheme = target.url.partition("://")[0]
    if scheme not in ("postgresql+psycopg", "mysql+pymysql"):
        return None
    parts = urlsplit(target.url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    database = unquote(parts.path[1:]) if parts.path.startswith("/") else ""
    if len(query) != len(pairs) or "/" in database:
        return None  # several hosts (host=a&host=b), or a path SQLAlchemy reads its own way
    login = {
        "host": parts.hostname,
        "port": parts.port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password is not None else None,
    }
    login = {key: value for key, value in login.items() if value is not None}
    if scheme == "postgresql+psycopg":
        return _postgres(login, database, query)
    return _mysql(login, database, query)


def _postgres(login: dict[str, Any], database: str, query: dict[str, str]) -> Any:
    """SQLAlchemy's psycopg dialect hands the URL's parts and query parameters to libpq as
    they are; so does this."""
    import psycopg

    from llm_proxy.env.locks import whoami

    options: dict[str, Any] = {**login, **query, "application_name": f"llm-proxy migrate {whoami()}"[:63]}
    if database:
        options["dbname"] = database
    return psycopg.connect(**options)


def _mysql(login: dict[str, Any], database: str, query: dict[str, str]) -> Any | None:
    if not set(query) <= _MYSQL_PASSED_AS_IS:
        return None
    import pymysql
    from pymysql.constants import CLIENT

    options: dict[str, Any] = {**login, **query, "client_flag": CLIENT.MULTI_STATEMENTS}
    if database:
        options["database"] = database
    return pymysql.connect(**options)


def driver_errors(target: DatabaseTarget) -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The errors of ``target``'s driver (imported by now if it is in use): any of them,
    and those that mean the server refuses or cannot be reached (any other driver error
    means: leave it to SQLAlchemy, which explains it)."""
    if target.dialect == "sqlite":
        import sqlite3

        return (sqlite3.Error,), ()
    if target.dialect == "postgres":
        import psycopg

        return (psycopg.Error,), (psycopg.OperationalError,)
    import pymysql

    return (pymysql.err.Error,), (pymysql.err.OperationalError,)
