"""How goose reports: Go's logger lines on stderr, and ``log.Fatalf`` as an exception that
:func:`llm_proxy.cli.goose.main.main` turns into the logged message and exit code 1."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from llm_proxy.cli.goose.gotext import goose_duration

from llm_proxy.errors import MigrationFailed, MissingMigrationsError, PartialMigrationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from llm_proxy.errors import MigrationError
    from llm_proxy.goose.results import MigrationResult

_INT64 = re.compile(r"[+-]?[0-9]+")


class Fatal(Exception):
    """goose's ``log.Fatalf``: the message is logged and the exit code is 1."""


def run_error(exc: MigrationError) -> Fatal:
    """``goose run: ...`` for a library error, in goose's words where scripts look for them
    (missing migrations, a failing migration's file), else ours."""
    cause = exc.cause if isinstance(exc, PartialMigrationError) else exc
    if isinstance(cause, MissingMigrationsError):
        listed = "\n\t".join(f"version {version}: {path}" for version, path in cause.missing)
        text = f"error: found {len(cause.missing)} missing migrations before current version {cause.highest}:\n\t{listed}"
    elif isinstance(cause, MigrationFailed):
        text = f"ERROR {cause.path.name}: failed to run SQL migration: {cause}"
    else:
        text = str(cause)
    return Fatal(f"goose run: {text}")


def parse_version(command: str, args: Sequence[str]) -> int:
    """The VERSION of ``up-to``/``down-to``, as goose's ``strconv.ParseInt`` reads it."""
    if not args:
        raise Fatal(f"goose run: {command} must be of form: goose [OPTIONS] DRIVER DBSTRING {command} VERSION")
    text = args[0]
    if not _INT64.fullmatch(text) or not -(2**63) <= int(text) < 2**63:
        raise Fatal(f"goose run: version must be a number (got '{text}')")
    return int(text)


def ok_line(result: MigrationResult) -> str:
    """``OK   00001_x.sql (12.34ms)``, or ``EMPTY`` for a file without statements."""
    state = "EMPTY " if result.empty else "OK   "
    return f"{state}{result.file.name} ({goose_duration(result.duration)})"
