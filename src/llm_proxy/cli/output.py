"""The one place that renders results: plain text for people, JSON for scripts.

Results and errors arrive as data from the library; nothing below the CLI prints. Human
messages about the run go to stderr (as goose does), results to stdout, and ``--json``
prints exactly one JSON document on stdout. Nothing here imports typer, so that the
read-only commands can answer without it (:mod:`llm_proxy.cli.quick`).
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from llm_proxy.errors import MigrationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


def print_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def json_failures(enabled: bool, details: Callable[[MigrationError], dict[str, object]] | None = None) -> Iterator[None]:
    """With ``--json`` (``enabled``), a MigrationError in the block becomes :func:`fail_json`.

    ``details`` gives the extra fields of the failure document from the error.
    """
    try:
        yield
    except MigrationError as exc:
        if enabled:
            fail_json(exc, **(details(exc) if details is not None else {}))
        raise


def fail_json(error: MigrationError, **fields: object) -> NoReturn:
    """With ``--json`` a failure is one document too: ``{"ok": false, ..., "error": "..."}``, exit 1."""
    print_json({"ok": False, **fields, "error": str(error)})
    raise SystemExit(1)


def print_error(exc: MigrationError) -> None:
    """An error for a person, on stderr."""
    sys.stderr.write(f"error: {exc}\n")


def say(message: str) -> None:
    """A line of progress or a result meant for a person (stdout)."""
    sys.stdout.write(f"{message}\n")


def note(message: str) -> None:
    """A side remark that must not mix into piped results (stderr)."""
    sys.stderr.write(f"{message}\n")
