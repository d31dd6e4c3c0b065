"""What PgBouncer's transaction pooling breaks, produced for real, and what llm-proxy says then.

The trick these tests use: PgBouncer hands a new client the server connection that was
released last (LIFO, its default), so a second client that opens a transaction right after
ours pins our server connection, and our next transaction has to run on another one.
Each test checks that it really did.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy.engine import make_url
from support.databases import probing

from llm_proxy.env.engine import database_message, open_engine
from llm_proxy.env.locks import GOOSE_ADVISORY_LOCK_ID, LockMode, LockOptions, migration_lock
from llm_proxy.env.locks.connection import LockConnection
from llm_proxy.env.locks.postgres_session import PostgresSessionLock
from llm_proxy.errors import ConnectionPoolerError, LockTimeoutError
from llm_proxy.selection import from_url

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

ADVISORY_LOCKS = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
TRANSACTION = LockOptions(mode=LockMode.TRANSACTION, timeout=0.5, poll_interval=0.05)


def _dsn(url: str) -> str:
    parts = make_url(url)
    return f"host={parts.host} port={parts.port} dbname={parts.database} user={parts.username}"


def _pin(url: str) -> tuple[psycopg.Connection[tuple[object, ...]], int]:
    """A new client with a transaction open on the server connection released last."""
    pin = psycopg.connect(_dsn(url))
    [(pid,)] = pin.execute("SELECT pg_backend_pid()").fetchall()
    return pin, int(pid)  # type: ignore[call-overload]


@pytest.fixture
def migration_engine(pgbouncer_url: str) -> Iterator[Engine]:
    """An engine through PgBouncer made the way migrations make theirs."""
    engine = open_engine(from_url(pgbouncer_url), server_prepares=False)
    yield engine
    engine.dispose()


def test_a_lost_prepared_statement_names_the_pooler_and_the_fix(pgbouncer_url: str, migration_engine: Engine) -> None:
    # psycopg prepares a statement it has run prepare_threshold (5) times; 0 shows it at once
    with psycopg.connect(_dsn(pgbouncer_url), autocommit=True, prepare_threshold=0) as prepared:
        [(first,)] = prepared.execute("SELECT pg_backend_pid()").fetchall()
        pin, pinned = _pin(pgbouncer_url)
        with pin:
            assert pinned == first
            with pytest.raises(psycopg.errors.InvalidSqlStatementName) as caught:
                prepared.execute("SELECT pg_backend_pid()")
    message = database_message(caught.value)
    assert 'prepared statement "_pg3_0" does not exist' in message
    assert "connection pooler in transaction mode" in message and "prepare_threshold=None" in message

    with migration_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert connection.connection.dbapi_connection.prepare_threshold is None  # type: ignore[union-attr]
        for _ in range(8):  # past psycopg's threshold, each run on another server connection
            before = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            pin, pinned = _pin(pgbouncer_url)
            with pin:
                assert pinned == before
                assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != before


def test_an_unlock_that_lands_on_another_server_connection_fails_and_frees_the_lock(
    pgbouncer_url: str, postgres_url: str, migration_engine: Engine
) -> None:
    lock = PostgresSessionLock(LockConnection(migration_engine), GOOSE_ADVISORY_LOCK_ID)
    assert lock._take()  # the acquisition without its pooler check, which would refuse first
    pin, pinned = _pin(pgbouncer_url)
    try:
        assert pinned == lock.backend
        threading.Timer(0.5, pin.rollback).start()  # then the lock's server connection is free again
        with pytest.raises(ConnectionPoolerError) as caught:
            lock.release()
    finally:
        pin.close()
        lock.close()
    message = str(caught.value)
    assert f"it was taken on server pid {lock.backend}, but the unlock ran on server pid" in message
    assert f"It is no longer held by server pid {lock.backend}" in message
    assert "--lock-mode transaction" in message and "--lock-mode table" in message
    with probing(postgres_url) as server:
        assert server.query(ADVISORY_LOCKS) == []
        assert server.query(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {lock.backend}") == [(1,)]  # released, not ended


def test_a_stray_lock_deep_in_the_idle_pool_is_still_reached_and_freed(
    pgbouncer_url: str, postgres_url: str, migration_engine: Engine
) -> None:
    lock = PostgresSessionLock(LockConnection(migration_engine), GOOSE_ADVISORY_LOCK_ID)
    assert lock._take()
    pin, pinned = _pin(pgbouncer_url)
    above = [_pin(pgbouncer_url) for _ in range(2)]  # two more server connections, busy for now
    try:
        assert pinned == lock.backend
        pin.rollback()  # the lock's server connection goes idle first, then the other two on top of it
        for other, _ in reversed(above):
            other.rollback()
        with pytest.raises(ConnectionPoolerError, match=f"It is no longer held by server pid {pinned}"):
            lock.release()  # lands on the top one; the next probes must reach two below it
    finally:
        for other, _ in above:
            other.close()
        pin.close()
        lock.close()
    with probing(postgres_url) as server:
        assert server.query(ADVISORY_LOCKS) == []


def test_an_unlock_that_cannot_reach_the_lock_says_where_it_is(pgbouncer_url: str, postgres_url: str, migration_engine: Engine) -> None:
    lock = PostgresSessionLock(LockConnection(migration_engine), GOOSE_ADVISORY_LOCK_ID)
    assert lock._take()
    pin, pinned = _pin(pgbouncer_url)  # and kept past the release's few seconds of trying
    try:
        assert pinned == lock.backend
        with pytest.raises(ConnectionPoolerError, match=rf"still held by server pid {pinned}: run SELECT pg_terminate_backend\({pinned}\)"):
            lock.release()
        with probing(postgres_url) as server:
            assert server.query(ADVISORY_LOCKS) == [(pinned,)]
        assert pin.execute("SELECT pg_advisory_unlock(%s)", (GOOSE_ADVISORY_LOCK_ID,)).fetchone() == (True,)
    finally:
        pin.close()
        lock.close()


HOLDER = """
import sys, time
from llm_proxy.env.engine import open_engine
from llm_proxy.env.locks import LockMode, LockOptions, migration_lock
from llm_proxy.selection import from_url

with migration_lock(open_engine(from_url(sys.argv[1]), server_prepares=False), options=LockOptions(mode=LockMode.TRANSACTION)):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_killed_transaction_lock_holder_frees_the_lock_through_pgbouncer(
    pgbouncer_url: str, postgres_url: str, migration_engine: Engine
) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, pgbouncer_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockTimeoutError, match="llm-proxy migrate"):  # held, and the holder named
            with migration_lock(migration_engine, options=TRANSACTION):
                pytest.fail("the lock was taken twice")
        with probing(postgres_url) as server:
            assert len(server.query(ADVISORY_LOCKS)) == 1
    finally:
        holder.kill()
        holder.wait()
    with migration_lock(migration_engine, options=LockOptions(mode=LockMode.TRANSACTION, timeout=10, poll_interval=0.05)):
        pass  # PgBouncer closed the dead client's server connection, and its transaction with it
    with probing(postgres_url) as server:
        assert server.query(ADVISORY_LOCKS) == []
