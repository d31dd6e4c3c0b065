"""``validate``: every problem of a migrations folder, found without touching a database.

goose stops at the first bad file; CI wants the whole list in one run. The checks are steps
that each produce :class:`Finding` values (data, never printed here): file names and
versions, the grammar of both directions, the lints, and with a git reference the history
of the folder. A database round trip is meant to be one more such step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.format.grammar import Direction, parse_file
from llm_proxy.format.sources import MigrationFile, scan
from llm_proxy.services.findings import Finding
from llm_proxy.services.lint import DIALECTS, explain, lint_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    from llm_proxy.errors import ParseError
    from llm_proxy.format.grammar import ParsedSQL

__all__ = ["Finding", "ValidateOptions", "ValidationReport", "check_folder"]


@dataclass(frozen=True, slots=True)
class ValidateOptions:
    """What to check. Checked when built, so a bad value fails before any file is read.

    ``dialect`` turns on dialect-specific lints; ``lint`` False keeps only names and
    grammar; ``since`` is a git reference to compare the folder's history with.
    """

    ignore: tuple[str, ...] = ()
    dialect: str | None = None
    lint: bool = True
    since: str | None = None
    environ: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.dialect is not None and self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r}; expected one of {', '.join(DIALECTS)}")
        if self.since is not None and not self.since.strip():
            raise ValueError("since must name a git reference")

    @property
    def checks(self) -> tuple[str, ...]:
        """The names of the steps these options run, in order."""
        return ("files", *(["lint"] if self.lint else []), *(["history"] if self.since else []))


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What ``validate`` found in one folder."""

    folder: Path
    migrations: tuple[MigrationFile, ...]
    findings: tuple[Finding, ...] = field(default=())
    checks: tuple[str, ...] = ("files",)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def passed(self, *, strict: bool = False) -> bool:
        """No errors, and with ``strict`` no warnings either."""
        return self.ok and not (strict and self.warnings)


def check_folder(folder: Path | str, options: ValidateOptions | None = None) -> ValidationReport:
    """Names, versions, both directions of the grammar, lints and (with ``since``) history."""
    options = options or ValidateOptions()
    root = Path(folder)
    migrations, problems = scan(root, ignore=options.ignore)
    findings = [Finding("source", p.message, file=p.path) for p in problems]
    if not migrations and not findings:
        findings.append(
            Finding(
                "empty",
                "no migrations in the folder",
                file=root,
                hint="create one with 'llm-proxy migrate create NAME'",
            )
        )
    for migration in migrations:
        parsed = parse_file(migration.path, environ=options.environ)
        findings.extend(_grammar(migration.path, parsed, explained=options.lint))
        if options.lint:
            findings.extend(lint_file(migration.path, parsed, dialect=options.dialect))
    if options.since is not None:
        from llm_proxy.services.history import check_history

        findings.extend(check_history(root, options.since, migrations, ignore=options.ignore))
    return ValidationReport(root, tuple(migrations), tuple(findings), options.checks)


def _grammar(path: Path, parsed: ParsedSQL, *, explained: bool) -> list[Finding]:
    """The parse errors of both directions (one finding when both fail the same way)."""
    up, down = parsed.up_error, parsed.down_error
    if up is not None and down is not None and (up.line, up.problem) == (down.line, down.problem):
        return [_from_parse_error(up, path, None, explained)]
    return [
        _from_parse_error(error, path, direction, explained)
        for direction, error in ((Direction.UP, up), (Direction.DOWN, down))
        if error is not None
    ]


def _from_parse_error(error: ParseError, path: Path, direction: Direction | None, explained: bool) -> Finding:
    hint = error.hint
    if explained:
        hint = explain(error) or hint
    return Finding("parse", error.problem, file=path, line=error.line, hint=hint, direction=direction)
