"""``llm_proxy.cli.migrate.app`` mounted in another typer CLI keeps its commands, errors and exit codes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from typer.testing import CliRunner

from llm_proxy.cli.migrate import app as migrate_app

if TYPE_CHECKING:
    from pathlib import Path

host = typer.Typer()
host.add_typer(migrate_app, name="db")


@host.command()
def serve() -> None:
    """The host application's own command."""
    typer.echo("serving")


def test_a_host_cli_runs_up_and_status(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "app.db")]
    up = runner.invoke(host, ["db", "up", *db])
    assert up.exit_code == 0, up.output
    assert up.stdout.rstrip().endswith("now at version 6")
    status = runner.invoke(host, ["db", "status", *db, "--json"])
    assert status.exit_code == 0
    assert json.loads(status.stdout)["current_version"] == 6
    assert runner.invoke(host, ["serve"]).stdout == "serving\n"


def test_a_host_cli_gets_the_same_error_handling(tmp_path: Path) -> None:
    runner = CliRunner()
    failed = runner.invoke(host, ["db", "down", "--db", str(tmp_path / "app.db")])
    assert (failed.exit_code, failed.stdout) == (1, "")
    assert failed.stderr == "error: no migration to roll back: the database is at version 0\n"
    assert failed.exception is None or isinstance(failed.exception, SystemExit)
    usage = runner.invoke(host, ["db", "up-to"])
    assert usage.exit_code == 2 and "Missing argument" in usage.stderr
