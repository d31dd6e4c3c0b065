"""The errors users see.

Every failure a person can act on is a :class:`MigrationError`. Lower layers translate what
they catch (``OSError``, driver errors, Alembic's errors) into one of these with ``raise ...
from``, and only the command line turns them into a message and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MigrationError(Exception):
    """Base of every error this project reports to a user."""


class ParseError(MigrationError):
    """A migration file breaks the goose SQL grammar.

    Carries the file, the 1-based line number (``None`` when the problem is the file as a
    whole, such as a missing ``-- +goose Up``), the offending line's text, what is wrong and
    how to fix it, so that the message can point a person straight at the problem.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        text: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.line = line
        self.text = text
        self.hint = hint
        super().__init__(self.render())

    @property
    def where(self) -> str:
        """``file:line`` (or just the file) for the start of the message."""
        name = str(self.path) if self.path is not None else "<input>"
        return f"{name}:{self.line}" if self.line is not None else name

    def render(self) -> str:
        parts = [f"{self.where}: {self.problem}"]
        if self.text is not None:
            parts.append(f"    {self.line} | {self.text}" if self.line else f"    | {self.text}")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)

    def with_path(self, path: Path | str) -> ParseError:
        """The same error, attributed to ``path`` (the grammar does not know file names)."""
        return ParseError(self.problem, path=path, line=self.line, text=self.text, hint=self.hint)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Something wrong with one file (or the folder itself) of a migrations folder."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SourceError(MigrationError):
    """The migrations folder cannot be read as a list of migrations.

    Lists every problem found (bad names, duplicate versions, unreadable files), not just
    the first, so that one run tells a person everything to fix.
    """

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScaffoldError(MigrationError):
    """``create`` or ``fix`` cannot do what was asked without overwriting or losing a file."""
