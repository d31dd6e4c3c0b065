"""Scratch databases for tests: a fresh SQLite file, PostgreSQL database or MariaDB database
per test, dropped afterwards.

The servers are the ones every machine of this project runs (see README). Outside CI a test
whose server is down is skipped; in CI (``CI=true``) it fails, so a green run always means the
database tests really ran.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest
from support.servers import unavailable as _unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PG_ADMIN_URL = os.environ.get("LLM_PROXY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("LLM_PROXY_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the test's own folder."""
    return f"sqlite:///{tmp_path / 'test.db'}"


def _scratch_database(server: str, admin_url: str) -> Iterator[str]:
    """Create an empty database on ``server``, yield its URL, drop it afterwards."""
    from llm_proxy.errors import DatabaseError
    from llm_proxy.selection import from_url
    from llm_proxy.services.roundtrip import scratch_database

    with ExitStack() as stack:
        try:
            target = stack.enter_context(scratch_database(from_url(admin_url), prefix="lp_test_"))
        except DatabaseError as exc:
            _unavailable(server, exc)
        yield target.url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped after the test."""
    yield from _scratch_database("PostgreSQL", PG_ADMIN_URL)


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A new, empty MariaDB/MySQL database, dropped after the test."""
    yield from _scratch_database("MariaDB", MYSQL_ADMIN_URL)


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once per dialect, on a scratch database."""
    return request.getfixturevalue(f"{request.param}_url")
