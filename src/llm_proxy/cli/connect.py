"""From the database options of a command to a :class:`~llm_proxy.api.Migrator`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from llm_proxy.api import MigrationResult, Migrator, PlannedStep
    from llm_proxy.services.runner import MigratorOptions
    from llm_proxy.env.locks import LockMode


class DatabaseOptions(Protocol):
    """The options naming a database and its migrations (``--db``, ``--database-url``,
    ``--dir``, ``--table``): typer's :class:`~llm_proxy.cli.options.ConnectionOptions`, or
    the fast path's own parse of them."""

    @property
    def db(self) -> Path | None: ...
    @property
    def database_url(self) -> str | None: ...
    @property
    def directory(self) -> Path | None: ...
    @property
    def table(self) -> str: ...


def migrator(
    connection: DatabaseOptions,
    *,
    lock_timeout: float | None = None,
    lock_mode: LockMode | None = None,
    allow_missing: bool = False,
    resume_interrupted: bool = False,
    progress: Callable[[PlannedStep | MigrationResult], None] | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
) -> Migrator:
    """The Migrator for the database and folder the options (or the environment) name.

    ``--db`` together with ``--database-url``, and a ``--lock-timeout`` that is negative or
    not a number, are usage errors (exit 2), refused by name.
    """
    if connection.db is not None and connection.database_url is not None:
        import typer

        raise typer.BadParameter("give either --db PATH or --database-url URL, not both", param_hint="'--db'")
    from llm_proxy.selection import select_database

    target = select_database(db_path=connection.db, database_url=connection.database_url)
    options = migrator_options(
        connection, lock_timeout=lock_timeout, lock_mode=lock_mode, allow_missing=allow_missing, resume_interrupted=resume_interrupted
    )
    return options.migrator(target, progress=progress, on_lock_wait=on_lock_wait)


def migrator_options(
    connection: DatabaseOptions,
    *,
    lock_timeout: float | None = None,
    lock_mode: LockMode | None = None,
    allow_missing: bool = False,
    resume_interrupted: bool = False,
) -> MigratorOptions:
    """The Migrator options a command's options name, checked now: a bad lock timeout is a
    usage error (typer has already checked ``--lock-mode``)."""
    from llm_proxy.env.locks import DEFAULT_TIMEOUT
    from llm_proxy.errors import LockOptionsError
    from llm_proxy.services.runner import MigratorOptions

    try:
        return MigratorOptions(
            connection.directory,
            connection.table,
            allow_missing=allow_missing,
            resume_interrupted=resume_interrupted,
            lock_timeout=DEFAULT_TIMEOUT if lock_timeout is None else lock_timeout,
            lock_mode=lock_mode,
        )
    except LockOptionsError as exc:
        import typer

        raise typer.BadParameter(str(exc), param_hint="'--lock-timeout'") from None
