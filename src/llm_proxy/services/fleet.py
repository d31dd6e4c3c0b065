"""One command on many databases: ``up`` and ``status`` for a team that keeps a database per tenant.

    from llm_proxy.api import MigratorOptions, migrate_each, read_databases

    for outcome in migrate_each(read_databases("tenants.txt"), MigratorOptions(), parallel=4):
        print(outcome.database, outcome.before, "->", outcome.after, outcome.error or "ok")

Each database is migrated by an ordinary :class:`~llm_proxy.services.runner.Migrator`,
under its own migration lock, with the same options. A database that fails (unreachable,
a migration that breaks) is that database's outcome; the others are still done.

Alembic's ``context`` and ``op`` are process-wide, so one process runs one environment at
a time (:data:`llm_proxy.env.runtime.ENVIRONMENT_LOCK`): threads would take turns.
``parallel`` > 1 therefore runs the databases in worker processes, started with *spawn*
(a forked child would inherit the caller's open connections and locks), and the outcomes
come back as small frozen values. Ctrl-C in a terminal reaches the workers too: each stops
its migration in flight as a single ``migrate up`` would, no new database is started, and
:class:`KeyboardInterrupt` is raised to the caller once every worker has stopped.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from llm_proxy.errors import MigrationError, OptionError, PartialMigrationError
from llm_proxy.services.runner import MigratorOptions

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from concurrent.futures import Future

    from llm_proxy.goose.results import MigrationResult
    from llm_proxy.selection import DatabaseTarget

Outcome = TypeVar("Outcome", "UpOutcome", "StatusOutcome")


@dataclass(frozen=True, slots=True)
class UpOutcome:
    """What ``up`` did on one database.

    ``before`` is the version when the run looked, ``after`` the version it left (None when
    the database could not be read); ``applied`` the migrations committed, also those
    before a failing one; ``error`` the message of the failure, None on success.
    """

    database: str
    before: int | None
    after: int | None
    applied: tuple[MigrationResult, ...]
    duration: float
    error: str | None = None

    @classmethod
    def failed(cls, database: str, error: str, duration: float = 0.0) -> UpOutcome:
        """A database that could not be read, let alone migrated."""
        return cls(database, None, None, (), duration, error)


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """The state of one database: its version and how many migrations need attention.

    ``pending`` counts every file not applied (``missing`` ones included: older than the
    newest applied version, refused by ``up`` without ``--allow-missing``);
    ``database_only`` versions applied without a file in the folder; ``interrupted`` NO
    TRANSACTION migrations that never finished. All None when ``error`` is set.
    """

    database: str
    current: int | None
    pending: int | None
    missing: int | None
    database_only: int | None
    interrupted: int | None
    duration: float
    error: str | None = None

    @classmethod
    def failed(cls, database: str, error: str, duration: float = 0.0) -> StatusOutcome:
        """A database whose status could not be read."""
        return cls(database, None, None, None, None, None, duration, error)


def migrate_each(
    targets: Sequence[DatabaseTarget],
    options: MigratorOptions = MigratorOptions(),
    *,
    parallel: int = 1,
    on_outcome: Callable[[int, UpOutcome], None] | None = None,
) -> list[UpOutcome]:
    """Apply every pending migration on each of ``targets``; the outcomes in input order.

    ``parallel`` databases are migrated at a time (worker processes when above 1).
    ``on_outcome(index, outcome)`` is called as each database finishes, in the order they
    finish. Options that no database could use (a missing folder, a bad table name) raise
    before anything runs.
    """
    return _each(_up_one, UpOutcome, targets, options, parallel, on_outcome)


def status_each(
    targets: Sequence[DatabaseTarget],
    options: MigratorOptions = MigratorOptions(),
    *,
    parallel: int = 1,
    on_outcome: Callable[[int, StatusOutcome], None] | None = None,
) -> list[StatusOutcome]:
    """The status of each of ``targets``, read as ``migrate status`` reads it; in input order."""
    return _each(_status_one, StatusOutcome, targets, options, parallel, on_outcome)


def _up_one(target: DatabaseTarget, options: MigratorOptions) -> UpOutcome:
    start = time.perf_counter()
    migrator = options.migrator(target)
    before: int | None = None
    try:
        before = migrator.version()
        applied = migrator.up()
        after = migrator.version()
    except MigrationError as exc:
        done = exc.applied if isinstance(exc, PartialMigrationError) else ()
        # goose's current version is the most recently applied one: the failure left it there
        left = done[-1].version if done else before
        return UpOutcome(target.display, before, left, tuple(done), time.perf_counter() - start, str(exc))
    return UpOutcome(target.display, before, after, tuple(applied), time.perf_counter() - start)


def _status_one(target: DatabaseTarget, options: MigratorOptions) -> StatusOutcome:
    start = time.perf_counter()
    try:
        status = options.migrator(target).status()
    except MigrationError as exc:
        return StatusOutcome.failed(target.display, str(exc), time.perf_counter() - start)
    return StatusOutcome(
        target.display,
        current=status.current_version,
        pending=sum(1 for row in status.rows if not row.applied),
        missing=len(status.missing),
        database_only=len(status.database_only),
        interrupted=len(status.interrupted),
        duration=time.perf_counter() - start,
    )


def _each(
    job: Callable[[DatabaseTarget, MigratorOptions], Outcome],
    kind: type[Outcome],
    targets: Sequence[DatabaseTarget],
    options: MigratorOptions,
    parallel: int,
    on_outcome: Callable[[int, Outcome], None] | None,
) -> list[Outcome]:
    if parallel < 1:
        raise OptionError(f"parallel={parallel}: run at least one database at a time")
    for target in targets:
        options.migrator(target)  # a bad option fails here, before any database is touched
    outcomes: dict[int, Outcome] = {}

    def record(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_outcome is not None:
            on_outcome(index, outcome)

    if parallel == 1 or len(targets) < 2:
        for index, target in enumerate(targets):
            record(index, job(target, options))
    else:
        _in_workers(job, kind, targets, options, min(parallel, len(targets)), record)
    return [outcomes[index] for index in range(len(targets))]


def _in_workers(
    job: Callable[[DatabaseTarget, MigratorOptions], Outcome],
    kind: type[Outcome],
    targets: Sequence[DatabaseTarget],
    options: MigratorOptions,
    workers: int,
    record: Callable[[int, Outcome], None],
) -> None:
    """Run ``job`` on every target in ``workers`` spawned processes, recording each outcome as it comes.

    A database is handed out only when a worker is free: the pool would otherwise queue
    some ahead, and those would still start after Ctrl-C. The process pool is imported
    here: ``migrate status`` loads the library and must not pay for it.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)
    waiting = iter(enumerate(targets))
    running: dict[Future[Outcome], int] = {}

    def lost(index: int, exc: BrokenProcessPool) -> None:  # a worker was killed (out of memory, ...)
        message = f"a worker process died, so this database's outcome is unknown ({exc}); check it with migrate status"
        record(index, kind.failed(targets[index].display, message))

    def hand_out() -> None:
        for index, target in waiting:
            try:
                running[pool.submit(_interruptible, job, target, options)] = index
                return
            except BrokenProcessPool as exc:
                lost(index, exc)

    try:
        for _ in range(workers):
            hand_out()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                try:
                    record(index, future.result())
                except BrokenProcessPool as exc:
                    lost(index, exc)
                hand_out()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after Ctrl-C, the workers stop their own database


def _ignore_interrupts() -> None:
    """Worker start-up: Ctrl-C is for the database in flight, not for a worker between databases."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interruptible(job: Callable[[DatabaseTarget, MigratorOptions], Outcome], target: DatabaseTarget, options: MigratorOptions) -> Outcome:
    """``job`` in a worker, with Ctrl-C stopping it as it would stop a single run."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return job(target, options)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
