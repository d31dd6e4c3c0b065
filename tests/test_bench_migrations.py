"""bench/migrations.py still runs end to end and prints its table: a row per workload, each
with a numeric ratio. It runs at a tiny scale; nothing here looks at the seconds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "migrations.py"
ROWS = ["W1 up", "W2 up", "W3 status", "W3 version", "W4 status", "W4 status, all pending", "W4 up-by-one", "W4 validate"]
NUMBER = re.compile(r"\d+\.\d+")


def table(output: str) -> dict[str, list[str]]:
    """The Markdown table's rows by workload (header and separator left out)."""
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in output.splitlines() if line.startswith("| W")]
    return {row[0]: row for row in rows}


@pytest.mark.parametrize(
    "dialect",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)],
)
def test_the_bench_prints_a_row_per_workload_with_a_ratio(dialect: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(f"{dialect}_url")  # skips (or fails in CI) when the server is down
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.002", "--runs", "1", "--dialects", dialect],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    expected = [*ROWS, "W2 up (execute floor)"] if dialect == "sqlite" else ROWS
    assert sorted(rows) == sorted(expected)
    for name, (_, row_dialect, ours, floor, ratio, ours_mb, floor_mb, _note) in rows.items():
        assert row_dialect == dialect
        assert all(NUMBER.fullmatch(cell) for cell in (ours, floor, ratio)), rows[name]
        assert float(ratio) > 0 and float(ours_mb) > 0 and float(floor_mb) > 0


def test_a_server_that_is_down_is_a_skipped_row_not_a_crash(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.002", "--runs", "1", "--dialects", "postgres", "--workloads", "W1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LLM_PROXY_TEST_PG": "postgresql+psycopg://postgres@127.0.0.1:1/postgres"},  # nothing listens
    )
    assert result.returncode == 0, result.stderr
    (row,) = table(result.stdout).values()
    assert row[:5] == ["W1 up", "postgres", "-", "-", "-"] and row[-1].startswith("skipped")
