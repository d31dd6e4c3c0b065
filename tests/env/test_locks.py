"""The migration lock on each real database: exclusion, visible waiting, timeouts, dead holders."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import create_engine

from llm_proxy.env.locks import LockOptions, migration_lock
from llm_proxy.errors import LockOptionsError, LockTimeoutError

HOLD_AND_SIGNAL = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import create_engine
    from llm_proxy.env.locks import migration_lock
    engine = create_engine(sys.argv[1])
    with migration_lock(engine):
        print("locked", flush=True)
        time.sleep(600)
    """
)


def test_second_migrator_waits_sees_the_holder_and_times_out(database_url: str) -> None:
    engine = create_engine(database_url)
    other = create_engine(database_url)
    notices: list[str] = []
    try:
        with migration_lock(engine):
            started = time.monotonic()
            with pytest.raises(LockTimeoutError, match="gave up after 0.5 s") as caught:
                with migration_lock(other, options=LockOptions(timeout=0.5, poll_interval=0.05), on_wait=notices.append):
                    pytest.fail("the lock was taken twice")
            assert 0.5 <= time.monotonic() - started < 5
        assert notices and notices[0].startswith("waiting for the migration lock held by ")
        assert "held by" in str(caught.value)
        # Released on exit: the other migrator gets it at once.
        with migration_lock(other, options=LockOptions(timeout=0)):
            pass
    finally:
        engine.dispose()
        other.dispose()


def test_a_killed_holder_never_leaves_the_lock_stuck(database_url: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_SIGNAL, database_url], stdout=subprocess.PIPE, text=True)
    engine = create_engine(database_url)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockTimeoutError):
            with migration_lock(engine, options=LockOptions(timeout=0.2, poll_interval=0.05)):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        with migration_lock(engine, options=LockOptions(timeout=10, poll_interval=0.05)):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
        engine.dispose()


def test_sqlite_lock_file_names_the_holder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(url)
    notices: list[str] = []
    with migration_lock(engine):
        with pytest.raises(LockTimeoutError):
            with migration_lock(create_engine(url), options=LockOptions(timeout=0.1, poll_interval=0.05), on_wait=notices.append):
                pass
    assert (tmp_path / "app.db-migrate-lock").exists()
    import os
    import socket

    assert f"{socket.gethostname()}/{os.getpid()} since " in notices[0]


@pytest.mark.parametrize(
    "bad",
    [
        {"timeout": -1},
        {"timeout": float("nan")},
        {"poll_interval": 0},
        {"poll_interval": float("nan")},
        {"postgres_lock_id": 2**63},
        {"mysql_lock_name": ""},
        {"mysql_lock_name": "x" * 65},
    ],
)
def test_lock_options_are_checked_when_built(bad: dict[str, object]) -> None:
    with pytest.raises(LockOptionsError):
        LockOptions(**bad)  # type: ignore[arg-type]


def test_a_lock_on_the_migration_connection_survives_its_commits(database_url: str) -> None:
    engine = create_engine(database_url)
    other = create_engine(database_url)
    try:
        with engine.connect() as connection, migration_lock(connection):
            with connection.begin():
                connection.exec_driver_sql("CREATE TABLE made_under_lock (x integer)")
            with pytest.raises(LockTimeoutError):
                with migration_lock(other, options=LockOptions(timeout=0.1, poll_interval=0.05)):
                    pass
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM made_under_lock").scalar() == 0
        with migration_lock(other, options=LockOptions(timeout=0)):
            pass
    finally:
        engine.dispose()
        other.dispose()


def test_mysql_locks_of_different_databases_do_not_block_each_other(mysql_url: str) -> None:
    """GET_LOCK names are server-wide; the default name is scoped to the database."""
    from sqlalchemy import make_url

    from llm_proxy.env.locks import mysql_lock_name

    other_url = make_url(mysql_url).set(database="mysql").render_as_string(hide_password=False)
    engine, other = create_engine(mysql_url), create_engine(other_url)
    try:
        with migration_lock(engine):
            with migration_lock(other, options=LockOptions(timeout=0)):
                pass
    finally:
        engine.dispose()
        other.dispose()
    assert mysql_lock_name("lp") == "llm-proxy-migrations:lp"
    long_name = mysql_lock_name("x" * 64)
    assert len(long_name) <= 64 and long_name != mysql_lock_name("x" * 63 + "y")
