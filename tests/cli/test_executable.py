"""The installed ``llm-proxy`` executable, as scripts and CI jobs run it, on every dialect.

What typer's runner cannot show: the console script's real exit codes, the database chosen
from the process environment, and output to a pipe that is plain text (no progress bar, no
terminal escape codes) with results on stdout and messages on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

from support.bundled import assert_schema_at
from support.cli import env_without_database, error_of, run_llm_proxy

if TYPE_CHECKING:
    from pathlib import Path


def llm_proxy(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``llm-proxy ARGS`` in ``cwd``, the database named by ``DATABASE_URL`` alone."""
    return run_llm_proxy(*args, env={**env_without_database(), "DATABASE_URL": url}, cwd=cwd)


def test_every_database_command_through_the_executable(database_url: str, tmp_path: Path) -> None:
    def ok(*args: str) -> str:
        result = llm_proxy(*args, url=database_url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout + result.stderr
        return result.stdout

    assert ok("migrate", "up-to", "2").splitlines()[-1].endswith("now at version 2")
    assert ok("migrate", "up-by-one").split()[:3] == ["OK", "up", "00003_add_token_cache_hit_count.sql"]
    assert ok("migrate", "version") == "3\n"
    assert json.loads(ok("migrate", "redo", "--json"))["version"] == 3
    assert_schema_at(database_url, 3)
    assert ok("migrate", "down").rstrip().endswith("now at version 2")
    assert ok("migrate", "down-to", "1").rstrip().endswith("now at version 1")
    assert ok("migrate", "reset").rstrip().endswith("now at version 0")
    assert_schema_at(database_url, 0)
    assert ok("migrate", "up").rstrip().endswith("now at version 6")
    assert ok("migrate", "status").splitlines()[-1] == "Current version: 6; 0 pending"
    assert_schema_at(database_url, 6)

    failed = llm_proxy("migrate", "up-by-one", url=database_url, cwd=tmp_path)
    assert (failed.returncode, failed.stdout) == (1, "")
    assert error_of(failed.stderr).startswith("error: no next version")
    usage = llm_proxy("migrate", "down-to", url=database_url, cwd=tmp_path)
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_status_and_version_on_sqlite_import_only_what_they_use(tmp_path: Path) -> None:
    """What keeps them fast (bench/cli_latency.py): the SQLite file is read with sqlite3 alone,
    and the other commands' modules (validate's lint engine, the locks of up) stay unloaded."""
    from llm_proxy.api import Migrator

    Migrator(tmp_path / "app.db").up()
    probe = (
        "import sys\n"
        "from llm_proxy.cli import app\n"
        "for command in ('status', 'version'):\n"
        "    app(['migrate', command, '--db', sys.argv[1]], standalone_mode=False)\n"
        "heavy = {'alembic', 'sqlalchemy', 'rich', 'llm_proxy.cli.validate', 'llm_proxy.cli.changes'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "app.db")],
                            capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
    assert "Current version: 6; 0 pending" in result.stdout
