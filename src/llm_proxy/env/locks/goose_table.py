"""PostgreSQL, ``table`` mode: goose's lease lock, row for row as goose's table locker keeps it.

goose v3.26+ (``lock.NewPostgresTableLocker``, ``lock/internal/table`` and
``lock/internal/store/postgres.go``) keeps one row per lock id in ``goose_lock``: whoever
sets ``locked`` (or finds the lease expired) holds it until ``lease_expires_at``, renews
the lease every 5 s, and clears the row on release. Every statement commits by itself, so
it needs no connection of its own and works through any pooler. The same table, columns,
statements, lock id (goose's ``DefaultLockID``, 4097083626), 30 s lease and 5 s heartbeat
mean that goose and llm-proxy exclude each other, and that either takes over the other's
stale lease.

Where goose's behaviour is not spelled out, or is surprising, we do this:

- goose's doc comment calls 4097083626 "crc64 of goose"; it is the CRC-32 (goose before
  3.19 used the CRC-64 5887940537704921958 for its session lock). We use what goose's code
  uses, ``lock.DefaultLockID`` = 4097083626.
- goose retries the acquisition every 5 s (±25 %) for 5 minutes; we poll at
  ``LockOptions.poll_interval`` until ``LockOptions.timeout``, which only changes how soon a
  waiter notices, not who wins (the row decides).
- After a failed attempt goose runs ``CleanupStaleLocks``, which clears every expired row
  of the table whatever its lock id; we run the same statement, so a table shared with
  goose behaves the same whoever cleans it.
- goose logs a failed heartbeat and carries on even when its lease is gone; we carry on
  too (a migration cannot be stopped half-way), but a lease lost during the run makes the
  release fail loudly, naming who holds it now.
- goose's owner id is ``<hostname>-<pid>-<8 hex digits>``; ours has the same shape.
- Times are the server's (``now()``), so client clocks never matter; each statement runs in
  autocommit, so ``now()`` is the statement's time.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from typing import TYPE_CHECKING

from llm_proxy.errors import LockLostError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

TABLE = "goose_lock"  # goose's lock.DefaultLockTableName
LEASE_SECONDS = 30  # goose's default lease (table.Config.LeaseDuration)
HEARTBEAT_SECONDS = 5.0  # goose's default heartbeat (table.Config.HeartbeatInterval)

# goose's postgresStore.CreateLockTable: created when to_regclass finds no table.
CREATE = f"""CREATE TABLE {TABLE} (
    lock_id bigint NOT NULL PRIMARY KEY,
    locked boolean NOT NULL DEFAULT false,
    locked_at timestamptz NULL,
    locked_by text NULL,
    lease_expires_at timestamptz NULL,
    updated_at timestamptz NULL
)"""
EXISTS = f"SELECT to_regclass('{TABLE}') IS NOT NULL"
ACQUIRE = f"""INSERT INTO {TABLE} (lock_id, locked, locked_at, locked_by, lease_expires_at, updated_at)
VALUES (%(id)s, true, now(), %(owner)s, now() + %(lease)s::interval, now())
ON CONFLICT (lock_id) DO UPDATE SET
    locked = true,
    locked_at = now(),
    locked_by = %(owner)s,
    lease_expires_at = now() + %(lease)s::interval,
    updated_at = now()
WHERE {TABLE}.locked = false OR {TABLE}.lease_expires_at < now()
RETURNING locked_by, lease_expires_at"""
HEARTBEAT = f"""UPDATE {TABLE} SET
    lease_expires_at = now() + %(lease)s::interval,
    updated_at = now()
WHERE lock_id = %(id)s AND locked_by = %(owner)s AND locked = true
RETURNING lease_expires_at"""
RELEASE = f"""UPDATE {TABLE} SET
    locked = false,
    locked_at = NULL,
    locked_by = NULL,
    lease_expires_at = NULL,
    updated_at = now()
