"""What every server-side lock shares: the connection it runs on, and who it says it is."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.engine import Connection, Engine


def whoami() -> str:
    """This process, as other waiters will see it: ``host/pid``."""
    import socket  # here, not at the top: the read-only commands import this package for its options

    return f"{socket.gethostname()}/{os.getpid()}"


class LockConnection:
    """The connection a server-side lock lives on: the caller's, or one of its own.

    On its own connection (``bind`` is an engine) each statement commits by itself
    (AUTOCOMMIT); on the caller's it runs in a short transaction of its own, outside the
    caller's, so that the lock never depends on a migration's transaction.
    """

    def __init__(self, bind: Engine | Connection) -> None:
        from sqlalchemy.engine import Connection

        self.owned = not isinstance(bind, Connection)
        self.engine: Engine = bind.engine
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

    def startup_pid(self) -> int | None:
        """The backend pid the server announced when this connection opened (PostgreSQL).

        Directly connected, it is the pid ``pg_backend_pid()`` returns in every
        transaction; a pooler in between announces a pid of its own making instead.
        """
        info = getattr(self.connection.connection.dbapi_connection, "info", None)
        pid = getattr(info, "backend_pid", None)
        return pid if isinstance(pid, int) else None

    def close(self) -> None:
        if self.owned:
            self.connection.close()


def advisory_holder(connection: LockConnection, lock_id: int) -> str:
    """Who holds the PostgreSQL advisory lock ``lock_id`` (session- or transaction-level)."""
    rows = connection.execute(
        "SELECT a.pid, a.application_name, host(a.client_addr), a.backend_start "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid::bigint = (%(id)s >> 32) AND l.objid::bigint = (%(id)s & 4294967295) LIMIT 1",
        {"id": lock_id},
    )
    if not rows:
        return "another session"
    pid, application, client, started = rows[0]
    who = f"'{application}'" if application else "a session"
    return f"{who} (server pid {pid}, client {client or 'local'}) since {started:%Y-%m-%d %H:%M:%S}"
