"""The goose commands that need no database: ``init``, ``create``, ``fix``, ``env``,
``validate``, ``beta`` (goose runs them before it looks for a driver)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.cli.goose.flags import DEFAULT_DIR
from llm_proxy.cli.goose.gotext import go_quote, log_line
from llm_proxy.cli.goose.report import Fatal
from llm_proxy.cli.goose.usage import SUPPORTED_DRIVERS
from llm_proxy.errors import MigrationError
from llm_proxy.selection import mask_dbstring

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from llm_proxy.cli.goose.flags import Options
    from llm_proxy.format.sources import MigrationFile

    Command = Callable[[str, Sequence[str], Options, dict[str, str]], None]


def create(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``create NAME [sql|go]``: goose's default type is go, which cannot run here; ``py``
    (a Python revision) is this project's own addition."""
    from llm_proxy.format.scaffold import create as create_file

    if not args:
        raise Fatal("goose run: create must be of form: goose [OPTIONS] DRIVER DBSTRING create NAME [go|sql]")
    kind = args[1] if len(args) == 2 else "go"
    if kind == "go":
        raise Fatal(
            f"goose run: create {args[0]}: Go migrations cannot run here (llm-proxy runs SQL and Python "
            f"revisions); write 'create {args[0]} sql', or 'create {args[0]} py' for a Python revision "
            "(as llm-proxy migrate create --py)"
        )
    if kind not in ("sql", "py"):
        raise Fatal(f"goose run: unknown migration type {kind!r}; use sql, or py for a Python revision")
    try:
        path = create_file(folder, args[0], sequential=options.on("s"), python=kind == "py")
    except MigrationError as exc:
        raise Fatal(f"goose run: {exc}") from None
    log_line(f"Created new file: {path}")


def fix(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``fix``: timestamped files renamed to the next sequential versions."""
    from llm_proxy.format.scaffold import fix as fix_files

    try:
        renames = fix_files(folder)
    except MigrationError as exc:
        raise Fatal(f"goose run: {exc}") from None
    for rename in renames:
        log_line(str(rename))


def init(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``init``: a new folder (``migrations`` unless ``-dir`` names one) with a first migration."""
    target = "migrations" if folder in ("", DEFAULT_DIR) else folder
    if os.path.lexists(target):
        raise Fatal(f"goose run: directory already exists: {target}")
    Path(target).mkdir(parents=True)
    create(target, ["initial", "sql"], options, env)


def env_command(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``env``: each variable goose reads as ``NAME="value"`` (Go's ``%q``), on stdout;
    the password in ``GOOSE_DBSTRING`` is shown as ``***``."""
    for name, value in env.items():
        shown = mask_dbstring(value) if name == "GOOSE_DBSTRING" else value
        sys.stdout.write(f"{name}={go_quote(shown)}\n")


def validate(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``validate``: every file's name and both directions of its grammar, nothing run;
    silent when all is well, a table of the files with ``-v``."""
    from llm_proxy.services.validate import ValidateOptions, check_folder

    report = check_folder(folder, ValidateOptions(lint=False))
    errors = [f for f in report.errors if f.code != "empty"]
    if errors:
        raise Fatal("goose validate: " + "\n".join(str(f) for f in errors))
    if options.on("v"):
        _print_table(report.migrations)


def beta(folder: str, args: Sequence[str], options: Options, env: dict[str, str]) -> None:
    """``beta drivers``: the drivers this command line opens."""
    if not args:
        log_line("goose beta: missing subcommand")
        raise SystemExit(1)
    if args[0] == "drivers":
        sys.stdout.write("Available drivers:\n" + "".join(f"  {d}\n" for d in sorted(SUPPORTED_DRIVERS)))


def _print_table(migrations: Sequence[MigrationFile]) -> None:
    """goose's ``validate -v`` table (Go's tabwriter: each column as wide as its widest
    cell plus three spaces, every cell padded)."""
    from llm_proxy.format.grammar import parse_file

    rows = [("Type", "Txn", "Up", "Down", "Name"), ("────", "───", "──", "────", "────")]
    for migration in sorted(migrations, key=lambda m: m.path.name):
        if migration.is_python:
            rows.append(("py", "✔", "-", "-", migration.path.name))
            continue
        parsed = parse_file(migration.path)
        rows.append(
            (
                migration.path.suffix.lstrip("."),
                "✔" if parsed.use_transaction else "✘",
                str(len(parsed.up)),
                str(len(parsed.down)),
                migration.path.name,
            )
        )
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(5)]
    for row in rows:
        sys.stdout.write("".join(cell.ljust(width) for cell, width in zip(row, widths)) + "\n")


FILE_COMMANDS: dict[str, Command] = {
    "init": init,
    "create": create,
    "fix": fix,
    "env": env_command,
    "validate": validate,
    "beta": beta,
}
