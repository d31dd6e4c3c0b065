"""The migration lock: one migrator per database at a time, across processes and machines.

goose's command line has none, and llm-proxy servers migrate themselves at start-up, so
several instances routinely race. Every command that changes the database holds this lock
for its whole run, then re-reads the version table, so the loser of a race finds nothing
left to do and succeeds.

One module per kind of lock:

- :mod:`.postgres_session` (PostgreSQL, mode ``session``, the default): a session advisory
  lock, goose's own id 4097083626, so that a goose library instance and we exclude each
  other; it refuses to run behind a transaction pooler it can see through.
- :mod:`.postgres_transaction` (mode ``transaction``): a transaction-level advisory lock in
  a transaction left open on a connection of its own, which PgBouncer's transaction
  pooling keeps on one server connection.
- :mod:`.goose_table` (mode ``table``): goose's ``goose_lock`` lease, compatible with
  goose's ``NewPostgresTableLocker``; plain autocommit statements, so it works through any
  pooler.
- :mod:`.mysql`: ``GET_LOCK``; :mod:`.sqlite`: ``flock`` on a file beside the database.
  ProxySQL stops multiplexing a connection that called ``GET_LOCK``, and SQLite has no
  pooler, so both have only the ``session`` mode; asking them for another is
  an error rather than a silent fallback.

Given a connection, the session locks are taken on it (commits do not release them): a
migrator then pays no second connection, which costs about 17 ms on MariaDB; given an
engine, they take a connection of their own. Waiting is visible (``on_wait`` is told who
holds the lock) and bounded by ``timeout``.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from llm_proxy.dialects import dialect_of
from llm_proxy.env.locks.connection import whoami
from llm_proxy.env.locks.mysql import MYSQL_LOCK_NAME, mysql_lock_name
from llm_proxy.errors import LockModeError, LockOptionsError, LockTimeoutError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from sqlalchemy.engine import Connection, Engine

__all__ = [
    "DEFAULT_TIMEOUT", "GOOSE_ADVISORY_LOCK_ID", "LOCK_FILE_SUFFIX", "LOCK_MODE_VARIABLE", "MYSQL_LOCK_NAME",
    "LockMode", "LockOptions", "LockTimeout", "lock_mode", "migration_lock", "mysql_lock_name", "whoami",
]

GOOSE_ADVISORY_LOCK_ID = 4097083626
DEFAULT_TIMEOUT = 300.0
LOCK_FILE_SUFFIX = "-migrate-lock"
LOCK_MODE_VARIABLE = "LLM_PROXY_LOCK_MODE"


LockTimeout = LockTimeoutError  # the older name, still importable from here


class LockMode(StrEnum):
    """How the PostgreSQL migration lock is held (see docs/concurrency.md, "PgBouncer")."""

    SESSION = "session"  # a session advisory lock: direct connections and session poolers
    TRANSACTION = "transaction"  # a transaction-level advisory lock held open for the run
    TABLE = "table"  # goose's goose_lock lease


def lock_mode(value: LockMode | str | None = None, *, environ: Mapping[str, str] | None = None) -> LockMode:
    """The lock mode ``value`` names; when ``None``, ``$LLM_PROXY_LOCK_MODE``, else ``session``."""
    source = "lock mode"
    if value is None:
        value = (os.environ if environ is None else environ).get(LOCK_MODE_VARIABLE) or LockMode.SESSION
        source = LOCK_MODE_VARIABLE
    try:
        return LockMode(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(mode.value for mode in LockMode)
        raise LockOptionsError(f"{source} {value!r} is not one of {choices}") from None


@dataclass(frozen=True, slots=True)
class LockOptions:
    """How to lock: timeout in seconds, how often to retry, the lock's mode and identity per dialect.

    ``mode`` defaults to ``$LLM_PROXY_LOCK_MODE``, else ``session``; it is read when the
    options are built, so one setting reaches every way in (the command line,
    ``Migrator``, ``open_database()``, the stock ``alembic`` executable).
    """

    timeout: float = DEFAULT_TIMEOUT
    poll_interval: float = 0.2
    postgres_lock_id: int = GOOSE_ADVISORY_LOCK_ID
    mysql_lock_name: str | None = None  # default: MYSQL_LOCK_NAME:<database>
    mode: LockMode = field(default_factory=lock_mode)

    def __post_init__(self) -> None:
        if math.isnan(self.timeout):  # every comparison with NaN is false: it would wait forever
            raise LockOptionsError("the lock timeout must be a number of seconds")
        if self.timeout < 0:
            raise LockOptionsError("the lock timeout cannot be negative")
        if not self.poll_interval > 0:  # NaN too
            raise LockOptionsError("the lock poll interval must be positive")
        if not -(2**63) <= self.postgres_lock_id < 2**63:
            raise LockOptionsError("the PostgreSQL advisory lock id must fit in a 64-bit integer")
        if self.mysql_lock_name is not None and not 0 < len(self.mysql_lock_name) <= 64:
            raise LockOptionsError("the MySQL lock name must have 1 to 64 characters")
        object.__setattr__(self, "mode", lock_mode(self.mode))

    def check(self, dialect: str) -> LockOptions:
        """These options, if ``dialect`` has their mode; else :class:`LockModeError`."""
        if self.mode is LockMode.SESSION or dialect == "postgres":
            return self
        lock = (
            "GET_LOCK, which poolers keep on one server connection (ProxySQL stops multiplexing it)"
            if dialect == "mysql"
            else "a file lock beside the database"
        )
        raise LockModeError(
            f"lock mode {self.mode.value!r} is for PostgreSQL behind a transaction pooler such as PgBouncer; "
            f"the {dialect} migration lock is {lock}, so it has only the 'session' mode: "
            f"use --lock-mode session (the default) or unset {LOCK_MODE_VARIABLE}"
        )


class _Lock(Protocol):
    def try_acquire(self) -> bool: ...
    def holder(self) -> str: ...
    def release(self) -> None: ...
    def close(self) -> None: ...


@contextmanager
def migration_lock(
    bind: Engine | Connection,
    *,
    options: LockOptions | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the migration lock of ``bind``'s database for the ``with`` block.

    ``bind`` is an engine, or the connection that will run the migrations (then the
    ``session`` locks run their statements in short transactions of their own on it,
    outside the caller's; the other modes always use connections of their own).

    ``on_wait`` receives a sentence naming the holder when the lock is busy (once, then
    again every 10 seconds of waiting). Raises :class:`~llm_proxy.errors.LockTimeoutError` after
    ``options.timeout`` seconds.
    """
    opts = options or LockOptions()
    lock = _lock_for(bind, opts)
    try:
        _wait_for(lock, opts, on_wait)
        try:
            yield
        finally:
            lock.release()
    finally:
        lock.close()


