"""Lints: migrations that goose accepts but that will not do what their author meant.

Each lint has a stable id (``LP101``...), a default severity, a file and line, a message and
a hint (see :mod:`llm_proxy.services.lint.rules`). A migration silences lints for itself with
a comment line such as ``-- llm-proxy: ignore LP201 LP203`` (never with ``+goose`` in it,
which goose would read as an annotation). Lints read the statements the grammar produced,
so a direction that does not parse is left to its parse error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.dialects import DIALECTS
from llm_proxy.errors import OptionError
from llm_proxy.services.lint import ddl, sections, splitting, transactions
from llm_proxy.services.lint.rules import RULES, UNKNOWN_ID
from llm_proxy.services.lint.source import read_source
from llm_proxy.services.lint.splitting import explain

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.format.grammar import ParsedSQL
    from llm_proxy.services.findings import Finding

_CHECKS = (splitting.check, ddl.check, transactions.check, sections.check)

__all__ = ["RULES", "explain", "lint_file"]


def lint_file(path: Path, parsed: ParsedSQL, *, dialect: str | None = None) -> list[Finding]:
    """Every lint finding of one parsed migration file, minus the ones it silences.

    ``dialect`` (one of :data:`DIALECTS`) turns on dialect-specific lints; without it only
    the ones that are unambiguous for every dialect run.
    """
    if dialect is not None and dialect not in DIALECTS:
        raise OptionError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    source = read_source(path, parsed, dialect)
    if source is None:
        return []
    found = [f for check in _CHECKS for f in check(source) if f.code not in source.ignored]
    found.extend(
        UNKNOWN_ID.finding(path, line, f"{name!r} in the ignore comment is not a lint id")
        for name, line in source.ignored.items()
        if name not in RULES
    )
    return sorted(found, key=lambda f: (f.line or 0, f.code))
