"""Eight instances starting at the same instant on one fresh database, on every dialect.

All of them must succeed, each migration must be applied exactly once, and the schema must
be complete: first as eight ``llm-proxy migrate up`` processes released by one gate, then as
eight threads calling the server's start-up function ``open_database()``. The folder is the
bundled migrations after one that takes a second, so that the instances really overlap.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from support.cli import up_command
from support.databases import read_version_ids, take_snapshot

from llm_proxy.database import open_database

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

INSTANCES = 8


def _versions(folder: Path) -> list[int]:
    return sorted(int(p.name.split("_")[0]) for p in folder.glob("*.sql"))


def _assert_complete_schema(url: str) -> None:
    """The schema the last bundled migration leaves: renamed key, added columns, new primary key."""
    schema = take_snapshot(url).schema
    assert {"projects", "tokens", "audit_events", "goose_db_version"} <= {name.lower() for name in schema}
    projects = {c[0] for c in schema["projects"][0]}
    tokens = {c[0] for c in schema["tokens"][0]}
    assert {"api_key", "deactivated_at"} <= projects and "openai_api_key" not in projects
    assert {"id", "cache_hit_count", "deactivated_at"} <= tokens
    assert schema["tokens"][2] == ["id"]


def test_eight_processes_run_up_at_once(database_url, slow_bundled, start_together) -> None:
    folder = slow_bundled(database_url)
    results = start_together([up_command(database_url, folder)] * INSTANCES)

    assert [r.returncode for r in results] == [0] * INSTANCES, [r.stderr for r in results if r.returncode]
    assert read_version_ids(database_url) == [0, *_versions(folder)]  # each exactly once, in order
    appliers = [r for r in results if "Done:" in r.stdout]
    assert len(appliers) == 1, [r.stdout for r in results]
    assert all("No migrations to run" in r.stdout for r in results if r not in appliers)
    _assert_complete_schema(database_url)


def test_eight_threads_open_the_database_at_once(database_url, slow_bundled) -> None:
    folder = slow_bundled(database_url)
    barrier = threading.Barrier(INSTANCES)
    engines: list[Engine] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            engines.append(open_database(database_url, migrations=folder))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(INSTANCES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    try:
        assert errors == [] and len(engines) == INSTANCES
        assert read_version_ids(database_url) == [0, *_versions(folder)]
        _assert_complete_schema(database_url)
        for number, engine in enumerate(engines):
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    f"INSERT INTO projects (id, name, api_key) VALUES ('p{number}', 'project {number}', 'k')"
                )
        with engines[0].connect() as connection:
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM projects").scalar() == INSTANCES
    finally:
        for engine in engines:
            engine.dispose()
