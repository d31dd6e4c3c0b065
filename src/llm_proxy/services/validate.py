"""``validate``: every problem of a migrations folder, found without touching a database.

goose stops at the first bad file; CI wants the whole list in one run. Each problem is a
:class:`Finding` (data, never printed here) so the command line can render it as text or
JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from llm_proxy.format.grammar import Direction, parse_file
from llm_proxy.format.sources import MigrationFile, scan

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from llm_proxy.errors import ParseError

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where it is, what it is, how to fix it."""

    code: str
    message: str
    file: Path | None = None
    line: int | None = None
    hint: str | None = None
    severity: Severity = "error"
    direction: Direction | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file is not None else "<folder>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": str(self.file) if self.file is not None else None,
            "line": self.line,
            "direction": self.direction.value if self.direction else None,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What ``validate`` found in one folder."""

    folder: Path
    migrations: tuple[MigrationFile, ...]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def ok(self) -> bool:
        return not self.errors


def check_files(
    folder: Path | str,
    *,
    ignore: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Names, versions and the grammar of both directions of every file in ``folder``."""
    root = Path(folder)
    migrations, problems = scan(root, ignore=ignore)
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
        parsed = parse_file(migration.path, environ=environ)
        up, down = parsed.up_error, parsed.down_error
        if up is not None and down is not None and (up.line, up.problem) == (down.line, down.problem):
            findings.append(_from_parse_error(up, migration.path, None))
            continue
        for direction, error in ((Direction.UP, up), (Direction.DOWN, down)):
            if error is not None:
                findings.append(_from_parse_error(error, migration.path, direction))
    return ValidationReport(root, tuple(migrations), tuple(findings))


def _from_parse_error(error: ParseError, path: Path, direction: Direction | None) -> Finding:
    return Finding(
        "parse",
        error.problem,
        file=path,
        line=error.line,
        hint=error.hint,
        direction=direction,
    )
