"""``migrate`` commands that work on migration files alone: parse, create, fix.

They never open a database, so they are safe anywhere, including CI jobs and pre-commit
hooks with no database at hand.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from llm_proxy.cli.options import EditDir, JsonOutput
from llm_proxy.cli.output import note, print_json, say


class DirectionChoice(str, enum.Enum):
    up = "up"
    down = "down"
    both = "both"


def parse(
    file: Annotated[Path, typer.Argument(help="The migration file to parse.", show_default=False)],
    direction: Annotated[
        DirectionChoice, typer.Option("--direction", "-d", help="Which section(s) to show.")
    ] = DirectionChoice.both,
    json_output: JsonOutput = False,
) -> None:
    """Show how a migration file will be executed: its statements, in order.

    Each statement is one unit sent to the database, exactly as goose would send it, and
    the header says whether the file runs in a transaction. ENVSUB reads the process
    environment.

    Example: llm-proxy migrate parse migrations/00001_init.sql --direction up
    """
    from llm_proxy.format.direction import Direction
    from llm_proxy.format.grammar import parse_file
    from llm_proxy.format.sources import BadFileName, parse_version

    try:
        version: int | None = parse_version(file.name)
    except BadFileName:
        version = None
    parsed = parse_file(file)
    wanted = [Direction.UP, Direction.DOWN] if direction is DirectionChoice.both else [Direction(direction.value)]
    error = next((parsed.error(d) for d in wanted if parsed.error(d) is not None), None)
    if error is not None:
        if json_output:
            message = f"{error.problem}; {error.hint}" if error.hint else error.problem
            print_json({"file": str(file), "error": message, "line": error.line})
        else:
            note(f"error: {error}")
        raise typer.Exit(code=1)
    if json_output:
        document: dict[str, object] = {
            "file": str(file),
            "version": version,
            "use_transaction": parsed.use_transaction,
        }
        for d in wanted:
            document[d.value] = [s.text for s in parsed.statements(d)]
        print_json(document)
        return
    mode = "in a transaction" if parsed.use_transaction else "without a transaction (NO TRANSACTION)"
    say(f"-- {file}: version {version if version is not None else '?'}, runs {mode}")
    for d in wanted:
        statements = parsed.statements(d)
        say(f"-- {d.value}: {len(statements)} statement{'s' if len(statements) != 1 else ''}")
        for number, statement in enumerate(statements, 1):
            say(f"-- [{d.value} {number}] line {statement.line}")
            say(statement.text if statement.text else "-- (empty statement: a no-op)")


def create(
    name: Annotated[str, typer.Argument(help="What the migration does, e.g. add_users_table.", show_default=False)],
    kind: Annotated[str, typer.Argument(metavar="[sql|py]", help="Migration type: sql (goose SQL) or py (a Python revision).")] = "sql",
    python: Annotated[bool, typer.Option("--py", help="Write a Python revision (upgrade()/downgrade() with Alembic's op); the same as the type py.")] = False,
    sequential: Annotated[
        bool,
        typer.Option("--sequential", "-s", help="Number it after the last sequential version (00001, 00002, ...)."),
    ] = False,
    directory: EditDir = Path("."),
) -> None:
    """Create a new migration file from the goose SQL template, or a Python revision (--py).

    The version is the current UTC time (YYYYMMDDhhmmss), or with --sequential the next
    sequential number. Never overwrites a file. Python revisions share the version sequence
    with the SQL files; the goose binary ignores them.

    Example: llm-proxy migrate create add_users_table --sequential --dir migrations
    """
    from llm_proxy.format.scaffold import create as create_file

    if kind not in ("sql", "py"):
        raise typer.BadParameter(f"unknown migration type {kind!r}; use sql or py", param_hint="[sql|py]")
    path = create_file(directory, name, sequential=sequential, python=python or kind == "py")
    say(f"Created new file: {path}")


def fix(directory: EditDir = Path(".")) -> None:
    """Rename timestamped migrations to sequential versions, in order.

    For a branch about to be merged: its files get the numbers after the highest sequential
    version. Every target is checked first; nothing is renamed if any would be overwritten.
    Do not fix files that are already applied to a database (their version would change).

    Example: llm-proxy migrate fix --dir migrations
    """
    from llm_proxy.format.scaffold import fix as fix_files

    renames = fix_files(directory)
    for rename in renames:
        say(str(rename))
    if not renames:
        note("no timestamped migrations to rename")
