"""``kill -9`` at random points of ``migrate up`` never leaves a lie in the version table.

A folder of slow migrations runs again and again, each run killed with SIGKILL after a
random delay (``random.Random`` with a printed seed: rerun a failure with
``LLM_PROXY_CRASH_SEED=<seed>``). After every kill, each migration must be either fully
applied together with its version row, or not at all: migration N inserts N into ``marks``
(and, where DDL is transactional, creates table ``t_N``), so the version rows, the marks
and the tables must all name the same versions, each once. A last run without a kill must
then finish the job. MySQL commits DDL implicitly, so there the migrations only change
rows of an InnoDB table, which its transactions do cover.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from sqlalchemy import create_engine, inspect
from support.cli import up_command
from support.databases import dialect_of
from support.migrations import pause_sql

MIGRATIONS = 12
KILLS = 20
PAUSE = 0.04  # seconds, three times per migration
STARTUP = 0.45  # seconds before ``llm-proxy migrate up`` reaches the database


def _migration(dialect: str, version: int, pause: str) -> str:
    ddl = "" if dialect == "mysql" else f"CREATE TABLE t_{version} (x integer);\n{pause}\n"
    drop = "" if dialect == "mysql" else f"DROP TABLE t_{version};\n"
    return (
        f"-- +goose Up\n{pause}\nINSERT INTO marks (version) VALUES ({version});\n{pause}\n{ddl}"
        f"-- +goose Down\n{drop}DELETE FROM marks WHERE version = {version};\n"
    )


def _state(engine) -> tuple[list[int], list[int], list[int]]:  # type: ignore[no-untyped-def]
    """(version rows, marks, t_N tables), each sorted, read on a fresh connection."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        rows = []
        if "goose_db_version" in names:
            rows = [int(v) for (v,) in connection.exec_driver_sql("SELECT version_id FROM goose_db_version WHERE version_id > 0")]
        marks = [int(v) for (v,) in connection.exec_driver_sql("SELECT version FROM marks")]
    tables = [int(name[2:]) for name in names if name.startswith("t_")]
    return sorted(rows), sorted(marks), sorted(tables)


def test_sigkill_at_random_points_leaves_every_migration_whole(database_url, tmp_path) -> None:
    dialect = dialect_of(database_url)
    folder = tmp_path / "slow"
    folder.mkdir()
    pause = pause_sql(dialect, PAUSE)
    for version in range(1, MIGRATIONS + 1):
        (folder / f"{version:05d}_step.sql").write_text(_migration(dialect, version, pause))
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE marks (version integer NOT NULL)")

    seed = int(os.environ.get("LLM_PROXY_CRASH_SEED", random.randrange(2**32)))
    print(f"crash test seed for {dialect}: {seed}")
    rng = random.Random(seed)
    command = up_command(database_url, folder)
    interrupted = mid_run = 0
    try:
        rows: list[int] = []
        for run in range(KILLS):
            # Start-up takes about 0.4 s, then each pending migration about 3 pauses: aim
            # anywhere from start-up to just past the end of the run.
            window = STARTUP + (MIGRATIONS - len(rows)) * (3 * PAUSE + 0.01)
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.25, window))
            process.send_signal(signal.SIGKILL)
            _, err = process.communicate(timeout=60)
            assert process.returncode in (0, -signal.SIGKILL), f"seed {seed}, run {run}: {err}"
            interrupted += process.returncode == -signal.SIGKILL
            rows, marks, tables = _state(engine)
            assert rows == sorted(set(rows)), f"seed {seed}, run {run}: a version recorded twice: {rows}"
            assert marks == rows, f"seed {seed}, run {run}: marks {marks} but version rows {rows}"
            if dialect != "mysql":
                assert tables == rows, f"seed {seed}, run {run}: tables t_{tables} but version rows {rows}"
            mid_run += 0 < len(rows) < MIGRATIONS
            if len(rows) == MIGRATIONS:  # all done: start over, so that later kills land mid-run
                subprocess.run([*command[:2], "down-to", "0", *command[3:]], check=True, capture_output=True)

        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
        assert _state(engine) == (
            list(range(1, MIGRATIONS + 1)),
            list(range(1, MIGRATIONS + 1)),
            [] if dialect == "mysql" else list(range(1, MIGRATIONS + 1)),
        )
        print(f"{interrupted} of {KILLS} runs killed, {mid_run} of them with part of the folder applied")
        assert mid_run >= KILLS // 4, f"only {mid_run} of {KILLS} kills landed mid-way through the folder"
    finally:
        engine.dispose()
