"""``migrate up --each`` and ``migrate status --each`` from the command line: the table, the JSON
document, exit codes, masked passwords, bad lists, and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.cli import LLM_PROXY, env_without_database, invoke, run_llm_proxy
from support.databases import read_version_ids
from support.fleet import HEAD, SECRET, make_fleet  # noqa: F401  (make_fleet is a fixture)
from support.migrations import BASE, write_migrations

from llm_proxy.cli.quick import answer
from llm_proxy.selection import mask_password

if TYPE_CHECKING:
    from collections.abc import Callable

    from support.fleet import Fleet


def rows(stdout: str) -> list[str]:
    """The table's rows: the lines between the header's rule and the summary line."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("─")) + 1
    return lines[start:-1]


def sqlite_list(tmp_path: Path, count: int, *extra: str) -> Path:
    path = tmp_path / "tenants.txt"
    path.write_text("\n".join([*(str(tmp_path / f"t{n}.db") for n in range(count)), *extra]) + "\n", encoding="utf-8")
    return path


@pytest.mark.postgres
@pytest.mark.mysql
def test_up_each_migrates_a_mixed_fleet_and_reports_each_database(make_fleet: Callable[..., Fleet]) -> None:
    fleet = make_fleet("cli")
    up = run_llm_proxy("migrate", "up", "--each", str(fleet.list_file), "--parallel", "4")
    assert up.returncode == 1, up.stderr
    assert SECRET not in up.stdout + up.stderr and "Traceback" not in up.stderr
    assert "error: 2 of 27 databases failed" in up.stderr
    table = rows(up.stdout)
    assert [line.split()[0] for line in table] == [mask_password(url) for url in fleet.listed]
    for url in fleet.good:
        assert f"0 → {HEAD}" in table[fleet.index(url)] and table[fleet.index(url)].endswith(f"OK ({HEAD} migrations)")
    assert "0 → 0" in table[fleet.index(fleet.broken)] and "00001_initial_schema.sql" in table[fleet.index(fleet.broken)]
    assert "? → ?" in table[fleet.index(fleet.unreachable)] and "lp_test_no_such_database" in table[fleet.index(fleet.unreachable)]
    assert up.stdout.splitlines()[-1] == "27 databases: 25 migrated, 0 with nothing to do, 2 failed"
    assert ":***@" in up.stdout

    status = run_llm_proxy("migrate", "status", "--each", str(fleet.list_file))  # not the typer-less path: typer reads --each
    assert status.returncode == 1, status.stderr
    assert SECRET not in status.stdout + status.stderr
    table = rows(status.stdout)
    for url in fleet.good:
        assert table[fleet.index(url)].split()[1:] == [str(HEAD), "0", "0", "0", "0"]
    assert table[fleet.index(fleet.broken)].split()[1:3] == ["0", str(HEAD)]
    assert "lp_test_no_such_database" in table[fleet.index(fleet.unreachable)]
    assert status.stdout.splitlines()[-1] == "27 databases: 1 with pending migrations, 1 unreadable"

    again = run_llm_proxy("migrate", "up", "--each", str(fleet.list_file))
    assert rows(again.stdout)[0].endswith("nothing to do")


def test_the_json_documents_list_every_database_in_input_order(tmp_path: Path) -> None:
    unreachable = f"postgresql://app:{SECRET}@127.0.0.1:1/tenant"
    path = sqlite_list(tmp_path, 2, unreachable)
    up = invoke("migrate", "up", "--each", str(path), "--json", "--parallel", "2")
    assert up.exit_code == 1 and SECRET not in up.stdout + up.stderr
    document = json.loads(up.stdout)
    assert document["ok"] is False
    assert [set(d) for d in document["databases"]] == [{"database", "from", "to", "migrations", "duration_ms", "error"}] * 3
    first, _, failed = document["databases"]
    assert (first["database"], first["from"], first["to"], first["error"]) == (f"sqlite:///{tmp_path / 't0.db'}", 0, HEAD, None)
    assert [m["version"] for m in first["migrations"]] == list(range(1, HEAD + 1))
    assert set(first["migrations"][0]) == {"version", "file", "direction", "duration_ms", "statements", "empty"}
    assert failed["database"] == "postgresql+psycopg://app:***@127.0.0.1:1/tenant"
    assert (failed["from"], failed["to"], failed["migrations"]) == (None, None, []) and failed["error"]

    status = invoke("migrate", "status", "--each", str(path), "--json")
    assert status.exit_code == 1
    databases = json.loads(status.stdout)["databases"]
    assert databases[0] == {
        "database": f"sqlite:///{tmp_path / 't0.db'}", "current_version": HEAD, "pending": 0, "missing": 0,
        "database_only": 0, "interrupted": 0, "duration_ms": databases[0]["duration_ms"], "error": None,
    }
    assert databases[2]["current_version"] is None and databases[2]["error"]

    path.write_text(path.read_text().replace(unreachable, ""))
    assert json.loads(invoke("migrate", "up", "--each", str(path), "--json").stdout)["ok"] is True


