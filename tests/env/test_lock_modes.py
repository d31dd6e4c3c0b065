"""The PostgreSQL lock modes on a direct connection, and which databases have which modes.

``table`` is checked against goose's own statements, written out here from goose's
``lock/internal/store/postgres.go`` (v3.26), not taken from the code under test: a lease
goose's locker wrote excludes us, we take over one that expired, and ours excludes goose's
acquisition. ``transaction`` is checked against goose's session lock (the same id).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine
from support.cli import invoke
from support.databases import probing

from llm_proxy.api import Migrator
from llm_proxy.env.locks import GOOSE_ADVISORY_LOCK_ID, LockMode, LockOptions, lock_mode, migration_lock
from llm_proxy.env.locks.goose_table import GooseTableLock
from llm_proxy.errors import LockLostError, LockModeError, LockOptionsError, LockTimeoutError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

# goose's postgresStore.CreateLockTable and AcquireLock, placeholders in psycopg's spelling.
GOOSE_DDL = """CREATE TABLE goose_lock (
    lock_id bigint NOT NULL PRIMARY KEY,
    locked boolean NOT NULL DEFAULT false,
    locked_at timestamptz NULL,
    locked_by text NULL,
    lease_expires_at timestamptz NULL,
    updated_at timestamptz NULL
)"""
GOOSE_ACQUIRE = """INSERT INTO goose_lock (lock_id, locked, locked_at, locked_by, lease_expires_at, updated_at)
    VALUES (%(id)s, true, now(), %(owner)s, now() + %(lease)s::interval, now())
    ON CONFLICT (lock_id) DO UPDATE SET
        locked = true, locked_at = now(), locked_by = %(owner)s,
        lease_expires_at = now() + %(lease)s::interval, updated_at = now()
    WHERE goose_lock.locked = false OR goose_lock.lease_expires_at < now()
    RETURNING locked_by, lease_expires_at"""
GOOSE_OWNER = "goose-host-4242-0badcafe"
TABLE = LockOptions(mode=LockMode.TABLE, timeout=0.4, poll_interval=0.05)
TRANSACTION = LockOptions(mode=LockMode.TRANSACTION, timeout=0.4, poll_interval=0.05)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    made = create_engine(postgres_url)
    yield made
    made.dispose()


def _goose_acquires(engine: Engine, lease: str = "30 seconds") -> bool:
    """goose's AcquireLock, as goose's locker runs it: True when goose got the lease."""
    with engine.begin() as connection:
        rows = connection.exec_driver_sql(GOOSE_ACQUIRE, {"id": GOOSE_ADVISORY_LOCK_ID, "owner": GOOSE_OWNER, "lease": lease}).all()
    return bool(rows) and rows[0][0] == GOOSE_OWNER


def _row(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        return tuple(connection.exec_driver_sql(
            "SELECT locked, locked_by, lease_expires_at > now() FROM goose_lock WHERE lock_id = %(id)s",
            {"id": GOOSE_ADVISORY_LOCK_ID},
        ).one())


def test_a_lease_goose_holds_excludes_us_and_names_goose(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(GOOSE_DDL)
    assert _goose_acquires(engine)
    notices: list[str] = []
    with pytest.raises(LockTimeoutError, match=GOOSE_OWNER):
        with migration_lock(engine, options=TABLE, on_wait=notices.append):
            pytest.fail("took a lease goose holds")
    assert notices and GOOSE_OWNER in notices[0]
    assert _row(engine) == (True, GOOSE_OWNER, True)  # goose's lease untouched


def test_an_expired_goose_lease_is_taken_over_and_released_as_goose_releases(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(GOOSE_DDL)
    assert _goose_acquires(engine, lease="-1 seconds")  # a goose that died a lease ago
    with migration_lock(engine, options=TABLE):
        locked, owner, live = _row(engine)
        assert locked and live and owner != GOOSE_OWNER
        assert isinstance(owner, str) and owner.rsplit("-", 2)[1].isdigit() and len(owner.rsplit("-", 1)[1]) == 8
        assert not _goose_acquires(engine)  # and now goose waits for us
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT locked, locked_at, locked_by, lease_expires_at FROM goose_lock").one()
    assert tuple(row) == (False, None, None, None)
    assert _goose_acquires(engine)


def test_our_lock_table_is_the_one_goose_creates(engine: Engine, postgres_url: str) -> None:
    with migration_lock(engine, options=TABLE):
        pass
    with probing(postgres_url) as db:
        columns = db.query(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'goose_lock' ORDER BY ordinal_position"
        )
        key = db.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'goose_lock'::regclass AND i.indisprimary"
        )
    assert columns == [
        ("lock_id", "bigint", "NO", None),
        ("locked", "boolean", "NO", "false"),
        ("locked_at", "timestamp with time zone", "YES", None),
        ("locked_by", "text", "YES", None),
        ("lease_expires_at", "timestamp with time zone", "YES", None),
        ("updated_at", "timestamp with time zone", "YES", None),
    ]
    assert key == [("lock_id",)]


def test_the_heartbeat_renews_the_lease_and_a_lost_lease_fails_the_release(engine: Engine) -> None:
    lock = GooseTableLock(engine, GOOSE_ADVISORY_LOCK_ID, heartbeat=0.05)
    assert lock.try_acquire()
    try:
        with engine.connect() as connection:
            first = connection.exec_driver_sql("SELECT lease_expires_at FROM goose_lock").scalar_one()
            time.sleep(0.5)
            renewed = connection.exec_driver_sql("SELECT lease_expires_at FROM goose_lock").scalar_one()
        assert renewed > first
        with engine.begin() as connection:  # another migrator took the row over
            connection.exec_driver_sql("UPDATE goose_lock SET locked_by = %(owner)s", {"owner": GOOSE_OWNER})
        with pytest.raises(LockLostError, match=f"lost before the run ended.*{GOOSE_OWNER}"):
            lock.release()
    finally:
        lock.close()


def test_the_transaction_lock_and_goose_session_lock_exclude_each_other(engine: Engine) -> None:
    with engine.connect() as goose:
        assert goose.exec_driver_sql("SELECT pg_try_advisory_lock(%(id)s)", {"id": GOOSE_ADVISORY_LOCK_ID}).scalar()
        with pytest.raises(LockTimeoutError, match="server pid"):
            with migration_lock(engine, options=TRANSACTION):
                pytest.fail("took the lock goose holds")
        goose.exec_driver_sql("SELECT pg_advisory_unlock(%(id)s)", {"id": GOOSE_ADVISORY_LOCK_ID})
        with migration_lock(engine, options=TRANSACTION):
            assert not goose.exec_driver_sql("SELECT pg_try_advisory_lock(%(id)s)", {"id": GOOSE_ADVISORY_LOCK_ID}).scalar()
        assert goose.exec_driver_sql("SELECT pg_try_advisory_lock(%(id)s)", {"id": GOOSE_ADVISORY_LOCK_ID}).scalar()


def test_the_transaction_lock_outlives_the_servers_idle_in_transaction_timeout(engine: Engine, postgres_url: str) -> None:
    database = engine.url.database
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.exec_driver_sql(f"ALTER DATABASE {database} SET idle_in_transaction_session_timeout = '200ms'")
    fresh = create_engine(postgres_url)  # new sessions get the database's setting
    try:
        with migration_lock(fresh, options=TRANSACTION):
            time.sleep(0.8)  # four times the timeout, idle in the lock's transaction
            with fresh.connect() as other:
                assert other.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "200ms"
                assert not other.exec_driver_sql(
                    "SELECT pg_try_advisory_lock(%(id)s)", {"id": GOOSE_ADVISORY_LOCK_ID}
                ).scalar()
    finally:
        fresh.dispose()


def test_a_transaction_lock_lost_during_the_run_fails_the_release(engine: Engine) -> None:
    with pytest.raises(LockLostError, match="ended before the run did"):
        with migration_lock(engine, options=TRANSACTION):
            with engine.connect() as admin:
                admin.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = %(id)s AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    {"id": GOOSE_ADVISORY_LOCK_ID},
                )


def test_the_mode_comes_from_the_argument_else_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_PROXY_LOCK_MODE", "Table")
    assert LockOptions().mode is LockMode.TABLE
    assert lock_mode("transaction") is LockMode.TRANSACTION
    monkeypatch.setenv("LLM_PROXY_LOCK_MODE", "sessions")
    with pytest.raises(LockOptionsError, match="LLM_PROXY_LOCK_MODE 'sessions' is not one of session, transaction, table"):
        LockOptions()
    monkeypatch.delenv("LLM_PROXY_LOCK_MODE")
    assert LockOptions().mode is LockMode.SESSION


@pytest.mark.parametrize("database", ["sqlite", "mysql"])
@pytest.mark.parametrize("mode", ["transaction", "table"])
def test_other_databases_refuse_the_postgres_modes_by_name(database: str, mode: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}" if database == "sqlite" else "mysql+pymysql://root@127.0.0.1:3306/app"
    with pytest.raises(LockModeError, match=f"lock mode '{mode}' is for PostgreSQL.*only the 'session' mode"):
        Migrator(url, lock_mode=mode)
    assert not (tmp_path / "app.db").exists()


def test_the_command_line_takes_the_mode_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    db = str(tmp_path / "app.db")
    wrong = invoke("migrate", "up", "--db", db, "--lock-mode", "exclusive")
    assert wrong.exit_code == 2 and "--lock-mode" in wrong.stderr
    off_postgres = invoke("migrate", "up", "--db", db, "--lock-mode", "table")
    assert off_postgres.exit_code == 1 and "only the 'session' mode" in off_postgres.stderr
    from_environment = invoke("migrate", "up", "--db", db, env={"LLM_PROXY_LOCK_MODE": "transaction"})
    assert from_environment.exit_code == 1 and "lock mode 'transaction'" in from_environment.stderr
    session = invoke("migrate", "up", "--db", db, "--lock-mode", "SESSION")
    assert session.exit_code == 0, session.stderr


def test_the_transaction_lock_holds_back_neither_vacuum_nor_create_index_concurrently(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x integer)")
    with migration_lock(engine, options=TRANSACTION):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
            [(xmin, xid)] = other.exec_driver_sql(
                "SELECT a.backend_xmin::text, a.backend_xid::text FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                "WHERE l.locktype = 'advisory' AND a.datname = current_database()"
            ).all()
            assert (xmin, xid) == (None, None)  # no snapshot, no transaction id
            other.exec_driver_sql("SET statement_timeout = '10s'")  # it would wait for the lock's transaction forever
            other.exec_driver_sql("CREATE INDEX CONCURRENTLY t_x ON t (x)")
            other.exec_driver_sql("VACUUM t")


def test_alembic_takes_the_mode_from_x_the_ini_file_or_the_environment() -> None:
    from argparse import Namespace

    from alembic.config import Config

    from llm_proxy.env.settings import resolve_settings

    def mode(*x: str, environ: dict[str, str], **ini: str) -> LockMode:
        config = Config(cmd_opts=Namespace(x=list(x)))
        for key, value in ini.items():
            config.set_main_option(key, value)
        lock = resolve_settings(config, environ={"DATABASE_URL": "postgresql://u@h/db", **environ}).lock
        assert lock is not None
        return lock.mode

    assert mode(environ={}) is LockMode.SESSION
    assert mode(environ={"LLM_PROXY_LOCK_MODE": "table"}) is LockMode.TABLE
    assert mode(environ={"LLM_PROXY_LOCK_MODE": "table"}, goose_lock_mode="transaction") is LockMode.TRANSACTION
    assert mode("lock_mode=session", environ={}, goose_lock_mode="transaction") is LockMode.SESSION
    with pytest.raises(LockModeError, match="only the 'session' mode"):
        resolve_settings(Config(cmd_opts=Namespace(x=["url=sqlite:///x.db", "lock_mode=table"])), environ={})
