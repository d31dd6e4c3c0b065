"""Start-up: ``open_database()`` hands back an engine on a migrated database, or refuses to start."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import exc, make_url, text

from llm_proxy.api import Migrator
from llm_proxy.database import StartupError, open_database

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "Start-up-s3cret"


def test_returns_a_ready_engine_on_a_migrated_database(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO projects (id, name, api_key) VALUES ('p1', 'one', 'k')"))
            count = conn.execute(text("SELECT COUNT(*) FROM projects")).scalar()
        assert count == 1
    finally:
        engine.dispose()
    assert Migrator(database_url).version() == 6
    open_database(database_url).dispose()  # a second start finds nothing to do
    assert Migrator(database_url).version() == 6


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "app.db")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            with pytest.raises(exc.IntegrityError):
                conn.execute(text("INSERT INTO tokens (id, token, project_id) VALUES ('t', 'tok', 'nope')"))
    finally:
        engine.dispose()


def test_the_database_comes_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    open_database(environ={"DATABASE_PATH": str(path)}).dispose()
    assert Migrator(path).version() == 6


@pytest.mark.parametrize("server", ["postgres", "mysql"])
def test_a_refused_login_raises_startup_error_without_the_password(
    server: str, request: pytest.FixtureRequest
) -> None:
    url = make_url(request.getfixturevalue(f"{server}_url")).set(password=SECRET)
    if server == "postgres":
        url = url.set(username="lp_no_such_role")  # trust authentication: only an unknown role is refused
    with pytest.raises(StartupError) as raised:
        open_database(url.render_as_string(hide_password=False))
    assert SECRET not in str(raised.value)
    assert ":***@" in str(raised.value) and "refusing to start" in str(raised.value)


def test_an_unreachable_server_raises_startup_error() -> None:
    with pytest.raises(StartupError, match="refusing to start") as raised:
        open_database(f"postgresql://app:{SECRET}@127.0.0.1:1/llm_proxy")
    assert SECRET not in str(raised.value)


def test_a_file_that_is_not_a_database_raises_startup_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"not a database" * 200)
    with pytest.raises(StartupError, match="broken.db"):
        open_database(path)
