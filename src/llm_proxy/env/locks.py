"""The migration lock: one migrator per database at a time, across processes and machines.

goose's command line has none, and llm-proxy servers migrate themselves at start-up, so
several instances routinely race. Every command that changes the database holds this lock
for its whole run, then re-reads the version table, so the loser of a race finds nothing
left to do and succeeds.

- PostgreSQL: a session advisory lock, by default goose's own id 4097083626 (the CRC-32 of
  "goose"), so that a goose library instance and we exclude each other.
- MySQL/MariaDB: ``GET_LOCK`` on ``llm-proxy-migrations:<database>``. MySQL's named locks
  are server-wide (PostgreSQL's advisory locks are per database), so the Go server's plain
  ``llm-proxy-migrations`` made migrators of unrelated databases on one server wait for
  each other; the database name scopes it.
- SQLite: an exclusive ``flock`` on a small file beside the database
  (``<database>-migrate-lock``). The kernel drops it the moment its holder dies, so a crash
  can never leave the lock stuck (the Go server's lock row could); the file records who holds
  it, for the waiting message. It is never deleted: unlinking a lock file lets two processes
  lock two different inodes.

The server-side locks are session locks, so they vanish with a dead client's connection
too. Given a connection, they are taken on it (commits do not release them): a migrator
then pays no second connection, which costs about 17 ms on MariaDB; given an engine, they
take a connection of their own. Waiting is visible (``on_wait`` is told who holds the
lock) and bounded by ``timeout``.
"""

from __future__ import annotations

import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from llm_proxy.dialects import dialect_of
from llm_proxy.errors import LockOptionsError, LockTimeoutError, MigrationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from sqlalchemy.engine import Connection, Engine

GOOSE_ADVISORY_LOCK_ID = 4097083626
MYSQL_LOCK_NAME = "llm-proxy-migrations"
DEFAULT_TIMEOUT = 300.0
LOCK_FILE_SUFFIX = "-migrate-lock"


LockTimeout = LockTimeoutError  # the older name, still importable from here


@dataclass(frozen=True, slots=True)
class LockOptions:
    """How to lock: timeout in seconds, how often to retry, the lock's identity per dialect."""

    timeout: float = DEFAULT_TIMEOUT
    poll_interval: float = 0.2
    postgres_lock_id: int = GOOSE_ADVISORY_LOCK_ID
    mysql_lock_name: str | None = None  # default: MYSQL_LOCK_NAME:<database>

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


class _Lock(Protocol):
    def try_acquire(self) -> bool: ...
    def holder(self) -> str: ...
    def release(self) -> None: ...


def mysql_lock_name(database: str) -> str:
    """The default ``GET_LOCK`` name for ``database``, within MySQL's 64 characters."""
    name = f"{MYSQL_LOCK_NAME}:{database}"
    if len(name) <= 64:
        return name
    import hashlib

    return f"{MYSQL_LOCK_NAME}:{hashlib.sha256(database.encode()).hexdigest()[:40]}"


def whoami() -> str:
    """This process, as other waiters will see it: ``host/pid``."""
    import socket  # here, not at the top: the read-only commands import this module for its options

    return f"{socket.gethostname()}/{os.getpid()}"


