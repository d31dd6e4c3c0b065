"""From the database options of a command to a :class:`~llm_proxy.api.Migrator`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from llm_proxy.api import MigrationResult, Migrator, PlannedStep
    from llm_proxy.cli.options import ConnectionOptions


def migrator(
    connection: ConnectionOptions,
    *,
    lock_timeout: float | None = None,
    allow_missing: bool = False,
    resume_interrupted: bool = False,
    progress: Callable[[PlannedStep | MigrationResult], None] | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
) -> Migrator:
    """The Migrator for the database and folder the options (or the environment) name.

    ``--db`` together with ``--database-url``, and a ``--lock-timeout`` that is negative or
    not a number, are usage errors (exit 2), refused by name.
    """
    import typer

    if connection.db is not None and connection.database_url is not None:
        raise typer.BadParameter("give either --db PATH or --database-url URL, not both", param_hint="'--db'")
    from llm_proxy.api import Migrator
    from llm_proxy.errors import LockOptionsError
    from llm_proxy.selection import select_database
    from llm_proxy.env.locks import DEFAULT_TIMEOUT

    target = select_database(db_path=connection.db, database_url=connection.database_url)
    try:
        return Migrator(
            target,
            connection.directory,
            connection.table,
            allow_missing=allow_missing,
            resume_interrupted=resume_interrupted,
            lock_timeout=DEFAULT_TIMEOUT if lock_timeout is None else lock_timeout,
            progress=progress,
            on_lock_wait=on_lock_wait,
        )
    except LockOptionsError as exc:  # the lock timeout is the only lock setting the CLI passes
        raise typer.BadParameter(str(exc), param_hint="'--lock-timeout'") from None
