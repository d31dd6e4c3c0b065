"""Start-up: open llm-proxy's database, bring it up to date, hand back a ready engine.

This is what the server calls before it accepts requests (``database.New()`` in the Go
code). Several instances may start at once: the migration lock makes exactly one of them
apply each pending migration while the others wait, then find nothing left to do. If the
database cannot be brought up to date, :class:`StartupError` says why and the server must
refuse to start rather than run against a schema it does not know.

On a database that only accepts reads (a standby, a read-only server; see
:mod:`llm_proxy.env.readonly`) nothing can be migrated, so the schema decides: up to date,
and the engine is handed back (read-only instances of the application start on a replica);
behind, and start-up fails, naming the pending migrations and where to run them.

    from llm_proxy.database import open_database

    engine = open_database()                       # $DATABASE_URL / $DATABASE_PATH / data/llm-proxy.db
    engine = open_database("postgresql://app@db/llm_proxy")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.errors import MigrationError, PartialMigrationError, ReadOnlyDatabaseError, StartupError
from llm_proxy.goose.table import DEFAULT_TABLE
from llm_proxy.selection import DatabaseTarget, as_target, select_database
from llm_proxy.env.locks import DEFAULT_TIMEOUT
from llm_proxy.env.locks import lock_mode as resolve_lock_mode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from llm_proxy.api import Migrator
    from llm_proxy.env.locks import LockMode


def open_database(
    database: str | Path | DatabaseTarget | None = None,
    *,
    migrations: str | Path | None = None,
    table: str = DEFAULT_TABLE,
    lock_timeout: float = DEFAULT_TIMEOUT,
    lock_mode: LockMode | str | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Engine:
    """A SQLAlchemy engine on the migrated database.

    ``database`` is a URL, a SQLite path or a target; by default it is chosen from the
    environment like every llm-proxy command does. SQLite databases are switched to WAL
    (readers never block the writer) and every connection enforces foreign keys.
    ``lock_mode`` is the PostgreSQL lock's mode, as :class:`~llm_proxy.api.Migrator`'s
    (``transaction`` or ``table`` behind PgBouncer; default ``$LLM_PROXY_LOCK_MODE``). Raises
    :class:`StartupError`.
    """
    from llm_proxy.api import Migrator

    target = select_database(environ=environ) if database is None else as_target(database)
    try:
        _bring_up_to_date(
            Migrator(target, migrations, table, lock_timeout=lock_timeout, lock_mode=resolve_lock_mode(lock_mode, environ=environ), on_lock_wait=on_lock_wait)
        )
        return _application_engine(target)
    except MigrationError as exc:
        message = f"the database {target.display} is not ready, refusing to start:\n{exc}"
        if isinstance(exc, PartialMigrationError):
            applied = ", ".join(r.file.name for r in exc.applied) or "none"
            message += f"\nmigrations applied before the failure: {applied}"
        raise StartupError(message) from exc


def _bring_up_to_date(migrator: Migrator) -> None:
    """``up``; on a read-only database, an error only when its schema is behind the files."""
    try:
        migrator.up()
    except ReadOnlyDatabaseError as exc:
        status = migrator.status()
        pending = [row.file.name for row in status.rows if not row.applied and row.file is not None]
        pending += [f"{marker.file} (interrupted)" for marker in status.interrupted]
        if pending:
            raise MigrationError(
                f"{exc}\nits schema is behind the migration files (pending: {', '.join(pending)}); "
                "migrate the primary first, and this database follows"
            ) from exc


def _application_engine(target: DatabaseTarget) -> Engine:
    """The engine the application uses: the migration engine's settings plus SQLite pragmas."""
    from sqlalchemy import event

    from llm_proxy.env.engine import open_engine, reporting_errors

    engine = open_engine(target)
    if target.dialect == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    with reporting_errors(target), engine.connect():
        pass  # connect once now, so that a database the app cannot use fails start-up
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL (persistent in the file; readers never block the writer) and foreign keys (per connection)."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