def _wait_for(lock: _Lock, opts: LockOptions, on_wait: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + opts.timeout
    next_notice = 0.0
    while not lock.try_acquire():
        now = time.monotonic()
        if now >= deadline:
            raise LockTimeoutError(
                f"gave up after {opts.timeout:g} s waiting for the migration lock, "
                f"held by {lock.holder()}; if that migration is still running let it finish, "
                "otherwise stop that process (the lock is released when it exits), "
                "or raise the timeout with --lock-timeout"
            )
        if on_wait is not None and now >= next_notice:
            on_wait(f"waiting for the migration lock held by {lock.holder()}")
            next_notice = now + 10.0
        time.sleep(min(opts.poll_interval, max(deadline - now, 0.0)))


def _lock_for(bind: Engine | Connection, opts: LockOptions) -> _Lock:
    engine = bind.engine
    name = dialect_of(engine)
    opts.check(name)
    if name == "sqlite":
        from llm_proxy.env.locks.sqlite import FileLock, NoLock

        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return NoLock()
        return FileLock(Path(database).with_name(Path(database).name + LOCK_FILE_SUFFIX))
    from llm_proxy.env.locks.connection import LockConnection

    if name == "mysql":
        from llm_proxy.env.locks.mysql import MySQLLock

        return MySQLLock(LockConnection(bind), opts.mysql_lock_name or mysql_lock_name(engine.url.database or ""))
    if opts.mode is LockMode.TRANSACTION:
        from llm_proxy.env.locks.postgres_transaction import PostgresTransactionLock

        return PostgresTransactionLock(engine, opts.postgres_lock_id)
    if opts.mode is LockMode.TABLE:
        from llm_proxy.env.locks.goose_table import GooseTableLock

        return GooseTableLock(engine, opts.postgres_lock_id)
    from llm_proxy.env.locks.postgres_session import PostgresSessionLock

    return PostgresSessionLock(LockConnection(bind), opts.postgres_lock_id)
