"""goose's rules for the version table and for choosing steps, without a database (spec §3, §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_proxy.errors import MissingMigrationsError, TargetError, VersionTableError
from llm_proxy.format.direction import Direction
from llm_proxy.format.sources import MigrationFile
from llm_proxy.goose import plan
from llm_proxy.goose.state import GooseState, VersionRow

UP, DOWN = Direction.UP, Direction.DOWN


def state(*rows: tuple[int, bool]) -> GooseState:
    """The state of a table whose rows were inserted in this order."""
    return GooseState.from_rows(VersionRow(i, v, a, None) for i, (v, a) in enumerate(rows, 1))


def files(*versions: int) -> list[MigrationFile]:
    return [MigrationFile(v, Path(f"{v:05d}_m.sql")) for v in versions]


def steps(planned) -> list[tuple[int, str]]:
    return [(s.version, s.direction.value) for s in planned]


def test_the_newest_row_of_a_version_decides():
    s = state((0, True), (1, True), (2, True), (2, False), (3, True))
    assert not s.is_applied(2)
    assert s.order == (3, 1, 0)
    assert s.current == 3


def test_a_version_applied_again_after_a_false_row_is_applied():
    s = state((0, True), (1, True), (1, False), (1, True))
    assert s.is_applied(1) and s.current == 1


def test_current_is_the_latest_insert_not_the_highest_version():
    s = state((0, True), (1, True), (5, True), (3, True))
    assert (s.current, s.highest) == (3, 5)


def test_no_rows_is_version_zero():
    assert state().current == 0
    assert GooseState(False, (), {}).current == 0


def test_up_refuses_missing_versions_and_lists_them_all():
    with pytest.raises(MissingMigrationsError) as refused:
        plan.plan_up(state((0, True), (1, True), (4, True)), files(1, 2, 3, 4, 5))
    assert [v for v, _ in refused.value.missing] == [2, 3]
    assert refused.value.highest == 4


def test_up_to_only_counts_missing_files_up_to_its_target():
    applied = state((0, True), (1, True), (5, True))
    assert steps(plan.plan_up(applied, files(1, 2, 3, 5, 6), target=1)) == []
    with pytest.raises(MissingMigrationsError) as refused:
        plan.plan_up(applied, files(1, 2, 3, 5, 6), target=2)
    assert [v for v, _ in refused.value.missing] == [2]


def test_allow_missing_applies_missing_first_then_new():
    planned = plan.plan_up(state((0, True), (1, True), (4, True)), files(1, 2, 3, 4, 5), allow_missing=True)
    assert steps(planned) == [(2, "up"), (3, "up"), (5, "up")]


def test_up_to_takes_the_versions_at_or_below_the_target():
    planned = plan.plan_up(state((0, True)), files(1, 3, 20240101000000), target=20240101)
    assert steps(planned) == [(1, "up"), (3, "up")]


def test_up_by_one_takes_one_and_errors_when_none_is_left():
    assert steps(plan.plan_up(state((0, True)), files(1, 2), by_one=True)) == [(1, "up")]
    with pytest.raises(TargetError, match="no next version"):
        plan.plan_up(state((0, True), (1, True)), files(1), by_one=True)


def test_down_acts_on_the_current_version():
    assert steps(plan.plan_down(state((0, True), (1, True), (5, True), (3, True)), files(1, 3, 5))) == [(3, "down")]


def test_down_at_version_zero_or_without_a_file_is_an_error():
    with pytest.raises(TargetError, match="version 0"):
        plan.plan_down(state((0, True)), files(1))
    with pytest.raises(TargetError, match="no migration file"):
        plan.plan_down(state((0, True), (7, True)), files(1))


def test_down_to_walks_application_order_until_current_is_at_or_below_target():
    s = state((0, True), (1, True), (2, True), (5, True), (3, True))
    assert steps(plan.plan_down_to(s, files(1, 2, 3, 5), 1)) == [(3, "down"), (5, "down"), (2, "down")]
    assert steps(plan.plan_down_to(s, files(1, 2, 3, 5), 4)) == []  # current 3 is already <= 4, as in goose
    with pytest.raises(TargetError):
        plan.plan_down_to(s, files(1), -1)


def test_reset_needs_the_table_and_every_file_before_anything_runs():
    with pytest.raises(VersionTableError, match="nothing to reset"):
        plan.plan_reset(GooseState(False, (), {}), files(1), "goose_db_version")
    with pytest.raises(TargetError, match="version 9"):
        plan.plan_reset(state((0, True), (1, True), (9, True)), files(1), "goose_db_version")


def test_redo_is_down_then_up_of_the_current_version():
    assert steps(plan.plan_redo(state((0, True), (1, True), (2, True)), files(1, 2))) == [(2, "down"), (2, "up")]


def test_stamp_removes_rows_above_and_adds_rows_up_to_the_target():
    s = state((0, True), (1, True), (4, True), (9, True))
    planned = plan.plan_stamp(s, files(1, 2, 3, 4), 3)
    assert steps(planned) == [(9, "down"), (4, "down"), (2, "up"), (3, "up")]
    assert all(step.record_only for step in planned)


def test_status_lists_files_and_database_only_versions():
    status = plan.status(state((0, True), (1, True), (3, True), (8, True)), files(1, 2, 3))
    assert [(r.version, r.file is not None, r.applied) for r in status.rows] == [
        (1, True, True),
        (2, True, False),
        (3, True, True),
        (8, False, True),
    ]
    assert status.current_version == 8
    assert [r.version for r in status.missing] == [2]
    assert [r.version for r in status.database_only] == [8]
    assert "no migration file" in str(status.rows[-1])


def test_prefix_state_is_every_file_up_to_the_head():
    s = GooseState.prefix(files(1, 2, 3), 2)
    assert (s.current, s.order) == (2, (2, 1, 0))
