"""migrate_each / status_each on real fleets: every good database reaches the head with goose's
rows, a broken one is its own outcome, and worker processes change nothing but the speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.databases import probing, read_version_ids
from support.fleet import GOOSE_ROWS, HEAD, SECRET, make_fleet  # noqa: F401  (make_fleet is a fixture)
from support.migrations import BASE, write_migrations

from llm_proxy.api import MigratorOptions, UpOutcome, migrate_each, read_databases, status_each
from llm_proxy.errors import MigrationError
from llm_proxy.selection import mask_password, sqlite_target

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.fleet import Fleet


def shape(fleet: Fleet, outcomes: list[UpOutcome]) -> list[tuple[str, int | None, int | None, list[int], bool]]:
    """What a run did, without names or timings: comparable between two fleets of one shape."""
    kinds = {fleet.broken: "broken", fleet.unreachable: "unreachable"}
    return [
        (kinds.get(url, url.split(":", 1)[0]), o.before, o.after, [r.version for r in o.applied], o.error is not None)
        for url, o in zip(fleet.listed, outcomes, strict=True)
    ]


def assert_migrated(fleet: Fleet, outcomes: list[UpOutcome]) -> None:
    assert [o.database for o in outcomes] == [mask_password(url) for url in fleet.listed]  # input order
    for url in fleet.good:
        outcome = outcomes[fleet.index(url)]
        assert (outcome.before, outcome.after, outcome.error) == (0, HEAD, None), outcome
        assert [r.version for r in outcome.applied] == list(range(1, HEAD + 1))
        with probing(url) as db:
            assert db.rows() == GOOSE_ROWS
    broken = outcomes[fleet.index(fleet.broken)]
    assert broken.error is not None and "00001_initial_schema.sql" in broken.error and "name" in broken.error
    assert (broken.before, broken.after, broken.applied) == (0, 0, ())
    assert read_version_ids(fleet.broken) == [0]  # the failing migration was rolled back
    unreachable = outcomes[fleet.index(fleet.unreachable)]
    assert unreachable.error is not None and "lp_test_no_such_database" in unreachable.error
    assert (unreachable.before, unreachable.after) == (None, None)
    assert all(SECRET not in o.database + (o.error or "") for o in outcomes)


@pytest.mark.postgres
@pytest.mark.mysql
def test_worker_processes_migrate_a_mixed_fleet_exactly_as_one_process_does(make_fleet: Callable[..., Fleet]) -> None:
    in_process, in_workers = make_fleet("one"), make_fleet("four")
    finished: list[int] = []
    one = migrate_each(read_databases(in_process.list_file), parallel=1)
    four = migrate_each(read_databases(in_workers.list_file), parallel=4, on_outcome=lambda i, _: finished.append(i))
    assert_migrated(in_process, one)
    assert_migrated(in_workers, four)
    assert shape(in_process, one) == shape(in_workers, four)
    assert sorted(finished) == list(range(len(in_workers.listed)))

    statuses = status_each(read_databases(in_workers.list_file), parallel=4)
    by_url = dict(zip(in_workers.listed, statuses, strict=True))
    for url in in_workers.good:
        s = by_url[url]
        assert (s.current, s.pending, s.missing, s.database_only, s.interrupted, s.error) == (HEAD, 0, 0, 0, 0, None)
    assert (by_url[in_workers.broken].current, by_url[in_workers.broken].pending) == (0, HEAD)
    assert by_url[in_workers.unreachable].error is not None and by_url[in_workers.unreachable].current is None


def test_a_run_that_fails_part_way_keeps_what_it_committed(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE, "00002_t.sql": ("CREATE TABLE t (x integer);", "DROP TABLE t;")})
    good, clashing = tmp_path / "good.db", tmp_path / "clashing.db"
    with probing(f"sqlite:///{clashing}") as db:
        db.execute("CREATE TABLE t (y integer)")
    outcomes = migrate_each([sqlite_target(good), sqlite_target(clashing)], MigratorOptions(folder))
    assert [(o.before, o.after, [r.version for r in o.applied]) for o in outcomes] == [(0, 2, [1, 2]), (0, 1, [1])]
    assert outcomes[0].error is None
    assert outcomes[1].error is not None and "00002_t.sql" in outcomes[1].error
    assert read_version_ids(f"sqlite:///{clashing}") == [0, 1]


def test_a_second_run_has_nothing_to_do(tmp_path: Path) -> None:
    targets = [sqlite_target(tmp_path / f"{n}.db") for n in range(3)]
    migrate_each(targets)
    again = migrate_each(targets, parallel=2)
    assert [(o.before, o.after, o.applied, o.error) for o in again] == [(HEAD, HEAD, (), None)] * 3


def test_options_no_database_could_use_fail_before_any_is_touched(tmp_path: Path) -> None:
    targets = [sqlite_target(tmp_path / "a.db"), sqlite_target(tmp_path / "b.db")]
    with pytest.raises(MigrationError, match="does not exist"):
        migrate_each(targets, MigratorOptions(tmp_path / "nowhere"), parallel=2)
    with pytest.raises(MigrationError, match="parallel=0"):
        migrate_each(targets, parallel=0)
    with pytest.raises(MigrationError):
        MigratorOptions(table="not a table")
    with pytest.raises(MigrationError, match="cannot be negative"):
        MigratorOptions(lock_timeout=-1)
    assert list(tmp_path.iterdir()) == []


def test_a_worker_that_dies_is_that_databases_outcome(tmp_path: Path) -> None:
    """A migration that ends its process (as the out-of-memory killer would): no hang, no traceback."""
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    (folder / "00002_exit.py").write_text(
        'import os\n\n\ndef upgrade():\n    os._exit(9)\n\n\ndef downgrade():\n    pass\n',
        encoding="utf-8",
    )
    targets = [sqlite_target(tmp_path / f"{n}.db") for n in range(3)]
    outcomes = migrate_each(targets, MigratorOptions(folder), parallel=2)
    assert all(o.error is not None for o in outcomes)
    assert any("a worker process died" in (o.error or "") for o in outcomes)
