"""A tenant fleet for the ``--each`` tests: many scratch databases of every dialect at once.

``make_fleet()`` gives SQLite files, PostgreSQL databases (all with a password that must
never be printed: trust authentication accepts any), one MariaDB database, a PostgreSQL
database whose schema makes the first bundled migration fail, and a URL of a PostgreSQL
database that does not exist. The broken ones sit in the middle of the list, so that a
run that stopped at them would leave the databases after them untouched.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import make_url
from support.databases import run_sql

from llm_proxy.selection import from_url
from llm_proxy.services.roundtrip import scratch_database

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SECRET = "Fleet-pw-n0t-2-b3-s33n"
HEAD = 6  # the bundled migrations' last version, on every dialect
GOOSE_ROWS = [(0, True)] + [(v, True) for v in range(1, HEAD + 1)]


@dataclass(frozen=True)
class Fleet:
    """The databases of one fleet, as SQLAlchemy URLs, and the list file naming them in order."""

    good: list[str]
    broken: str
    unreachable: str
    listed: list[str]
    list_file: Path

    def index(self, url: str) -> int:
        return self.listed.index(url)


def bare_scheme(url: str) -> str:
    """``postgresql://...`` for ``postgresql+psycopg://...``: what people write in a list."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+')[0]}://{rest}"


def _listed_as(url: str, as_paths: list[str]) -> str:
    """A line of the list: half the SQLite files as paths, the rest as URLs with bare schemes."""
    return url.removeprefix("sqlite:///") if url in as_paths else bare_scheme(url)


def with_secret(url: str) -> str:
    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


@pytest.fixture
def make_fleet(tmp_path: Path, postgres_url: str, mysql_url: str) -> Iterator[Callable[..., Fleet]]:
    """``make_fleet(name, sqlite=20, postgres=5)``: a new fleet under ``tmp_path/name``.

    Takes the ``postgres_url`` and ``mysql_url`` fixtures for their servers (skipped, or
    failed with ``CI=true``, when one is down) and creates the other databases beside them;
    everything is dropped after the test. One of the ``postgres`` databases is the broken one.
    """
    made = {"mysql": False}
    with ExitStack() as stack:

        def scratch() -> str:
            return stack.enter_context(scratch_database(from_url(postgres_url), prefix="lp_test_")).url

        def make(name: str, *, sqlite: int = 20, postgres: int = 5) -> Fleet:
            folder = tmp_path / name
            folder.mkdir()
            files = [f"sqlite:///{folder / f'tenant{n:02}.db'}" for n in range(sqlite)]
            servers = [with_secret(scratch()) for _ in range(postgres)]
            broken, servers = servers[0], servers[1:]
            run_sql(broken, "CREATE TABLE projects (id text PRIMARY KEY)")  # 00001 then indexes a missing column
            unreachable = with_secret(make_url(postgres_url).set(database="lp_test_no_such_database").render_as_string(hide_password=False))
            mysql = mysql_url if not made["mysql"] else stack.enter_context(scratch_database(from_url(mysql_url), prefix="lp_test_")).url
            made["mysql"] = True
            half = len(files) // 2
            listed = [*files[:half], *servers[:2], broken, unreachable, mysql, *files[half:], *servers[2:]]
            list_file = folder / "tenants.txt"
            lines = ["# one database per tenant", "", *(_listed_as(url, files[:half]) for url in listed)]
            list_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return Fleet([u for u in listed if u not in (broken, unreachable)], broken, unreachable, listed, list_file)

        yield make
