"""A database password never reaches the terminal: not in results, not in errors, not in JSON."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import make_url
from support.cli import env_without_database, error_of, invoke, run_llm_proxy

SECRET = "Pw-n0t-2-b3-s33n"
COMMANDS = [["migrate", "status"], ["migrate", "version"], ["migrate", "up"], ["migrate", "down"]]


def with_password(url: str, *, user: str | None = None) -> str:
    changed = make_url(url).set(password=SECRET)
    if user is not None:
        changed = changed.set(username=user)
    return changed.render_as_string(hide_password=False)


@pytest.fixture(params=["postgres", "mysql"])
def refused_url(request: pytest.FixtureRequest) -> str:
    """A URL the server refuses: an unknown role on PostgreSQL (trust auth), a wrong root password on MariaDB."""
    url = request.getfixturevalue(f"{request.param}_url")
    return with_password(url, user="lp_no_such_role" if request.param == "postgres" else None)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_refused_login_is_reported_without_the_password(refused_url: str, command: list[str]) -> None:
    for extra in ([], ["--json"]):
        result = invoke(*command, "--database-url", refused_url, *extra)
        assert result.exit_code == 1, result.output
        assert SECRET not in result.stdout + result.stderr
        assert ":***@" in result.stdout + result.stderr


def test_the_real_executable_keeps_the_password_out_of_both_streams(refused_url: str) -> None:
    result = run_llm_proxy("migrate", "up", env={**os.environ, "DATABASE_URL": refused_url})
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert error_of(result.stderr) and "Traceback" not in result.stderr


def test_a_successful_run_shows_the_url_masked(postgres_url: str) -> None:
    url = with_password(postgres_url)  # trust authentication accepts any password
    for command in (["migrate", "up-to", "1"], ["migrate", "status"], ["migrate", "status", "--json"]):
        result = invoke(*command, "--database-url", url)
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output
    assert "postgres:***@" in result.stdout


def test_a_malformed_goose_dbstring_is_refused_without_the_password() -> None:
    """An unquoted password with a space in it: libpq names the word after the space."""
    dbstring = f"host=127.0.0.1 user=app password={SECRET} and-{SECRET}"
    env = {**env_without_database(), "GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": dbstring}
    for extra in ([], ["--json"]):
        result = run_llm_proxy("migrate", "status", *extra, env=env)
        assert result.returncode == 1, result.stderr
        assert SECRET not in result.stdout + result.stderr
        assert "GOOSE_DBSTRING is not a libpq connection string" in (result.stdout if extra else error_of(result.stderr))
        assert "Traceback" not in result.stderr
