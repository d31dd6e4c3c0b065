"""MySQL/MariaDB: ``GET_LOCK`` on ``llm-proxy-migrations:<database>``.

MySQL's named locks are server-wide (PostgreSQL's advisory locks are per database), so the
Go server's plain ``llm-proxy-migrations`` made migrators of unrelated databases on one
server wait for each other; the database name scopes it. A named lock belongs to the
session: COMMIT, even DDL's implicit one, keeps it, and it goes with the connection.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_proxy.env.locks.connection import LockConnection

MYSQL_LOCK_NAME = "llm-proxy-migrations"


def mysql_lock_name(database: str) -> str:
    """The default ``GET_LOCK`` name for ``database``, within MySQL's 64 characters."""
    name = f"{MYSQL_LOCK_NAME}:{database}"
    if len(name) <= 64:
        return name
    return f"{MYSQL_LOCK_NAME}:{hashlib.sha256(database.encode()).hexdigest()[:40]}"


class MySQLLock:
    """``GET_LOCK``, a lock of the session."""

    def __init__(self, session: LockConnection, name: str) -> None:
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
