"""PostgreSQL, ``transaction`` mode: a transaction-level advisory lock held for the whole run.

A connection of its own (never the migrations' one, which commits after each migration)
opens a transaction and takes ``pg_try_advisory_xact_lock(<id>)`` in it, then leaves the
transaction open until the run ends; ROLLBACK releases it. A connection pooler in
transaction mode (PgBouncer) pins a server connection to a client for as long as its
transaction lasts, so the lock and the server connection it lives on stay together
however the pooler routes the migrations' own transactions.

- The same id as the session lock (goose's 4097083626): session- and transaction-level
  advisory locks on one key conflict, so this mode and a goose library instance using
  ``NewPostgresSessionLocker`` still exclude each other on a direct connection.
- The open transaction must outlive the server's idle-in-transaction limits:
  ``idle_in_transaction_session_timeout`` (and PostgreSQL 17's ``transaction_timeout``,
  where it exists) are set to 0 for that transaction only (``set_config(..., true)`` is
  ``SET LOCAL``). PgBouncer's own ``idle_transaction_timeout`` cannot be changed from a
  client: it must be 0 (its default) or longer than the longest run.
- It holds no snapshot between statements (READ COMMITTED) and no transaction id, so it
  holds back neither VACUUM nor ``CREATE INDEX CONCURRENTLY``.
- When the client dies, its connection closes; PostgreSQL (directly) or PgBouncer (which
  closes a server connection whose client left in the middle of a transaction) ends the
  transaction, and the lock goes with it.
- It costs a server connection for the whole run: the pooler's pool needs at least two
  (the lock and the migrations), or the migrations wait for a server connection forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.env.locks.connection import LockConnection, advisory_holder
from llm_proxy.errors import LockLostError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine, RootTransaction

_NO_IDLE_LIMITS = (
    "SELECT set_config(name, '0', true) FROM pg_settings "
    "WHERE name IN ('idle_in_transaction_session_timeout', 'transaction_timeout')"
)


class PostgresTransactionLock:
    """``pg_try_advisory_xact_lock`` in a transaction left open on a connection of its own."""

    def __init__(self, engine: Engine, lock_id: int) -> None:
        self.connection = engine.connect()
        self.waiting = LockConnection(self.connection)  # short transactions, only while not holding
        self.lock_id = lock_id
        self.transaction: RootTransaction | None = None

    def try_acquire(self) -> bool:
        transaction = self.connection.begin()
        self.connection.exec_driver_sql(_NO_IDLE_LIMITS)
        # The id written into the text: a statement with parameters leaves its unnamed portal
        # open, and with it a snapshot whose xmin would hold back VACUUM for the whole run.
        if self.connection.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({int(self.lock_id)})").scalar():
            self.transaction = transaction
            return True
        transaction.rollback()
        return False

    def holder(self) -> str:
        return advisory_holder(self.waiting, self.lock_id)

    def release(self) -> None:
        """Roll the lock's transaction back; a lost connection means the lock went early."""
        from sqlalchemy.exc import DBAPIError

        transaction, self.transaction = self.transaction, None
        if transaction is None:
            return
        try:
            self.connection.exec_driver_sql("SELECT 1")  # the rollback alone would not notice a dead connection
            transaction.rollback()
        except DBAPIError as exc:
            raise LockLostError(
                "the transaction that held the migration lock ended before the run did "
                f"({str(getattr(exc, 'orig', exc)).strip()}); from then on other migrators were not "
                "excluded: check llm-proxy migrate status. If PgBouncer's idle_transaction_timeout (or a "
                "proxy's idle timeout) is set, make it longer than the longest migration run"
            ) from exc

    def close(self) -> None:
        self.connection.close()

