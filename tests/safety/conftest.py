"""Helpers for the safety tests: database snapshots, and processes started at one instant."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

LLM_PROXY = str(Path(sys.executable).with_name("llm-proxy"))

# Says it is ready, waits until the gate file exists, then becomes the command: every
# process has paid Python's start-up cost before the gate opens, so they start together.
_BARRIER = (
    "import os, sys, time\n"
    "open(f'{sys.argv[1]}.ready.{os.getpid()}', 'w').close()\n"
    "while not os.path.exists(sys.argv[1]):\n"
    "    time.sleep(0.001)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def pause_sql(dialect: str, seconds: float) -> str:
    """One statement that keeps the database busy for about ``seconds``.

    SQLite has no sleep function: a recursive count does the waiting (about 8 million
    rows a second here).
    """
    if dialect == "postgres":
        return f"SELECT pg_sleep({seconds});"
    if dialect == "mysql":
        return f"SELECT SLEEP({seconds});"
    rows = int(seconds * 8_000_000)
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT COUNT(*) FROM c;"


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgres`` or ``mysql``."""
    from llm_proxy.selection import as_target

    return as_target(url).dialect


@pytest.fixture
def slow_bundled(tmp_path: Path) -> Callable[[str], Path]:
    """``slow_bundled(url)``: the bundled migrations of ``url``'s dialect after a 1 s migration.

    The first migrator holds the lock for a second while the others arrive, so a broken
    lock would show (on two cores, Python's start-up alone would otherwise let the first
    process finish before the others reach the database).
    """
    from llm_proxy.bundled import bundled_migrations

    def make(url: str) -> Path:
        dialect = dialect_of(url)
        folder = tmp_path / f"slow-{dialect}"
        folder.mkdir()
        (folder / "00001_settle.sql").write_text(f"-- +goose Up\n{pause_sql(dialect, 1.0)}\n")
        for path in bundled_migrations(dialect).glob("*.sql"):
            version, _, rest = path.name.partition("_")
            (folder / f"{int(version) + 1:05d}_{rest}").write_bytes(path.read_bytes())
        return folder

    return make


@dataclass(frozen=True)
class Snapshot:
    """Everything a migration could change: every table's shape, and the version rows."""

    schema: dict[str, Any]
    version_rows: list[tuple[Any, ...]]


def take_snapshot(url: str, table: str = "goose_db_version") -> Snapshot:
    """The schema (tables, columns, indexes, keys) and the version table's rows of ``url``."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            schema = {
                name: (
                    [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                    sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)),
                    inspector.get_pk_constraint(name)["constrained_columns"],
                    sorted(str(fk) for fk in inspector.get_foreign_keys(name)),
                )
                for name in sorted(inspector.get_table_names())
            }
            rows: list[tuple[Any, ...]] = []
            if inspector.has_table(table):
                rows = [tuple(r) for r in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")]
            return Snapshot(schema, rows)
    finally:
        engine.dispose()


def read_version_ids(url: str, table: str = "goose_db_version") -> list[int]:
    """The version of every row of the version table, in insertion order."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [int(v) for (v,) in connection.exec_driver_sql(f"SELECT version_id FROM {table} ORDER BY id")]
    finally:
        engine.dispose()


def run_llm_proxy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``llm-proxy ARGS`` as a real process."""
    return subprocess.run([LLM_PROXY, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def start_together(tmp_path: Path) -> Iterator[Callable[[Sequence[Sequence[str]]], list[subprocess.CompletedProcess[str]]]]:
    """``start_together([argv, ...])``: start every command, release them at once, collect results."""
    started: list[subprocess.Popen[str]] = []

    def run(commands: Sequence[Sequence[str]]) -> list[subprocess.CompletedProcess[str]]:
        gate = tmp_path / f"gate-{len(started)}"
        for argv in commands:
            started.append(
                subprocess.Popen(
                    [sys.executable, "-c", _BARRIER, str(gate), *argv],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob(f"{gate.name}.ready.*"))) < len(commands) and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.touch()
        mine = started[-len(commands) :]
        results = []
        for process in mine:
            out, err = process.communicate(timeout=180)
            results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
        return results

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def db_args(url: str) -> list[str]:
    """The command-line options naming ``url``."""
    return ["--database-url", url]


def env_without_database() -> dict[str, str]:
    """The environment with no database variables, so that only explicit options count."""
    names = ("DATABASE_URL", "DATABASE_PATH", "DB_DRIVER", "GOOSE_DRIVER", "GOOSE_DBSTRING", "GOOSE_TABLE", "GOOSE_MIGRATION_DIR")
    return {k: v for k, v in os.environ.items() if k not in names}


@pytest.fixture
def snapshot() -> Callable[..., Snapshot]:
    """``snapshot(url, table=...)``: see :func:`take_snapshot`."""
    return take_snapshot


@pytest.fixture
def version_ids() -> Callable[..., list[int]]:
    """``version_ids(url, table=...)``: see :func:`read_version_ids`."""
    return read_version_ids


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(*args)``: ``llm-proxy ARGS`` as a real process, with no database variables set."""
    env = env_without_database()
    return lambda *args: run_llm_proxy(*args, env=env)


@pytest.fixture
def up_command() -> Callable[[str, Path], list[str]]:
    """``up_command(url, folder)``: the argv of ``llm-proxy migrate up`` on ``url``."""
    return lambda url, folder: [LLM_PROXY, "migrate", "up", *db_args(url), "--dir", str(folder)]


class _Pauses:
    """Namespace handed to tests by the ``pause_for`` fixture."""

    sql = staticmethod(pause_sql)
    dialect = staticmethod(dialect_of)


@pytest.fixture
def pause_for() -> type[_Pauses]:
    """``pause_for.sql(dialect, seconds)`` and ``pause_for.dialect(url)``."""
    return _Pauses