WHERE lock_id = %(id)s AND locked_by = %(owner)s
RETURNING lock_id"""
CLEANUP_STALE = f"""UPDATE {TABLE} SET
    locked = false,
    locked_at = NULL,
    locked_by = NULL,
    lease_expires_at = NULL,
    updated_at = now()
WHERE locked = true AND lease_expires_at < now()
RETURNING lock_id"""
HOLDER = f"SELECT locked, locked_by, locked_at, lease_expires_at FROM {TABLE} WHERE lock_id = %(id)s"


def owner_id() -> str:
    """This process as goose names a lock's owner: ``<hostname>-<pid>-<8 hex digits>``."""
    return f"{socket.gethostname() or 'unknown-hostname'}-{os.getpid()}-{secrets.token_hex(4)}"


class GooseTableLock:
    """A lease in ``goose_lock``, renewed by a heartbeat thread while it is held."""

    def __init__(self, engine: Engine, lock_id: int, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.engine = engine
        self.lock_id = lock_id
        self.owner = owner_id()
        self.heartbeat = heartbeat
        self.lost: str | None = None  # why the lease went during the run, if it did
        self.last_error: str | None = None  # the last heartbeat that failed, if any
        self._table_checked = False
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    @property
    def _params(self) -> dict[str, object]:
        return {"id": self.lock_id, "owner": self.owner, "lease": f"{LEASE_SECONDS} seconds"}

    def try_acquire(self) -> bool:
        self._ensure_table()
        rows = self._run(ACQUIRE)
        if rows and rows[0][0] == self.owner:
            self._stop.clear()
            self._beat = threading.Thread(target=self._keep_alive, name="goose_lock heartbeat", daemon=True)
            self._beat.start()
            return True
        self._run(CLEANUP_STALE)
        return False

    def holder(self) -> str:
        rows = self._run(HOLDER)
        if not rows or not rows[0][0]:
            return "another migrator"
        _, owner, since, expires = rows[0]
        return f"'{owner}' (goose_lock lease since {since:%Y-%m-%d %H:%M:%S}, expiring {expires:%H:%M:%S} unless renewed)"

    def release(self) -> None:
        if self._beat is None:
            return
        self._stop.set()
        self._beat.join()
        self._beat = None
        if self._run(RELEASE) and self.lost is None:
            return
        now = self.holder()
        raise LockLostError(
            f"the goose_lock lease of this run ({self.owner}) was lost before the run ended "
            f"({self.lost or 'the row no longer names it'}"
            f"{'; last heartbeat error: ' + self.last_error if self.last_error else ''}); it is now held by {now}. Other migrators "
            "may have run at the same time: check llm-proxy migrate status. A lease is lost when its "
            f"heartbeat cannot reach the database for {LEASE_SECONDS} s"
        )

    def close(self) -> None:
        self._stop.set()

    def _ensure_table(self) -> None:
        """goose's CreateLockTable: create unless it exists; losing a race to create it is fine."""
        from sqlalchemy.exc import DBAPIError

        if self._table_checked:
            return
        if not self._run(EXISTS)[0][0]:
            try:
                self._run(CREATE, returns=False)
            except DBAPIError:
                if not self._run(EXISTS)[0][0]:
                    raise
        self._table_checked = True

    def _keep_alive(self) -> None:
        """Renew the lease every ``heartbeat`` seconds until released (goose's heartbeat)."""
        from sqlalchemy.exc import DBAPIError

        while not self._stop.wait(self.heartbeat):
            try:
                renewed = self._run(HEARTBEAT)
            except DBAPIError as exc:  # goose logs it and tries again at the next beat
                self.last_error = str(getattr(exc, "orig", exc)).strip()
                continue
            if not renewed:
                self.lost = "a heartbeat found the row no longer ours"
                return

    def _run(self, sql: str, *, returns: bool = True) -> list[tuple[object, ...]]:
        """One statement in autocommit on a pooled connection (any thread may call it)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            result = connection.exec_driver_sql(sql, self._params if "%(" in sql else None)
            return [tuple(row) for row in result] if returns else []
