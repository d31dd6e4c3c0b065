"""PostgreSQL, ``session`` mode: a session advisory lock, goose's own.

``pg_try_advisory_lock(4097083626)``, the lock goose's ``NewPostgresSessionLocker`` takes,
so that a goose library instance and llm-proxy exclude each other. It belongs to the
server connection (the backend) it was taken on, and goes when that connection ends.

Behind a connection pooler in transaction mode (PgBouncer ``pool_mode = transaction``)
each transaction runs on whichever server connection is free: the lock, the migrations and
the unlock land on different backends, the lock excludes nobody, and it stays behind on a
pooled backend (a known outage pattern). So this lock checks where it runs:

- after taking the lock, when the backend's ``pg_backend_pid()`` differs from the pid the
  connection announced at start-up, a pooler sits in between. A session pooler is fine (the
  backend is ours until we disconnect), a transaction pooler is not. A second connection
  then asks the pooler for a backend: a session pooler can never hand ours to another
  client, so getting it proves the backends are shared. That probe releases the lock in
  the same statement, and the run is refused before anything changes;
- the probe can miss (another client may hold that backend at that instant), so the
  release checks what ``pg_advisory_unlock`` says: false through a pooler means it ran on
  another backend (false on a direct connection means the session that held the lock
  ended, taking the lock with it, as when an interrupt breaks the connection).
  The lock is then released on its own backend if that can be reached within a few
  seconds, and the run fails naming the cause, where the lock is, and the fix.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import TYPE_CHECKING

from llm_proxy.env.locks.connection import advisory_holder
from llm_proxy.errors import ConnectionPoolerError

if TYPE_CHECKING:
    from llm_proxy.env.locks.connection import LockConnection

FIX = (
    "behind a transaction pooler use --lock-mode transaction (a transaction-level lock held "
    "on a connection of its own) or --lock-mode table (goose's goose_lock lease), also as "
    "LLM_PROXY_LOCK_MODE, or run migrations over a direct connection to PostgreSQL"
)
FREE_FOR = 5.0  # seconds spent reaching the backend a stray lock was left on
CHAIN = 12  # server connections held at once to reach it, within SQLAlchemy's default pool

# Releases the lock only when this statement runs on the backend that holds it, and says
# whether that backend holds it still (it may have ended, taking the lock with it) and
# whether it sits idle in the pooler, free for the next client.
_RELEASE_ON = (
    "SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = %(pid)s THEN pg_advisory_unlock(%(id)s) ELSE false END, "
    "EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = %(pid)s "
    "AND classid::bigint = (%(id)s >> 32) AND objid::bigint = (%(id)s & 4294967295)), "
    "COALESCE((SELECT state = 'idle' FROM pg_stat_activity WHERE pid = %(pid)s), false)"
)


class PostgresSessionLock:
    """A session advisory lock that refuses to pretend behind a transaction pooler."""

    def __init__(self, session: LockConnection, lock_id: int) -> None:
        self.session = session
        self.lock_id = lock_id
        self.backend: int | None = None  # the server pid the lock was taken on

    def try_acquire(self) -> bool:
        if not self._take():
            return False
        self._refuse_shared_backend()
        return True

    def holder(self) -> str:
        return advisory_holder(self.session, self.lock_id)

    def release(self) -> None:
        [(unlocked, pid)] = self.session.execute("SELECT pg_advisory_unlock(%(id)s), pg_backend_pid()", {"id": self.lock_id})
        if unlocked:
            return
        if pid != self.backend and self.session.startup_pid() == pid:
            # A direct connection to a new session: SQLAlchemy replaced the one an interrupt
            # broke, and the lock ended with the session that held it.
            return
        assert self.backend is not None
        where = (
            f"It is no longer held by server pid {self.backend}."
            if self._free()
            else f"It is still held by server pid {self.backend}: run SELECT pg_terminate_backend({self.backend}) "
            "on the server (or restart the pooler) to free it."
        )
        raise ConnectionPoolerError(
            f"the migration lock was not released: it was taken on server pid {self.backend}, but the "
            f"unlock ran on server pid {pid}, which does not hold it. A connection pooler in transaction "
            "mode (PgBouncer pool_mode = transaction) sends each transaction to any free server connection, "
            "so a session advisory lock stays behind on one of them and excludes nobody: this run's "
            f"migrations were not protected from other migrators (check llm-proxy migrate status). {where} "
            f"Fix: {FIX}."
        )

    def close(self) -> None:
        self.session.close()

    def _take(self) -> bool:
        [(locked, pid)] = self.session.execute("SELECT pg_try_advisory_lock(%(id)s), pg_backend_pid()", {"id": self.lock_id})
        if locked:
            self.backend = int(pid)  # type: ignore[call-overload]
        return bool(locked)

    def _refuse_shared_backend(self) -> None:
        """Refuse a pooler that hands our backend to another client (see the module's doc)."""
        if self.session.startup_pid() in (None, self.backend):
            return  # a direct connection (or a driver that cannot tell): the lock is where we are
        with ExitStack() as holding:
            pid, released, *_ = self._on_another_connection(holding)
        if pid != self.backend:
            return  # a session pooler, or a busy transaction pooler: the release will check
        released_now = "and the lock was released" if released else f"but the lock is still held by server pid {pid}"
        raise ConnectionPoolerError(
            "refusing to migrate with a session advisory lock through this connection pooler: the "
            f"server connection the lock was taken on (server pid {pid}) was handed straight to another "
            "client, so the pooler shares server connections between transactions (PgBouncer "
            "pool_mode = transaction) and the lock would exclude nobody and stay behind. Nothing was "
            f"changed, {released_now}. Fix: {FIX}."
        )

    def _free(self) -> bool:
        """True once the backend that holds the lock no longer does: released here when the
        pooler hands us that backend in time, or gone with it.

        PgBouncer hands out the idle server connection released last, so probe after probe
        lands on the same one while the lock's backend waits further down the idle list.
        While a probe sees that backend idle, the next probe is opened with the earlier ones
        still holding their server connections, each taking the next idle one, until one
        reaches it (a chain that never outgrows the idle list, so it never waits on the pool).
        """
        deadline = time.monotonic() + FREE_FOR
        while time.monotonic() < deadline:
            with ExitStack() as holding:
                for _ in range(CHAIN):
                    _, released, held, idle = self._on_another_connection(holding)
                    if released or not held:
                        return True
                    if not idle:
                        break
            time.sleep(0.02)
        return False

    def _on_another_connection(self, holding: ExitStack) -> tuple[object, ...]:
        """(server pid, released here, still held there, idle there) from a connection other than the
        lock's, in a transaction that keeps its server connection until ``holding`` closes."""
        other = holding.enter_context(self.session.engine.connect())
        holding.enter_context(other.begin())
        return tuple(other.exec_driver_sql(_RELEASE_ON, {"pid": self.backend, "id": self.lock_id}).one())
