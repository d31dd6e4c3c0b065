"""Fixtures for the safety tests: slow migration folders, and processes started at one instant."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from support.databases import dialect_of
from support.migrations import pause_sql

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

# Says it is ready, waits until the gate file exists, then becomes the command: every
# process has paid Python's start-up cost before the gate opens, so they start together.
_BARRIER = (
    "import os, sys, time\n"
    "open(f'{sys.argv[1]}.ready.{os.getpid()}', 'w').close()\n"
    "while not os.path.exists(sys.argv[1]):\n"
    "    time.sleep(0.001)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


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
