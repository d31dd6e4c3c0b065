"""Alembic's commands on goose migrations, run as a user runs them.

The stock ``alembic`` executable from the repository root (``alembic.ini`` there) for the
commands that run ``env.py``, and :func:`run_alembic` for ``heads``, ``history`` and
``show``, which the stock executable cannot serve for SQL revisions.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from llm_proxy.api import Migrator
from llm_proxy.env.commands import AlembicCommandError, run_alembic
from llm_proxy.errors import TargetError
from llm_proxy.selection import from_url

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).with_name("alembic")


def alembic(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``alembic ARGS`` from the repository root, as a person would type it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_", "GOOSE_"))}
    result = subprocess.run([str(ALEMBIC), *args], cwd=ROOT, env={**environ, **(env or {})}, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"alembic {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def bundled_count(url: str) -> int:
    return len(Migrator(url).status().rows)


def test_stock_alembic_upgrade_current_downgrade_stamp_on_sqlite(sqlite_url, probe):
    x = ["-x", f"url={sqlite_url}"]
    head = bundled_count(sqlite_url)
    db = probe(sqlite_url)

    alembic(*x, "upgrade", "head")
    assert db.rows() == [(v, True) for v in range(head + 1)]
    assert alembic(*x, "current").stdout.strip() == f"{head} (head)"

    alembic(*x, "downgrade", "-1")
    assert alembic(*x, "current").stdout.strip() == str(head - 1)
    assert db.rows() == [(v, True) for v in range(head)]

    alembic(*x, "stamp", "2")
    assert db.rows() == [(0, True), (1, True), (2, True)]
    alembic(*x, "stamp", "base")
    assert db.rows() == [(0, True)]
    assert "alembic_version" not in db.tables()


def test_stock_alembic_reads_the_database_from_the_environment(database_url, probe):
    env = {"DATABASE_URL": database_url}
    alembic("upgrade", "2", env=env)
    assert alembic("current", env=env).stdout.strip() == "2"
    alembic("downgrade", "base", env=env)
    db = probe(database_url)
    assert db.rows() == [(0, True)]
    assert "alembic_version" not in db.tables()


def test_stock_alembic_reports_a_failure_without_a_traceback(sqlite_url, make_folder):
    folder = make_folder({"00001_bad.sql": "-- +goose Up\nINSERT INTO missing VALUES (1);\n"})
    result = alembic("-x", f"url={sqlite_url}", "-x", f"migrations={folder}", "upgrade", "head", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "FAILED: " in result.stdout
    assert "00001_bad.sql:2: migrating up failed" in result.stdout


def test_run_alembic_heads_history_show(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    out = io.StringIO()
    run_alembic(["heads"], target=from_url(url), stdout=out)
    head = bundled_count(url)
    assert out.getvalue().strip() == f"{head} (head)"

    out = io.StringIO()
    run_alembic(["history"], target=from_url(url), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith(f"{head - 1} -> {head} (head), ")
    assert lines[-1].startswith("<base> -> 1, initial schema")

    out = io.StringIO()
    run_alembic(["show", "1"], target=from_url(url), stdout=out)
    assert "Rev: 1" in out.getvalue() and "00001_initial_schema.sql" in out.getvalue()


def test_run_alembic_runs_migrations_and_reads_current(tmp_path, probe):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    target = from_url(url)
    run_alembic(["upgrade", "head"], target=target)
    out = io.StringIO()
    run_alembic(["current"], target=target, stdout=out)
    assert out.getvalue().strip().endswith("(head)")
    out = io.StringIO()
    run_alembic(["history", "-i"], target=target, stdout=out)
    assert "(head) (current)" in out.getvalue()


def test_numbers_are_goose_targets_not_revision_prefixes(tmp_path, make_folder, probe):
    folder = make_folder(
        {
            f"{v}_m{v}.sql": (f"CREATE TABLE t{i} (x integer);", f"DROP TABLE t{i};")
            for i, v in enumerate((1, 3, 20240101000000))
        }
    )
    url = f"sqlite:///{tmp_path / 'x.db'}"
    run_alembic(["upgrade", "20240101"], target=from_url(url), migrations=folder)
    assert probe(url).rows() == [(0, True), (1, True), (3, True)]
    run_alembic(["downgrade", "2"], target=from_url(url), migrations=folder)
    assert probe(url).rows() == [(0, True), (1, True)]


def test_run_alembic_errors_are_migration_errors(tmp_path):
    target = from_url(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(AlembicCommandError, match="llm-proxy migrate create"):
        run_alembic(["revision", "-m", "new"], target=target)
    with pytest.raises(AlembicCommandError, match="no_such"):
        run_alembic(["show", "no_such"], target=target)
    run_alembic(["upgrade", "1"], target=target)
    run_alembic(["downgrade", "base"], target=target)
    with pytest.raises((TargetError, AlembicCommandError)):
        run_alembic(["downgrade", "-1"], target=target)


def test_allow_missing_through_x_argument(tmp_path, make_folder, probe):
    folder = make_folder({f"0000{v}_m.sql": (f"CREATE TABLE t{v} (x integer);", f"DROP TABLE t{v};") for v in (1, 3)})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    x = ["-x", f"url={url}", "-x", f"migrations={folder}"]
    alembic(*x, "upgrade", "head")
    make_folder({"00002_m.sql": ("CREATE TABLE t2 (x integer);", "DROP TABLE t2;")})

    refused = alembic(*x, "upgrade", "head", check=False)
    assert refused.returncode != 0 and "00002_m.sql" in refused.stdout

    alembic(*x, "-x", "allow_missing=true", "upgrade", "head")
    assert probe(url).rows() == [(0, True), (1, True), (3, True), (2, True)]
    assert alembic(*x, "current").stdout.strip() == "2"


def test_stock_alembic_sql_mode_writes_a_script_for_psql(postgres_url, probe):
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    text = alembic("-x", f"url={postgres_url}", "upgrade", "head", "--sql").stdout
    assert text.startswith("-- goose version table goose_db_version")
    url = make_url(postgres_url)
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.host, "-U", url.username, url.database],
        input=text, text=True, check=True, capture_output=True,
    )
    head = bundled_count(postgres_url)
    assert probe(postgres_url).rows() == [(v, True) for v in range(head + 1)]
    assert Migrator(postgres_url).version() == head
