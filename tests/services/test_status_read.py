"""``status`` and ``version`` read goose's table with the bare driver, and read what the
SQLAlchemy path reads; a URL only SQLAlchemy reads the same way is left to it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from support.migrations import write_migrations

from llm_proxy.api import Migrator
from llm_proxy.env.driver import connect_bare
from llm_proxy.errors import DatabaseError
from llm_proxy.goose.table import DEFAULT_TABLE, VersionTable
from llm_proxy.selection import from_url
from llm_proxy.services.status import _read_bare, _read_with_sqlalchemy, read_goose_state, read_status

if TYPE_CHECKING:
    from pathlib import Path

READ = """
import json, sys
from llm_proxy.selection import from_url
from llm_proxy.services.status import read_status
status = read_status(from_url(sys.argv[1]), sys.argv[2], "goose_db_version")
print(json.dumps({"current": status.current_version, "sqlalchemy": "sqlalchemy" in sys.modules}))
"""


@pytest.fixture
def applied(database_url: str, tmp_path: Path) -> tuple[str, Path]:
    folder = write_migrations(
        tmp_path / "migrations",
        {"00001_a.sql": ("CREATE TABLE a (x integer);", "DROP TABLE a;"), "00002_b.sql": ("CREATE TABLE b (x integer);", "DROP TABLE b;")},
    )
    Migrator(database_url, folder).up_to(1)
    return database_url, folder


def test_status_reads_without_importing_sqlalchemy(applied: tuple[str, Path]) -> None:
    url, folder = applied
    result = subprocess.run([sys.executable, "-c", READ, url, str(folder)], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {"current": 1, "sqlalchemy": False}


def test_the_bare_read_matches_the_sqlalchemy_read(applied: tuple[str, Path]) -> None:
    url, folder = applied
    target = from_url(url)
    table = VersionTable(DEFAULT_TABLE, target.dialect)
    for for_writing in (False, True):
        bare = _read_bare(target, table, with_markers=True, for_writing=for_writing)
        assert bare is not None
        assert bare == _read_with_sqlalchemy(target, table, with_markers=True, for_writing=for_writing)
        assert bare[0] == read_goose_state(target, DEFAULT_TABLE, for_writing=for_writing)
    assert [(r.version, r.applied) for r in read_status(target, folder, DEFAULT_TABLE).rows] == [(1, True), (2, False)]


UP_TO_DATE = """
import json, sys
from llm_proxy.api import Migrator
applied = Migrator(sys.argv[1], sys.argv[2]).up()
print(json.dumps({"applied": len(applied), "sqlalchemy": "sqlalchemy" in sys.modules}))
"""


def test_up_on_an_up_to_date_database_does_not_import_sqlalchemy(applied: tuple[str, Path]) -> None:
    url, folder = applied
    Migrator(url, folder).up()
    result = subprocess.run([sys.executable, "-c", UP_TO_DATE, url, str(folder)], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {"applied": 0, "sqlalchemy": False}


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_an_unreachable_server_is_reported_as_the_sqlalchemy_path_reports_it(scheme: str) -> None:
    target = from_url(f"{scheme}://someone:s3cret@127.0.0.1:1/nothing")
    with pytest.raises(DatabaseError) as bare:
        read_goose_state(target, DEFAULT_TABLE)
    with pytest.raises(DatabaseError) as through_sqlalchemy:
        read_goose_state(target, DEFAULT_TABLE, for_writing=True)
    assert str(bare.value) == str(through_sqlalchemy.value)
    assert "s3cret" not in str(bare.value) and "127.0.0.1" in str(bare.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://postgres@127.0.0.1:5432/db",  # another driver
        "postgresql+psycopg://postgres@/db?host=127.0.0.1&host=127.0.0.2",  # several hosts
        "mysql+pymysql://root@127.0.0.1:3306/db?ssl_ca=/etc/ca.pem",  # SQLAlchemy makes an ssl dict of it
        "mysql+pymysql://root@127.0.0.1:3306/db?unix_socket=/run/mysqld.sock",
    ],
)
def test_urls_only_sqlalchemy_reads_are_left_to_it(url: str) -> None:
    assert connect_bare(from_url(url)) is None


def test_a_sqlite_file_uri_is_read_where_sqlite_opens_it(sqlite_url: str, tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "migrations", {"00001_a.sql": ("CREATE TABLE a (x integer);", "DROP TABLE a;")})
    database = tmp_path / "my app.db"
    Migrator(f"sqlite:///{database}", folder).up()
    files = sorted(tmp_path.iterdir())
    for url in (f"sqlite:///file:{database}?mode=ro&uri=true", f"sqlite:///file:{str(database).replace(' ', '%20')}?uri=true"):
        target = from_url(url)
        assert target.sqlite_path == database and target.sqlite_uri and connect_bare(target) is None
        assert [(r.version, r.applied) for r in read_status(target, folder, DEFAULT_TABLE).rows] == [(1, True)]
    assert sorted(tmp_path.iterdir()) == files  # no file named after the URI was made
