"""``migrate status`` and ``migrate version`` answered before typer is imported.

Monitoring and people run these all day, and typer with pydantic takes longer to import
than everything else such a call does. When the command line is exactly one of these
commands with plain options (``--db``, ``--database-url``, ``--dir``, ``--table`` as
``--opt value`` or ``--opt=value``, and ``--json``, each at most once), it is read here and
printed by the same functions as the typer command (:mod:`llm_proxy.cli.reading`).
Anything else (``--help``, a typo, a repeated or empty option, both ``--db`` and
``--database-url``) goes to typer, whose messages and exit codes are the reference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.cli import flags
from llm_proxy.cli.output import print_error
from llm_proxy.cli.reading import show_status, show_version
from llm_proxy.errors import MigrationError
from llm_proxy.goose.table import DEFAULT_TABLE

if TYPE_CHECKING:
    from collections.abc import Sequence

_COMMANDS = {"status": show_status, "version": show_version}
_VALUED = (flags.DB, flags.DATABASE_URL, flags.DIR, flags.TABLE)


@dataclass(frozen=True, slots=True)
class _Options:
    """The database options as typer would have made them, environment defaults included."""

    db: Path | None
    database_url: str | None
    directory: Path | None
    table: str


def answer(argv: Sequence[str]) -> int | None:
    """The exit code of ``llm-proxy ARGV`` when it is a read-only command read here; None
    when typer must read it."""
    if len(argv) < 2 or argv[0] != "migrate" or argv[1] not in _COMMANDS:
        return None
    parsed = _parse(argv[2:])
    if parsed is None:
        return None
    options, json_output = parsed
    try:
        _COMMANDS[argv[1]](options, json_output)
    except MigrationError as exc:
        if os.environ.get(flags.TRACEBACK_VARIABLE):
            raise
        print_error(exc)
        return 1
    except SystemExit as exc:  # a --json failure document was printed
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _parse(args: Sequence[str]) -> tuple[_Options, bool] | None:
    values: dict[str, str] = {}
    json_output = False
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if arg == flags.JSON and not json_output:
            json_output = True
            continue
        name, equals, value = arg.partition("=")
        if name not in _VALUED or name in values:
            return None
        if not equals:
            if position == len(args):
                return None
            value = args[position]
            position += 1
        if not value or value.startswith("-"):
            return None
        values[name] = value
    if flags.DB in values and flags.DATABASE_URL in values:
        return None
    directory = values.get(flags.DIR) or os.environ.get(flags.DIR_VARIABLE) or None
    options = _Options(
        db=Path(values[flags.DB]) if flags.DB in values else None,
        database_url=values.get(flags.DATABASE_URL),
        directory=Path(directory) if directory else None,
        table=values.get(flags.TABLE) or os.environ.get(flags.TABLE_VARIABLE) or DEFAULT_TABLE,
    )
    return options, json_output
