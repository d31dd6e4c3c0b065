"""Sixteen migrators at once through PgBouncer in transaction pooling mode (pool of 4).

The first migration holds the lock for a few seconds, so most processes wait for it,
polling the lock over the pooler (psycopg would prepare that polling statement after five
runs, and lose it on the next server connection). With ``--lock-mode transaction`` and
``--lock-mode table`` every process succeeds, each
migration is recorded exactly once, and afterwards no advisory lock is left on any server
connection and no goose_lock lease is held, looked at on the server directly (where a
stray session lock would live: on a pooled backend that outlives the processes). The
``session`` mode, the default, is refused through the same pooler before anything changes.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

import pytest
from support import pgbouncer
from support.cli import up_command
from support.databases import probing, read_version_ids
from support.migrations import pause_sql

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

INSTANCES = 16
HOLD = 8.0  # seconds the first migration holds the lock: every process arrives while it is held
ADVISORY_LOCKS = (
    "SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _versions(folder: Path) -> list[int]:
    return sorted(int(p.name.split("_")[0]) for p in folder.glob("*.sql"))


@pytest.mark.parametrize("mode", ["transaction", "table"])
def test_sixteen_migrators_through_pgbouncer(
    mode: str, pgbouncer_url: str, postgres_url: str, slow_bundled: Callable[[str], Path], start_together: Callable[..., list[subprocess.CompletedProcess[str]]]
) -> None:
    folder = slow_bundled(postgres_url)
    (folder / "00001_settle.sql").write_text(f"-- +goose Up\n{pause_sql('postgres', HOLD)}\n")
    results = start_together([[*up_command(pgbouncer_url, folder), "--lock-mode", mode]] * INSTANCES)

    assert [r.returncode for r in results] == [0] * INSTANCES, [r.stderr for r in results if r.returncode]
    waited = [r for r in results if "waiting for the migration lock held by" in r.stderr]
    assert len(waited) > pgbouncer.POOL_SIZE, "the processes did not overlap: the test would prove nothing"
    assert read_version_ids(postgres_url) == [0, *_versions(folder)]  # each exactly once, in order
    assert len([r for r in results if "Done:" in r.stdout]) == 1
    with probing(postgres_url) as server:
        assert server.query(ADVISORY_LOCKS) == []
        backends = server.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if mode == "table":
            assert server.query("SELECT lock_id, locked, locked_by FROM goose_lock") == [(4097083626, False, None)]
    assert 0 < backends[0][0] <= pgbouncer.POOL_SIZE  # sixteen clients shared the pool's server connections


def test_the_session_mode_through_pgbouncer_is_refused_and_leaves_nothing(pgbouncer_url: str, postgres_url: str, tmp_path: Path) -> None:
    from llm_proxy.bundled import bundled_migrations

    env = {k: v for k, v in os.environ.items() if k != "LLM_PROXY_LOCK_MODE"}  # the default mode
    result = subprocess.run(
        up_command(pgbouncer_url, bundled_migrations("postgres")), capture_output=True, text=True, env=env, timeout=120
    )

    assert result.returncode == 1, result.stdout
    assert "refusing to migrate with a session advisory lock through this connection pooler" in result.stderr
    assert "Nothing was changed, and the lock was released" in result.stderr
    assert "--lock-mode transaction" in result.stderr and "--lock-mode table" in result.stderr
    with probing(postgres_url) as server:
        assert server.query(ADVISORY_LOCKS) == []
        assert "goose_db_version" not in server.tables()