@contextmanager
def migration_lock(
    bind: Engine | Connection,
    *,
    options: LockOptions | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the migration lock of ``bind``'s database for the ``with`` block.

    ``bind`` is an engine, or the connection that will run the migrations (then the lock
    statements run in short transactions of their own on it, outside the caller's).

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
        _close(lock)


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


def _close(lock: _Lock) -> None:
    close = getattr(lock, "close", None)
    if close is not None:
        close()


def _lock_for(bind: Engine | Connection, opts: LockOptions) -> _Lock:
    engine = bind.engine
    name = dialect_of(engine)
    if name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return _NoLock()
        return _FileLock(Path(database).with_name(Path(database).name + LOCK_FILE_SUFFIX))
    session = _Session(bind)
    if name == "postgres":
        return _PostgresLock(session, opts.postgres_lock_id)
    return _MySQLLock(session, opts.mysql_lock_name or mysql_lock_name(engine.url.database or ""))


class _NoLock:
    """An in-memory SQLite database is private to its connection: nothing to exclude."""

    def try_acquire(self) -> bool:
        return True

    def holder(self) -> str:
        return "nobody"

    def release(self) -> None:
        return None


class _FileLock:
    """``flock`` on a file beside the SQLite database; the kernel frees it if we die."""

    def __init__(self, path: Path) -> None:
        import fcntl

        self.path = path
        self._fcntl = fcntl
        try:
            self.fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise MigrationError(
                f"{path}: cannot create the migration lock file: {exc.strerror or exc}; "
                "the database's folder must be writable (SQLite writes its journal there too)"
            ) from exc

    def try_acquire(self) -> bool:
        assert self.fd is not None
        try:
            self._fcntl.flock(self.fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        from datetime import datetime, timezone

        record = json.dumps({"holder": whoami(), "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, record.encode(), 0)
        return True

    def holder(self) -> str:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        if "holder" not in record:
            return "another process"
        return f"{record['holder']} since {record.get('since', '?')}"

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            self._fcntl.flock(self.fd, self._fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class _Session:
    """The connection a server-side lock lives on: the caller's, or one of its own."""

    def __init__(self, bind: Engine | Connection) -> None:
        from sqlalchemy.engine import Connection

        self.owned = not isinstance(bind, Connection)
        self.connection: Connection = (
            bind if isinstance(bind, Connection) else bind.connect().execution_options(isolation_level="AUTOCOMMIT")
        )

    def execute(self, sql: str, params: Mapping[str, object] | tuple[object, ...]) -> list[tuple[object, ...]]:
        """Run one lock statement; on the caller's connection, in a transaction of its own."""
        if self.owned:
            return [tuple(row) for row in self.connection.exec_driver_sql(sql, params)]
        if self.connection.in_transaction():
            self.connection.rollback()  # what is left is a failed or finished run's
        with self.connection.begin():
            return [tuple(row) for row in self.connection.exec_driver_sql(sql, params)]

    def close(self) -> None:
        if self.owned:
            self.connection.close()


class _PostgresLock:
    """A session advisory lock."""

    def __init__(self, session: _Session, lock_id: int) -> None:
        self.session = session
        self.lock_id = lock_id

    def try_acquire(self) -> bool:
        return bool(self._scalar("SELECT pg_try_advisory_lock(%(id)s)"))

    def holder(self) -> str:
        rows = self.session.execute(
            "SELECT a.pid, a.application_name, host(a.client_addr), a.backend_start "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid::bigint = (%(id)s >> 32) AND l.objid::bigint = (%(id)s & 4294967295) LIMIT 1",
            {"id": self.lock_id},
        )
        if not rows:
            return "another session"
        pid, application, client, started = rows[0]
        who = f"'{application}'" if application else "a session"
        return f"{who} (server pid {pid}, client {client or 'local'}) since {started:%Y-%m-%d %H:%M:%S}"

    def release(self) -> None:
        self._scalar("SELECT pg_advisory_unlock(%(id)s)")

    def close(self) -> None:
        self.session.close()

    def _scalar(self, sql: str) -> object:
        return self.session.execute(sql, {"id": self.lock_id})[0][0]


class _MySQLLock:
    """``GET_LOCK``, a lock of the session (COMMIT, even DDL's implicit one, keeps it)."""

    def __init__(self, session: _Session, name: str) -> None:
        self.session = session
        self.name = name

    def try_acquire(self) -> bool:
        return self.session.execute("SELECT GET_LOCK(%s, 0)", (self.name,))[0][0] == 1

    def holder(self) -> str:
        rows = self.session.execute(
            "SELECT p.id, p.host, p.time FROM information_schema.processlist p "
            "WHERE p.id = IS_USED_LOCK(%s)",
            (self.name,),
        )
        if not rows:
            return "another session"
        connection_id, host, seconds = rows[0]
        return f"connection {connection_id} from {host} (for {seconds} s)"

    def release(self) -> None:
        self.session.execute("SELECT RELEASE_LOCK(%s)", (self.name,))

    def close(self) -> None:
        self.session.close()
