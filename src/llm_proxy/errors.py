"""The errors users see.

Every failure a person can act on is a :class:`MigrationError`. Lower layers translate what
they catch (``OSError``, driver errors, Alembic's errors) into one of these with ``raise ...
from``, and only the command line turns them into a message and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from llm_proxy.goose.markers import Marker
    from llm_proxy.goose.results import MigrationResult, PlannedStep


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


class PythonRevisionError(MigrationError):
    """A Python revision file cannot be imported, or lacks the function a command needs."""

    def __init__(self, path: Path, line: int | None, problem: str, text: str | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        lines = [f"{where}: {problem}"]
        if text is not None and text.strip():
            lines.append(f"    {line} | {text.rstrip()}")
        lines.append("  nothing was changed: fix the file and run again")
        super().__init__("\n".join(lines))


class ScaffoldError(MigrationError):
    """``create`` or ``fix`` cannot do what was asked without overwriting or losing a file."""


class VersionTableError(MigrationError):
    """The goose version table cannot be used: a bad name, or it is missing or unreadable."""


class TargetError(MigrationError):
    """The command has nothing valid to act on (no next version, nothing to roll back, ...)."""


class MissingMigrationsError(TargetError):
    """Files older than the newest applied version were never applied (goose's "missing").

    Lists every one of them, as ``(version, file)`` pairs, so that the message tells a person
    exactly what is out of order.
    """

    def __init__(self, missing: list[tuple[int, Path]], highest: int) -> None:
        self.missing = list(missing)
        self.highest = highest
        files = "\n".join(f"  {version}: {path}" for version, path in self.missing)
        noun = "migration" if len(self.missing) == 1 else "migrations"
        super().__init__(
            f"found {len(self.missing)} missing (out-of-order) {noun} lower than the "
            f"highest applied version {highest}:\n{files}\n"
            "apply them with --allow-missing (they run first, in version order), "
            "or renumber them above the applied versions"
        )


@dataclass(frozen=True, slots=True)
class StatementRef:
    """One statement of a migration file, named by where it starts and its first line."""

    line: int
    first_line: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.first_line}"


_KEPT_SHOWN = 10
"""Kept statements a failure message lists one per line (a data migration may keep 200,000);
``MigrationFailed.kept`` holds them all."""


class MigrationFailed(MigrationError):
    """A statement of a migration failed on the database.

    Names the file, the direction, the failing statement (line and first line) and the
    database's own message; ``kept`` lists earlier statements whose effects stayed in the
    database (NO TRANSACTION migrations, MySQL's implicitly committed DDL), because that
    is what a person must clean up by hand. A Python revision cannot list its statements:
    ``kept_reason`` alone then says that some of them may have stayed.
    """

    def __init__(
        self,
        *,
        path: Path,
        direction: str,
        statement: StatementRef,
        database_message: str,
        kept: tuple[StatementRef, ...] = (),
        kept_reason: str = "",
    ) -> None:
        self.path = path
        self.direction = direction
        self.statement = statement
        self.database_message = database_message
        self.kept = kept
        lines = [
            f"{path}:{statement.line}: migrating {direction} failed",
            f"    {statement.line} | {statement.first_line}",
            f"  database says: {database_message}",
        ]
        if kept:
            lines.append(f"  {kept_reason}, so these statements stay applied and could not be rolled back:")
            shown = kept if len(kept) <= _KEPT_SHOWN else kept[: _KEPT_SHOWN - 1]
            lines.extend(f"    {ref}" for ref in shown)
            if len(shown) < len(kept):
                lines.append(f"    ... {len(kept) - len(shown)} more, the last of them {kept[-1]}")
            lines.append("  the version was not recorded: undo them by hand, or make the migration safe to re-run")
        elif kept_reason:
            lines.append(f"  {kept_reason}, so what ran before this line may stay applied")
            lines.append("  the version was not recorded: check the database, or make the migration safe to re-run")
        else:
            lines.append("  the migration was rolled back: nothing of it stays applied and the version was not recorded")
        super().__init__("\n".join(lines))


class DatabaseError(MigrationError):
    """The database cannot be reached or read (connection refused, no such database, ...)."""


class InterruptedMigration(MigrationError):
    """A NO TRANSACTION migration was interrupted; running on needs a person's decision.

    ``manual_delete`` is the SQL that drops the markers once a person has repaired the
    database by hand; ``resume_option`` the command-line option that runs them again.
    """

    def __init__(self, markers: Sequence[Marker], manual_delete: str, resume_option: str) -> None:
        self.markers = list(markers)
        lines = [
            f"{m.file} (version {m.version}, {m.direction}) is a NO TRANSACTION migration that was "
            f"interrupted: it started at {m.started} (by {m.holder}) and never finished, so some of "
            "its statements may be applied although the version table says it is not."
            for m in markers
        ]
        lines += [
            "Nothing was changed. To go on, either:",
            "  - make its statements safe to run twice (CREATE INDEX CONCURRENTLY IF NOT EXISTS, ...) "
            f"and run again with {resume_option} (migrate up, up-by-one, up-to; "
            "resume_interrupted=True for any Migrator command); or",
            "  - undo (or finish) what it applied by hand, then delete the marker so that the "
            "migration runs normally:",
            f"      {manual_delete}",
        ]
        super().__init__("\n".join(lines))


class PartialMigrationError(MigrationError):
    """A run stopped at a failing migration: goose's PartialError, as a value.

    ``applied`` are the migrations that ran and were committed before it, ``failed`` the
    step that failed, ``cause`` the error itself, whose message this one repeats. Errors
    before the first step (a lock timeout, a parse error) are raised as they are.
    """

    def __init__(
        self, applied: Sequence[MigrationResult], failed: PlannedStep, cause: MigrationError
    ) -> None:
        self.applied = tuple(applied)
        self.failed = failed
        self.cause = cause
        super().__init__(str(cause))


class DatabaseSelectionError(MigrationError):
    """The settings do not name a database this package can open."""


class OptionError(MigrationError, ValueError):
    """An option of the library is out of range or conflicts with another.

    Also a ``ValueError``, as the options' checks raised before, so that callers catching
    that keep working.
    """


class LockOptionsError(OptionError):
    """A lock setting is out of range (a negative timeout, ...)."""


class LockTimeoutError(MigrationError):
    """The migration lock was not free within the timeout."""


class AlembicCommandError(MigrationError):
    """Alembic refused the command (an unknown revision, a bad range, ...)."""


class StartupError(MigrationError):
    """The database could not be opened or migrated; the server must not start."""


class HistoryError(MigrationError):
    """git cannot tell the folder's history: not a repository, unknown reference, no git."""


class ConfigError(MigrationError):
    """The configuration cannot be written as asked."""


class ReadOnlyDatabaseError(DatabaseError):
    """The database only accepts reads: a standby, a read-only server or session, a read-only file.

    Raised before anything is attempted (no lock, no version table), because migrating a
    replica is a misconfiguration: its primary must be migrated, and the replica follows.
    ``reason`` is what makes it read-only, in the database's own terms.
    """

    def __init__(self, display: str, reason: str, remedy: str) -> None:
        self.reason = reason
        super().__init__(f"{display}: {reason}; {remedy}. Nothing was changed")


class LockModeError(OptionError):
    """A lock mode the database does not have (``transaction`` or ``table`` off PostgreSQL)."""


class ConnectionPoolerError(MigrationError):
    """The migration lock cannot work through the connection pooler in front of PostgreSQL.

    A session advisory lock behind a pooler in transaction mode (PgBouncer) would exclude
    nobody and stay behind on a pooled server connection; the message names the server
    connection, and the lock modes that work there.
    """


class LockLostError(MigrationError):
    """The migration lock ended before the run did, so other migrators may have run too."""
