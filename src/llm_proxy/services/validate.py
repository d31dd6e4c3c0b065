"""``validate``: every problem of a migrations folder, in one run.

goose stops at the first bad file; CI wants the whole list in one run. The checks are steps
that each produce :class:`Finding` values (data, never printed here): file names and
versions, the grammar of both directions, the lints, with a git reference the history of
the folder, and with ``roundtrip`` each migration applied, rolled back and applied again on
a scratch database (:mod:`llm_proxy.services.roundtrip`). Only that last step touches a
database, and never one that exists before the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.dialects import DIALECTS
from llm_proxy.errors import OptionError
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file
from llm_proxy.format.sources import MigrationFile, scan
from llm_proxy.services.findings import Finding
from llm_proxy.services.lint import explain, lint_file

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from llm_proxy.errors import ParseError
    from llm_proxy.format.grammar import ParsedSQL
    from llm_proxy.services.roundtrip import RoundTrip

__all__ = ["Finding", "ValidateOptions", "ValidationReport", "check_folder"]


@dataclass(frozen=True, slots=True)
class ValidateOptions:
    """What to check. Checked when built, so a bad value fails before any file is read.

    ``dialect`` turns on dialect-specific lints; ``lint`` False keeps only names and
    grammar; ``since`` is a git reference to compare the folder's history with.
    ``roundtrip`` runs every migration up, down and up again: on a temporary SQLite file, or
    with ``database_url`` (PostgreSQL, MySQL) in a scratch database on that server, whose
    dialect then also picks the lints. A SQLite round trip of migrations written for another
    ``dialect`` would only fail on their SQL, so without a URL it runs for SQLite only.
    """

    ignore: tuple[str, ...] = ()
    dialect: str | None = None
    lint: bool = True
    since: str | None = None
    environ: Mapping[str, str] | None = None
    roundtrip: bool = False
    database_url: str | None = None

    def __post_init__(self) -> None:
        if self.dialect is not None and self.dialect not in DIALECTS:
            raise OptionError(f"unknown dialect {self.dialect!r}; expected one of {', '.join(DIALECTS)}")
        if self.since is not None and not self.since.strip():
            raise OptionError("since must name a git reference")
        if self.database_url is not None:
            if not self.roundtrip:
                raise OptionError("database_url is where the round trip runs; it needs roundtrip=True")
            from llm_proxy.selection import from_url

            server = from_url(self.database_url).dialect
            if server == "sqlite":
                raise OptionError(
                    "database_url: the round trip on SQLite always uses a temporary file; "
                    "give a PostgreSQL or MySQL URL, or none"
                )
            if self.dialect is not None and self.dialect != server:
                raise OptionError(f"dialect {self.dialect!r} conflicts with database_url, a {server} database")

    @property
    def lint_dialect(self) -> str | None:
        """The dialect whose lints run: the one named, else the round trip's server."""
        if self.dialect is None and self.database_url is not None:
            from llm_proxy.selection import from_url

            return from_url(self.database_url).dialect
        return self.dialect

    @property
    def roundtrip_dialect(self) -> str | None:
        """Where the round trip runs (None: it does not run)."""
        if not self.roundtrip:
            return None
        if self.database_url is not None:
            return self.lint_dialect
        return "sqlite" if self.dialect in (None, "sqlite") else None

    @property
    def checks(self) -> tuple[str, ...]:
        """The names of the steps these options run, in order."""
        return (
            "files",
            *(["lint"] if self.lint else []),
            *(["history"] if self.since else []),
            *(["roundtrip"] if self.roundtrip_dialect else []),
        )


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What ``validate`` found in one folder."""

    folder: Path
    migrations: tuple[MigrationFile, ...]
    findings: tuple[Finding, ...] = field(default=())
    checks: tuple[str, ...] = ("files",)
    roundtrip: RoundTrip | None = None

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
    """Names, versions, both directions of the grammar, lints, history and the round trip."""
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
    runnable = None if problems else len(migrations)
    for index, migration in enumerate(migrations):
        if migration.is_python:
            grammar = _python(migration.path)
        else:
            parsed = parse_file(migration.path, environ=options.environ)
            grammar = _grammar(migration.path, parsed, explained=options.lint)
            if options.lint:
                findings.extend(lint_file(migration.path, parsed, dialect=options.lint_dialect))
        if grammar and runnable is not None:
            runnable = min(runnable, index)
        findings.extend(grammar)
    if options.since is not None:
        from llm_proxy.services.history import check_history

        findings.extend(check_history(root, options.since, migrations, ignore=options.ignore))
    summary = None
    if options.roundtrip_dialect is not None and runnable is not None:
        summary, found = _round_trip(migrations, runnable, options.database_url)
        findings.extend(found)
    checks = tuple(c for c in options.checks if c != "roundtrip" or summary is not None)
    return ValidationReport(root, tuple(migrations), tuple(findings), checks, summary)


def _round_trip(
    migrations: Sequence[MigrationFile], runnable: int, database_url: str | None
) -> tuple[RoundTrip, list[Finding]]:
    """The round trip of the migrations before the first one that does not parse."""
    from dataclasses import replace

    from llm_proxy.services.roundtrip import round_trip

    summary, findings = round_trip(migrations[:runnable], database_url=database_url)
    if runnable < len(migrations) and summary.stopped is None:
        summary = replace(summary, total=len(migrations), stopped=migrations[runnable].filename)
    return summary, findings


def _python(path: Path) -> list[Finding]:
    """A Python revision must compile and define ``upgrade()`` at its top level.

    The module is read, not imported: validating a folder runs none of its code (the round
    trip does, on a scratch database). The SQL lints do not apply to Python.
    """
    import ast

    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return [Finding("parse", f"not valid Python: {exc.msg}", file=path, line=exc.lineno, hint="fix the syntax")]
    except OSError as exc:
        return [Finding("parse", f"cannot read the file: {exc.strerror or exc}", file=path)]
    functions = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if "upgrade" not in functions:
        return [
            Finding(
                "parse",
                "a Python revision must define upgrade() at its top level",
                file=path,
                hint="add 'def upgrade() -> None:' with its op.* calls (and downgrade() to undo them)",
            )
        ]
    return []


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
