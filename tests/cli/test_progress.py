"""The progress bar, on a real terminal: ``llm-proxy migrate up`` run on a pseudo-terminal.

Off a terminal there is no bar at all (tests/cli/test_executable.py checks a pipe gets
plain text); on one, the bar says which migration runs and how many of the run's are done,
and every finished migration's line is still printed.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from typing import TYPE_CHECKING

from support.cli import LLM_PROXY, env_without_database
from support.migrations import write_migrations

if TYPE_CHECKING:
    from pathlib import Path

# About a second of SQLite work, so the bar is redrawn while this migration runs.
SLOW = """-- +goose Up
CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
SELECT count(*) AS n FROM c;
-- +goose Down
DROP TABLE slow;
"""
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Exit code and everything ``llm-proxy ARGS`` wrote to its terminal (120 columns)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**env_without_database(), "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([LLM_PROXY, *args], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode()


def test_up_on_a_terminal_shows_the_running_file_and_n_of_m(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "00001_a.sql": "-- +goose Up\nCREATE TABLE a (x int);\n-- +goose Down\nDROP TABLE a;\n",
            "00002_slow.sql": SLOW,
            "00003_c.sql": "-- +goose Up\nCREATE TABLE c (x int);\n-- +goose Down\nDROP TABLE c;\n",
        },
    )
    code, screen = _on_a_terminal("migrate", "up", "--db", str(tmp_path / "x.db"), "--dir", str(folder), cwd=tmp_path)
    assert code == 0, screen
    text = ESCAPE.sub("", screen).replace("\r", "\n")
    assert re.search(r"up 00002_slow\.sql.* 1/3", text), text  # the bar, while the slow one runs
    for name in ("00001_a.sql", "00002_slow.sql", "00003_c.sql"):
        assert re.search(rf"^OK +up +{re.escape(name)} ", text, re.MULTILINE), text
    assert "Done: 3 migrations" in text


def test_no_bar_with_json_on_a_terminal(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "migrations", {"00001_slow.sql": SLOW})
    code, screen = _on_a_terminal("migrate", "up", "--json", "--db", str(tmp_path / "x.db"), "--dir", str(folder), cwd=tmp_path)
    assert code == 0, screen
    assert "1/1" not in screen and "0/1" not in screen
    assert '"ok": true' in screen
