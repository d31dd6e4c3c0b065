"""A database that only accepts reads is refused before anything is attempted, on every dialect.

PostgreSQL: a database set ``default_transaction_read_only`` (hot standbys have a folder of
their own: tests/replication). MariaDB: the server's ``read_only``, for an account that
really cannot write past it and for root, which could; a server that lists a replication
source. SQLite: a URI that opens the file read-only, and a file whose mode forbids writing
(run without root's power to write any file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from support.cli import LLM_PROXY, env_without_database
from support.databases import probing, run_sql, take_snapshot
from support.migrations import GOOD, write_migrations

from llm_proxy.api import Migrator
from llm_proxy.errors import ReadOnlyDatabaseError
from llm_proxy.selection import mask_password

if TYPE_CHECKING:
    from collections.abc import Iterator

NOTHING = "Nothing was changed"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_migrations(tmp_path / "migrations", {"00001_create_t.sql": GOOD})


def test_a_postgres_database_set_read_only_is_refused(postgres_url: str, folder: Path) -> None:
    name = make_url(postgres_url).database
    run_sql(postgres_url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    for command in (Migrator.up, Migrator.down):
        with pytest.raises(ReadOnlyDatabaseError) as caught:
            command(Migrator(postgres_url, folder))
        assert str(caught.value) == (
            f"{mask_password(postgres_url)}: this session is read-only (default_transaction_read_only is on); "
            "run migrations on the primary, as a role and database where it is off "
            f"(ALTER DATABASE name SET default_transaction_read_only = off). {NOTHING}"
        )
    assert take_snapshot(postgres_url).schema == {}
    assert Migrator(postgres_url, folder).status().current_version == 0


@pytest.fixture
def mysql_user(mysql_url: str) -> Iterator[str]:
    """The URL of the scratch database for a new account holding only that database's grants
    (so neither SUPER nor READ_ONLY ADMIN: MariaDB's read_only binds it); dropped afterwards."""
    url = make_url(mysql_url)
    name, password = f"lp_ro_{uuid.uuid4().hex[:10]}", "pw-read-only"
    run_sql(mysql_url, f"CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{password}'",
            f"GRANT ALL ON `{url.database}`.* TO '{name}'@'127.0.0.1'")
    try:
        yield url.set(username=name, password=password).render_as_string(hide_password=False)
    finally:
        run_sql(mysql_url, f"DROP USER '{name}'@'127.0.0.1'")


@contextmanager
def server_setting(admin_url: str, name: str, value: str) -> Iterator[None]:
    """``SET GLOBAL name = value`` for the block, the server's previous value restored after."""
    with probing(admin_url) as admin:
        [(before,)] = admin.query(f"SELECT @@global.{name}")
        admin.execute(f"SET GLOBAL {name} = {value}")
        try:
            yield
        finally:
            admin.execute(f"SET GLOBAL {name} = {int(before)}")


def test_a_read_only_mariadb_server_is_refused_for_every_account(mysql_url: str, mysql_user: str, folder: Path) -> None:
    with server_setting(mysql_url, "read_only", "1"):
        with probing(mysql_user) as user, pytest.raises(OperationalError, match="read-only"):
            user.execute("CREATE TABLE proof (x integer)")  # the account really cannot write
        for url in (mysql_user, mysql_url):  # root could write past read_only, and is refused too
            for command in (Migrator.up, Migrator.down):
                with pytest.raises(ReadOnlyDatabaseError) as caught:
                    command(Migrator(url, folder))
                assert str(caught.value) == (
                    f"{mask_password(url)}: this server is read-only (read_only is on); "
                    f"run migrations on the primary, or turn read_only off there. {NOTHING}"
                )
                assert "pw-read-only" not in str(caught.value)
        assert Migrator(mysql_user, folder).status().current_version == 0
        assert take_snapshot(mysql_url).schema == {}


def test_a_mariadb_replica_is_refused_even_with_read_only_off(mysql_url: str, folder: Path) -> None:
    connection = f"lp_test_{uuid.uuid4().hex[:10]}"
    run_sql(mysql_url, f"CHANGE MASTER '{connection}' TO MASTER_HOST='127.0.0.1', MASTER_PORT=9, MASTER_USER='nobody'")
    try:
        with pytest.raises(ReadOnlyDatabaseError, match=r"this server is a replica \(SHOW REPLICA STATUS names a source\)"):
            Migrator(mysql_url, folder).up()
    finally:
        run_sql(mysql_url, f"RESET SLAVE '{connection}' ALL")
    assert take_snapshot(mysql_url).schema == {}
    assert [r.version for r in Migrator(mysql_url, folder).up()] == [1]  # a primary again


def test_a_sqlite_uri_opening_the_file_read_only_is_refused(tmp_path: Path, folder: Path) -> None:
    database = tmp_path / "app.db"
    assert Migrator(f"sqlite:///{database}", folder).up()
    before = database.read_bytes()
    url = f"sqlite:///file:{database}?mode=ro&uri=true"
    for command in (Migrator.up, Migrator.up_by_one):
        with pytest.raises(ReadOnlyDatabaseError) as caught:
            command(Migrator(url, folder))
        assert str(caught.value) == (
            f"{url}: the URL opens the SQLite file read-only (mode=ro or immutable=1); "
            f"drop that option from the URL to migrate it. {NOTHING}"
        )
    assert database.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "app.db-migrate-lock", "migrations"]


def _bound_by_file_modes() -> list[str]:
    """The prefix that runs a command so that file modes bind it: as root, without the
    capabilities that let root write any file (root's own Python stays readable)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, which writes any file, and setpriv (util-linux) is missing to drop that")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


@pytest.mark.parametrize("applied", [False, True], ids=["behind", "up-to-date"])
def test_a_sqlite_file_its_user_may_not_write_is_refused(tmp_path: Path, folder: Path, applied: bool) -> None:
    database = tmp_path / "app.db"
    run_sql(f"sqlite:///{database}", "CREATE TABLE unrelated (x integer)")
    if applied:
        assert Migrator(database, folder).up()
    database.chmod(0o444)
    before = database.read_bytes()

    def run(command: str) -> subprocess.CompletedProcess[str]:
        argv = [*_bound_by_file_modes(), LLM_PROXY, "migrate", command, "--db", str(database), "--dir", str(folder)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env_without_database())

    up = run("up")
    assert (up.returncode, up.stdout) == (1, ""), up.stderr
    assert up.stderr == (
        f"error: sqlite:///{database}: this SQLite file is read-only (its permissions do not let this user "
        f"write it); run migrations as its owner, or make it writable (chmod u+w). {NOTHING}\n"
    )
    assert database.read_bytes() == before
    version = run("version")
    assert (version.returncode, version.stdout) == (0, "1\n" if applied else "0\n"), version.stderr
