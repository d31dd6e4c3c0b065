"""Migrating through a hot standby: refused at once, with nothing attempted; reading works.

The standby is a real streaming replica of a primary started for these tests, so what it
refuses and what it shows after replaying the primary's WAL is PostgreSQL's own behaviour.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url
from support.cli import run_llm_proxy
from support.databases import probing, take_snapshot
from support.migrations import BASE, GOOD, write_migrations

from llm_proxy.api import Migrator
from llm_proxy.database import open_database
from llm_proxy.env.locks import GOOSE_ADVISORY_LOCK_ID
from llm_proxy.errors import ReadOnlyDatabaseError, StartupError
from llm_proxy.selection import mask_password

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from support.replica import ReplicatedDatabase

STANDBY = "this server is a standby (in recovery); run migrations on the primary. Nothing was changed"
LOCK_TIMEOUT = 3.0

COMMANDS: dict[str, Callable[[Migrator], object]] = {
    "up": Migrator.up,
    "up-by-one": Migrator.up_by_one,
    "up-to": lambda m: m.up_to(1),
    "down": Migrator.down,
    "down-to": lambda m: m.down_to(0),
    "redo": Migrator.redo,
    "reset": Migrator.reset,
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_migrations(tmp_path / "migrations", {"00001_create_t.sql": GOOD, "00002_base.sql": BASE})


@pytest.fixture
def standby_lock_held(pair: ReplicatedDatabase) -> Iterator[None]:
    """The migration lock held on the standby by another session: a command that took the
    lock before asking would wait for it and time out instead of refusing at once."""
    with probing(pair.standby) as holder, holder.engine.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({GOOSE_ADVISORY_LOCK_ID})").scalar()
        yield


def refused(message: str, url: str) -> None:
    """``message`` is the standby refusal for ``url``, with its password masked."""
    assert message == f"{mask_password(url)}: {STANDBY}"
    password = make_url(url).password
    assert password and password not in message


@pytest.mark.parametrize("command", COMMANDS)
def test_every_changing_command_refuses_the_standby_at_once(
    pair: ReplicatedDatabase, folder: Path, standby_lock_held: None, command: str
) -> None:
    primary_before, standby_before = take_snapshot(pair.primary), take_snapshot(pair.standby)
    started = time.monotonic()
    with pytest.raises(ReadOnlyDatabaseError) as caught:
        COMMANDS[command](Migrator(pair.standby, folder, lock_timeout=LOCK_TIMEOUT))
    assert time.monotonic() - started < LOCK_TIMEOUT / 2, "it waited for the lock before asking"
    refused(str(caught.value), pair.standby)
    assert take_snapshot(pair.primary) == primary_before
    assert take_snapshot(pair.standby) == standby_before


def test_up_on_the_standby_does_not_import_alembic(pair: ReplicatedDatabase, folder: Path) -> None:
    code = (
        "import sys\n"
        "from llm_proxy.api import Migrator\n"
        "from llm_proxy.errors import ReadOnlyDatabaseError\n"
        "try:\n"
        f"    Migrator({pair.standby!r}, {str(folder)!r}).up()\n"
        "except ReadOnlyDatabaseError:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout == "[]\n", done.stdout + done.stderr


def test_the_command_line_says_where_to_migrate(pair: ReplicatedDatabase, folder: Path) -> None:
    done = run_llm_proxy("migrate", "up", "--database-url", pair.standby, "--dir", str(folder))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: ")
    refused(done.stderr.removeprefix("error: ").rstrip("\n"), pair.standby)


def test_status_and_version_read_a_standby_without_the_table(pair: ReplicatedDatabase, folder: Path) -> None:
    outputs = {}
    for name, url in (("primary", pair.primary), ("standby", pair.standby)):
        status = run_llm_proxy("migrate", "status", "--database-url", url, "--dir", str(folder))
        version = run_llm_proxy("migrate", "version", "--database-url", url, "--dir", str(folder))
        assert (status.returncode, version.returncode, version.stdout) == (0, 0, "0\n"), status.stderr + version.stderr
        outputs[name] = status.stdout.replace(mask_password(url), "URL")
    assert outputs["standby"] == outputs["primary"]
    assert "Current version: 0; 2 pending" in outputs["standby"]
    assert Migrator(pair.standby, folder).status().table_exists is False


def test_the_standby_follows_the_primary_and_still_refuses_up(pair: ReplicatedDatabase, folder: Path) -> None:
    assert [r.version for r in Migrator(pair.primary, folder).up()] == [1, 2]
    pair.replication.wait_for_replay()

    standby = Migrator(pair.standby, folder)
    assert standby.version() == 2
    primary_rows = [(r.version, r.applied, r.applied_at) for r in Migrator(pair.primary, folder).status().rows]
    assert [(r.version, r.applied, r.applied_at) for r in standby.status().rows] == primary_rows
    version = run_llm_proxy("migrate", "version", "--database-url", pair.standby, "--dir", str(folder))
    assert (version.returncode, version.stdout) == (0, "2\n"), version.stderr

    # up to date, and still an error: whoever migrates a replica has the wrong URL
    with pytest.raises(ReadOnlyDatabaseError) as caught:
        standby.up()
    refused(str(caught.value), pair.standby)


def test_open_database_on_the_standby_needs_the_primary_migrated_first(pair: ReplicatedDatabase, folder: Path) -> None:
    with pytest.raises(StartupError) as caught:
        open_database(pair.standby, migrations=folder)
    message = str(caught.value)
    assert f"{mask_password(pair.standby)}: {STANDBY}" in message
    assert "pending: 00001_create_t.sql, 00002_base.sql" in message
    assert make_url(pair.standby).password not in message

    Migrator(pair.primary, folder).up()
    pair.replication.wait_for_replay()
    engine = open_database(pair.standby, migrations=folder)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["upgrade", "head"], ["stamp", "head"]], ids=["upgrade", "stamp"])
def test_alembic_commands_refuse_the_standby(pair: ReplicatedDatabase, folder: Path, command: list[str]) -> None:
    done = run_llm_proxy("alembic", "-x", f"url={pair.standby}", "-x", f"migrations={folder}", *command)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{mask_password(pair.standby)}: {STANDBY}" in done.stderr
    assert make_url(pair.standby).password not in done.stdout + done.stderr
