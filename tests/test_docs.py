"""docs/migrations.md is true: every command has help with an example and is documented there,
and every shell and Python block of the page runs, in order, exactly as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import typer
import typer.main
from sqlalchemy import create_engine, make_url, text
from support.cli import DATABASE_VARIABLES

from llm_proxy.cli import app

if TYPE_CHECKING:
    from collections.abc import Iterator

    import click

DOC = Path(__file__).resolve().parent.parent / "docs" / "migrations.md"
DOCS_DATABASE = "llm_proxy_docs"  # the database the page's server examples name
SELECTION_VARIABLES = (*DATABASE_VARIABLES, "OPENAI_API_KEY", "MANAGEMENT_TOKEN")


def commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    """Every leaf command of the tree, with its full name (``migrate up``), as click resolves them."""
    if not hasattr(command, "list_commands"):
        yield " ".join(path), command
        return
    ctx = typer.Context(command)
    for name in command.list_commands(ctx):
        yield from commands(command.get_command(ctx, name), (*path, name))


ALL_COMMANDS = sorted(commands(typer.main.get_command(app)))


def blocks(language: str) -> list[tuple[int, str]]:
    """The fenced blocks of ``language`` in the page, with their line numbers."""
    return [
        (DOC.read_text(encoding="utf-8")[: match.start()].count("\n") + 1, match.group(1))
        for match in re.finditer(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
    ]


def test_the_tree_has_every_command() -> None:
    names = {name for name, _ in ALL_COMMANDS}
    expected = {"up", "up-by-one", "up-to", "down", "down-to", "redo", "reset", "status", "version",
                "create", "fix", "validate", "parse"}
    assert names == {f"migrate {n}" for n in expected} | {"setup", "alembic", "goose"}


@pytest.mark.parametrize(("name", "command"), ALL_COMMANDS, ids=[n for n, _ in ALL_COMMANDS])
def test_every_command_has_help_with_an_example_and_is_documented(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip().splitlines()[0], f"{name} has no help"
    assert re.search(rf"^Example: .*llm-proxy {re.escape(name)}\b", command.help, re.M), f"{name}: no example"
    assert re.search(rf"llm-proxy {re.escape(name)}(?![\w-])", DOC.read_text(encoding="utf-8")), (
        f"llm-proxy {name} is not documented in docs/migrations.md"
    )


@pytest.fixture
def docs_databases(postgres_url: str, mysql_url: str) -> Iterator[None]:
    """Empty ``llm_proxy_docs`` databases on both servers, held under a lock so concurrent runs take turns."""
    servers = [
        (make_url(postgres_url).set(database="postgres"), '"', "pg_advisory_lock(4242)", "pg_advisory_unlock(4242)"),
        (make_url(mysql_url).set(database=""), "`", "GET_LOCK('llm_proxy_docs', 300)", "RELEASE_LOCK('llm_proxy_docs')"),
    ]
    held = []
    try:
        for url, quote, lock, unlock in servers:
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            connection = engine.connect()
            held.append((engine, connection, quote, unlock))
            connection.execute(text(f"SELECT {lock}"))
            connection.execute(text(f"DROP DATABASE IF EXISTS {quote}{DOCS_DATABASE}{quote}"))
            connection.execute(text(f"CREATE DATABASE {quote}{DOCS_DATABASE}{quote}"))
        yield
    finally:
        for engine, connection, quote, unlock in held:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quote}{DOCS_DATABASE}{quote}"))
            connection.execute(text(f"SELECT {unlock}"))
            connection.close()
            engine.dispose()


def test_the_pages_blocks_run_as_written(docs_databases: None, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SELECTION_VARIABLES}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    script = ["set -euo pipefail"]
    for line, block in blocks("sh"):
        script += [f"echo '--- docs/migrations.md line {line}' >&2", block]
    shell = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False)
    assert shell.returncode == 0, shell.stderr[-3000:]
    assert (tmp_path / "migrations" / "00002_add_user_name.sql").exists()

    for line, block in blocks("python"):
        run = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, env=env,
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, f"docs/migrations.md line {line}:\n{run.stderr}"


def test_links_to_other_pages_resolve() -> None:
    links = re.findall(r"\]\(([^)#:]+\.md)\)", DOC.read_text(encoding="utf-8"))
    assert links and all((DOC.parent / link).is_file() for link in links), links
