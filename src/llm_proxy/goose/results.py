"""What the migration commands return: plain data, rendered by the command line.

The library never prints; ``str()`` of each result is the one line goose would print for it,
so a caller that wants goose's output gets it without a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from llm_proxy.goose.markers import Marker
    from llm_proxy.format.direction import Direction


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One migration a command is about to run, in one direction.

    ``record_only`` steps change the version table without running SQL (``alembic stamp``);
    their ``file`` may be None for a version that exists only in the database. ``index``
    and ``total`` place the step in its run (step 3 of 10), for a progress display.
    """

    version: int
    direction: Direction
    file: Path | None
    record_only: bool = False
    index: int = 1
    total: int = 1

    def __str__(self) -> str:
        name = self.file.name if self.file is not None else f"version {self.version}"
        suffix = " (version row only)" if self.record_only else ""
        return f"{self.direction.value:<4} {name}{suffix}"


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """One migration that ran: which file, which way, how long, how many statements.

    ``statement_count`` is None for a Python revision (its ``op`` calls are not counted).
    """

    version: int
    file: Path
    direction: Direction
    duration: float
    statement_count: int | None

    @property
    def empty(self) -> bool:
        """True when a SQL migration had no statements (goose still records its version)."""
        return self.statement_count == 0

    def __str__(self) -> str:
        state = "EMPTY" if self.empty else "OK"
        return f"{state:<5} {self.file.name} ({self.duration * 1000:.2f}ms)"


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One version: its file (None when only the database knows it) and when it was applied.

    ``applied`` is separate from ``applied_at`` because goose's older tables allow a NULL
    timestamp on an applied row.
    """

    version: int
    file: Path | None
    applied_at: datetime | None
    applied: bool

    def __str__(self) -> str:
        if not self.applied:
            when = "Pending"
        elif self.applied_at is None:
            when = "Applied (no timestamp)"
        else:
            when = self.applied_at.strftime("%a %b %d %H:%M:%S %Y")
        name = self.file.name if self.file is not None else f"{self.version} (no migration file)"
        return f"{when:<24} -- {name}"


@dataclass(frozen=True, slots=True)
class Status:
    """Every version in the folder or the database, in version order, and the current one."""

    rows: tuple[StatusRow, ...]
    current_version: int
    table_exists: bool
    interrupted: tuple[Marker, ...] = ()
    """NO TRANSACTION migrations that started and never finished (the next run refuses)."""

    @property
    def missing(self) -> tuple[StatusRow, ...]:
        """Files never applied although a higher version is: what ``up`` refuses to skip."""
        highest = max((r.version for r in self.rows if r.applied), default=0)
        return tuple(r for r in self.rows if not r.applied and r.file is not None and r.version < highest)

    @property
    def database_only(self) -> tuple[StatusRow, ...]:
        """Applied versions that have no file in the folder (goose does not show these)."""
        return tuple(r for r in self.rows if r.file is None)
