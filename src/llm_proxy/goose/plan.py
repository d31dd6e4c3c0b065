"""goose's rules for choosing what a command runs, from the version table's state and the files.

Pure functions: no database, no Alembic, so every rule is testable on its own (spec §3, §4).
The steps they return are handed to Alembic's run loop as they are.

- The current version is the most recently inserted applied version, not the highest one:
  they differ after out-of-order applies, and ``down``/``redo`` act on the current one.
- A file is "missing" when it was never applied although a higher version was.
- Rollbacks go in the order the versions were applied, newest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.errors import MissingMigrationsError, TargetError, VersionTableError
from llm_proxy.format.direction import Direction
from llm_proxy.goose.results import PlannedStep, Status, StatusRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.goose.state import GooseState

UP, DOWN = Direction.UP, Direction.DOWN


def plan_up(
    state: GooseState,
    files: Sequence[MigrationFile],
    *,
    target: int | None = None,
    by_one: bool = False,
    allow_missing: bool = False,
) -> list[PlannedStep]:
    """``up``, ``up-to TARGET`` and ``up-by-one``: missing files first (when allowed), then new.

    Without ``allow_missing`` any missing file at or below the target is an error listing
    all of them, as in goose (which collects only the files up to the target).
    """
    highest = state.highest
    limit = target if target is not None else float("inf")
    pending = [f for f in files if not state.is_applied(f.version)]
    missing = [f for f in pending if f.version < highest and f.version <= limit]
    if missing and not allow_missing:
        raise MissingMigrationsError([(f.version, f.path) for f in missing], highest)
    chosen = [PlannedStep(f.version, UP, f.path) for f in pending if f.version <= limit]
    if by_one:
        if not chosen:
            raise TargetError(
                f"no next version: all {len(files)} migrations are applied "
                f"(current version {state.current})"
            )
        return chosen[:1]
    return chosen


def plan_down(state: GooseState, files: Sequence[MigrationFile], *, count: int = 1) -> list[PlannedStep]:
    """``down``: roll back the current version, ``count`` times, in application order."""
    if state.current == 0:
        raise TargetError("no migration to roll back: the database is at version 0")
    order = _rollbackable(state)
    if count > len(order):
        raise TargetError(
            f"cannot roll back {count} migrations: only {len(order)} are applied"
        )
    return _down_steps(order[:count], files)


def plan_down_to(state: GooseState, files: Sequence[MigrationFile], target: int) -> list[PlannedStep]:
    """``down-to TARGET``: roll back in application order until the current version <= TARGET."""
    if target < 0:
        raise TargetError(f"cannot roll back to version {target}: versions start at 0")
    versions = []
    for version in _rollbackable(state):
        if version <= target:
            break
        versions.append(version)
    return _down_steps(versions, files)


def plan_reset(state: GooseState, files: Sequence[MigrationFile], table: str) -> list[PlannedStep]:
    """``reset``: roll back every applied migration, most recently applied first."""
    if not state.table_exists:
        raise VersionTableError(
            f"nothing to reset: the database has no version table {table} "
            "(no migration was ever applied to it)"
        )
    return _down_steps(_rollbackable(state), files)


def plan_redo(state: GooseState, files: Sequence[MigrationFile]) -> list[PlannedStep]:
    """``redo``: roll back the current version, then apply it again."""
    [down] = plan_down(state, files)
    return [down, PlannedStep(down.version, UP, down.file)]


def plan_stamp(state: GooseState, files: Sequence[MigrationFile], target: int) -> list[PlannedStep]:
    """``alembic stamp TARGET``: make the table say "every file up to TARGET is applied".

    Rows of versions above the target are deleted (most recent first), rows for files up
    to the target are inserted (in version order); no SQL of the migrations runs.
    """
    by_version = {f.version: f.path for f in files}
    removals = [
        PlannedStep(v, DOWN, by_version.get(v), record_only=True) for v in _rollbackable(state) if v > target
    ]
    additions = [
        PlannedStep(f.version, UP, f.path, record_only=True)
        for f in files
        if f.version <= target and not state.is_applied(f.version)
    ]
    return removals + additions


def status(state: GooseState, files: Sequence[MigrationFile]) -> Status:
    """Every file and every applied version without a file, in version order."""
    by_version: dict[int, MigrationFile | None] = {f.version: f for f in files}
    for version in state.order:
        if version != 0:
            by_version.setdefault(version, None)
    rows = tuple(
        StatusRow(
            version,
            file.path if file is not None else None,
            state.applied_at.get(version),
            state.is_applied(version),
        )
        for version, file in sorted(by_version.items())
    )
    return Status(rows, state.current, state.table_exists)


def _rollbackable(state: GooseState) -> list[int]:
    """Applied versions in application order, newest first; version 0 is never rolled back."""
    return [v for v in state.order if v != 0]


def _down_steps(versions: Iterable[int], files: Sequence[MigrationFile]) -> list[PlannedStep]:
    by_version = {f.version: f.path for f in files}
    steps = []
    for version in versions:
        path = by_version.get(version)
        if path is None:
            raise TargetError(
                f"cannot roll back version {version}: it is applied in the database but no "
                "migration file in the folder has that version; restore the file (or remove "
                "the version's rows from the version table if its changes are gone)"
            )
        steps.append(PlannedStep(version, DOWN, path))
    return steps
