"""What goose's version table says: its rows, and the state goose reads from them (spec §3).

- For each version the NEWEST row (highest id) decides whether it is applied; older goose
  wrote ``is_applied=false`` rows instead of deleting.
- The current version is the most recently inserted applied version, not the highest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from llm_proxy.format.sources import MigrationFile


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One row of goose's version table."""

    id: int
    version: int
    applied: bool
    tstamp: datetime | None


@dataclass(frozen=True, slots=True)
class GooseState:
    """What the version table says: applied versions, newest application first."""

    table_exists: bool
    order: tuple[int, ...]
    applied_at: Mapping[int, datetime | None]

    @classmethod
    def from_rows(cls, rows: Iterable[VersionRow], *, table_exists: bool = True) -> GooseState:
        seen: set[int] = set()
        order: list[int] = []
        applied_at: dict[int, datetime | None] = {}
        for row in sorted(rows, key=lambda r: r.id, reverse=True):
            if row.version in seen:
                continue
            seen.add(row.version)
            if row.applied:
                order.append(row.version)
                applied_at[row.version] = row.tstamp
        return cls(table_exists, tuple(order), applied_at)

    @classmethod
    def absent(cls) -> GooseState:
        """No version table: nothing applied."""
        return cls(False, (), {})

    @classmethod
    def prefix(cls, files: Sequence[MigrationFile], head: int) -> GooseState:
        """The state after applying every file up to ``head`` in order (offline scripts)."""
        versions = [0, *(f.version for f in files if f.version <= head)]
        return cls(True, tuple(reversed(versions)), dict.fromkeys(versions))

    @property
    def current(self) -> int:
        """goose's current version: the most recently applied one (0 when none)."""
        return self.order[0] if self.order else 0

    @property
    def highest(self) -> int:
        return max(self.order, default=0)

    def is_applied(self, version: int) -> bool:
        return version in self.applied_at


def state_from_rows(rows: Iterable[Sequence[Any]]) -> GooseState:
    """The state from the rows of :meth:`VersionTable.select`, as any driver returns them."""
    return GooseState.from_rows(
        VersionRow(int(row[0]), int(row[1]), bool(row[2]), _timestamp(row[3])) for row in rows
    )


def _timestamp(value: object) -> datetime | None:
    """SQLite returns the ``datetime('now')`` text as it is; the servers return datetimes."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