def test_a_glob_of_sqlite_files_runs_on_every_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tenants = tmp_path / "data" / "tenants"
    tenants.mkdir(parents=True)
    folder = write_migrations(tmp_path / "migrations", {"00001_base.sql": BASE})
    for name in ("b.db", "a.db", "notes.txt"):
        (tenants / name).touch()  # an empty file is an empty SQLite database
    result = invoke("migrate", "up", "--each", "data/tenants/*.db", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in rows(result.stdout)] == ["sqlite:///data/tenants/a.db", "sqlite:///data/tenants/b.db"]
    assert read_version_ids(f"sqlite:///{tenants / 'a.db'}") == [0, 1]

    nothing = invoke("migrate", "status", "--each", "data/other/*.db")
    assert nothing.exit_code == 1 and "data/other/*.db: the pattern matches no file" in nothing.stderr


def test_a_bad_line_is_named_by_file_and_line_and_nothing_runs(tmp_path: Path) -> None:
    path = sqlite_list(tmp_path, 2, f"postgres:/app:{SECRET}@db/t1")
    for command in ("up", "status"):
        result = invoke("migrate", command, "--each", str(path))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {path}:3: ") and SECRET not in result.stderr
    assert not (tmp_path / "t0.db").exists()


def test_an_empty_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tenants.txt"
    path.write_text("# no tenants yet\n\n", encoding="utf-8")
    result = invoke("migrate", "up", "--each", str(path))
    assert result.exit_code == 1 and "lists no databases" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["up", "--parallel", "2"], ["status", "--parallel", "2"], ["up", "--each", "x.txt", "--db", "a.db"],
     ["status", "--each", "x.txt", "--database-url", "sqlite:///a.db"], ["up", "--each", "x.txt", "--parallel", "0"],
     ["up", "--each", "x.txt", "--lock-timeout", "-1"]],
)
def test_options_that_do_not_go_together_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "x.txt").write_text("a.db\n")
    result = invoke("migrate", *[str(tmp_path / a) if a.endswith((".txt", ".db")) else a for a in args])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "a.db").exists()


def test_the_typer_less_path_leaves_each_to_typer() -> None:
    assert answer(["migrate", "status", "--each", "tenants.txt"]) is None
    assert answer(["migrate", "status", "--json", "--each=tenants.txt"]) is None


def _versions(database: Path) -> list[int] | None:
    """The version rows of a SQLite file, None while it or its version table does not exist yet."""
    if not database.exists():
        return None
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'goose_db_version'").fetchone():
            return None
        return [v for (v,) in connection.execute("SELECT version_id FROM goose_db_version ORDER BY id")]


def _process_group_ends(pgid: int, within: float = 10) -> bool:
    """True once no live process is left in process group ``pgid`` (multiprocessing's
    resource tracker may take a moment to see that its parent is gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_in_group(stat, pgid) for stat in Path("/proc").glob("[0-9]*/stat")):
            return True
        time.sleep(0.1)
    return False


def _in_group(stat: Path, pgid: int) -> bool:
    try:
        state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
    except OSError:
        return False
    return int(group) == pgid and state != "Z"


@pytest.mark.parametrize("parallel", ["1", "2"])
def test_ctrl_c_stops_the_run_cleanly(tmp_path: Path, parallel: str) -> None:
    """Ctrl-C at a terminal (SIGINT to the whole process group) while migrations are in flight."""
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    # A Python revision that sleeps: unlike a long SQLite query, a sleep ends at once on Ctrl-C.
    (folder / "00002_slow.py").write_text("import time\n\n\ndef upgrade():\n    time.sleep(120)\n\n\ndef downgrade():\n    pass\n")
    path = sqlite_list(tmp_path, 4)
    run = subprocess.Popen(
        [LLM_PROXY, "migrate", "up", "--each", str(path), "--dir", str(folder), "--parallel", parallel],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_without_database(), start_new_session=True,
    )
    in_flight = int(parallel)
    deadline = time.monotonic() + 60
    while [_versions(tmp_path / f"t{n}.db") for n in range(4)].count([0, 1]) < in_flight:
        assert time.monotonic() < deadline and run.poll() is None, "the slow migrations never started"
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)
    stdout, stderr = run.communicate(timeout=60)

    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted: 4 of 4 databases did not finish" in stderr
    assert all("interrupted (Ctrl-C)" in line for line in rows(stdout))
    assert _process_group_ends(run.pid)  # no worker left behind
    versions = [_versions(tmp_path / f"t{n}.db") for n in range(4)]
    assert versions.count([0, 1]) == in_flight  # the slow migration was not recorded anywhere
    assert versions.count(None) == 4 - in_flight  # and no other database was started
