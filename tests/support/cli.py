"""Running ``llm-proxy``: through typer's runner (fast, in process) or as the installed
executable (real exit codes, real environment, output to a pipe)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from llm_proxy.cli import app

LLM_PROXY = str(Path(sys.executable).with_name("llm-proxy"))

# Every variable that chooses the database or the migrations (README, "Usage").
DATABASE_VARIABLES = (
    "DATABASE_URL", "DATABASE_PATH", "DB_DRIVER", "GOOSE_DRIVER", "GOOSE_DBSTRING", "GOOSE_TABLE", "GOOSE_MIGRATION_DIR",
)


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """``llm-proxy ARGS`` through typer's runner (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, list(args), env=env, input=input)


def outcome(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``llm-proxy ARGS``."""
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


def error_of(stderr: str) -> str:
    """The error a command reported: stderr from its ``error:`` line on.

    Only a note may come before it: on a shared server another run may hold the migration
    lock for a moment, and the command says it is waiting.
    """
    lines = stderr.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert starts, f"no error message in {stderr!r}"
    assert all(line.startswith("waiting for the migration lock") for line in lines[: starts[0]]), stderr
    return "".join(lines[starts[0]:])


def env_without_database() -> dict[str, str]:
    """The environment with no database variables, so that only explicit options count."""
    return {k: v for k, v in os.environ.items() if k not in DATABASE_VARIABLES}


def run_llm_proxy(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``llm-proxy ARGS`` as a real process; by default with no database variables set."""
    return subprocess.run(
        [LLM_PROXY, *args], capture_output=True, text=True, timeout=120, check=False,
        env=env_without_database() if env is None else env, cwd=cwd,
    )


def db_args(url: str) -> list[str]:
    """The command-line options naming ``url``."""
    return ["--database-url", url]


def up_command(url: str, folder: Path) -> list[str]:
    """The argv of ``llm-proxy migrate up`` on ``url`` with the migrations of ``folder``."""
    return [LLM_PROXY, "migrate", "up", *db_args(url), "--dir", str(folder)]
