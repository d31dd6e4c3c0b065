"""``migrate`` commands that change the database: up, up-by-one, up-to, down, down-to, redo, reset.

Each maps its options onto one :class:`~llm_proxy.api.Migrator` call; the Migrator takes
the migration lock, re-reads the version table under it, runs, and returns results that
are rendered here: one line per migration with its duration, then a summary line (or one
JSON document with ``--json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from llm_proxy.cli.connect import migrator
from llm_proxy.cli.each import migration_item, refuse_parallel_alone, up_each
from llm_proxy.cli.options import (
    AllowMissing,
    ConnectionOptions,
    EachOptions,
    JsonOutput,
    LockModeOption,
    LockTimeout,
    ResumeInterrupted,
    option_groups,
)
from llm_proxy.cli.output import json_failures, print_json, say
from llm_proxy.cli.progress import Reporter
from llm_proxy.errors import MigrationError, PartialMigrationError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from llm_proxy.api import Migrator
    from llm_proxy.goose.results import MigrationResult

Version = Annotated[int, typer.Argument(help="A migration version number.", show_default=False, min=0)]


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """``--allow-missing``, ``--resume-interrupted``: taken only by the commands that apply migrations."""

    allow_missing: AllowMissing = False
    resume_interrupted: ResumeInterrupted = False


@dataclass(frozen=True, slots=True)
class RunOptions:
    """``--lock-timeout``, ``--lock-mode``, ``--json``: how every command here locks, waits and reports."""

    lock_timeout: LockTimeout = None
    lock_mode: LockModeOption = None
    json_output: JsonOutput = False


def _run(
    action: Callable[[Migrator], list[MigrationResult] | MigrationResult],
    connection: ConnectionOptions,
    run: RunOptions,
    apply: ApplyOptions = ApplyOptions(),
) -> None:
    """Run one Migrator action with progress, then print what it did.

    On failure the JSON document lists the migrations committed before it, from the
    run's :class:`~llm_proxy.errors.PartialMigrationError`.
    """
    json_output = run.json_output
    runner: Migrator | None = None

    def failure(exc: MigrationError) -> dict[str, object]:
        return _document(runner, exc.applied if isinstance(exc, PartialMigrationError) else ())

    with Reporter(quiet=json_output) as reporter:
        with json_failures(json_output, failure):
            runner = migrator(
                connection,
                lock_timeout=run.lock_timeout,
                lock_mode=run.lock_mode,
                allow_missing=apply.allow_missing,
                resume_interrupted=apply.resume_interrupted,
                progress=reporter,
                on_lock_wait=reporter.waiting,
            )
            done = action(runner)
            results = done if isinstance(done, list) else [done]
            version = runner.version()
    if json_output:
        print_json({"ok": True, **_document(runner, results), "version": version})
    elif results:
        count = len(results)
        total = sum(r.duration for r in results)
        say(f"Done: {count} migration{'s' if count != 1 else ''} in {total * 1000:.1f} ms, now at version {version}")
    else:
        say(f"No migrations to run. Current version: {version}")


def _document(runner: Migrator | None, results: Sequence[MigrationResult]) -> dict[str, object]:
    """The database and the migrations that ran (also on failure: the ones before it)."""
    return {
        "database": runner.target.display if runner is not None else None,
        "migrations": [migration_item(r) for r in results],
    }


@option_groups
def up(connection: ConnectionOptions, apply: ApplyOptions, run: RunOptions, each: EachOptions) -> None:
    """Apply all pending migrations, in version order.

    Each migration runs in its own transaction (NO TRANSACTION ones statement by
    statement); the run stops at the first failure, leaving the earlier ones applied.
    With --each, every database of a list is brought up to date, each under its own
    lock; one that fails is reported in the table and the others are still done.

    Example: llm-proxy migrate up --db data/llm-proxy.db
    """
    if each.each is not None:
        up_each(
            each,
            connection,
            allow_missing=apply.allow_missing,
            resume_interrupted=apply.resume_interrupted,
            lock_timeout=run.lock_timeout,
            lock_mode=run.lock_mode,
            json_output=run.json_output,
        )
        return
    refuse_parallel_alone(each)
    _run(lambda m: m.up(), connection, run, apply)


@option_groups
def up_by_one(connection: ConnectionOptions, apply: ApplyOptions, run: RunOptions) -> None:
    """Apply exactly the next pending migration (an error when there is none).

    Example: llm-proxy migrate up-by-one --db data/llm-proxy.db
    """
    _run(lambda m: m.up_by_one(), connection, run, apply)


@option_groups
def up_to(version: Version, connection: ConnectionOptions, apply: ApplyOptions, run: RunOptions) -> None:
    """Apply pending migrations up to VERSION (every version at or below it).

    VERSION need not be a file's version: 20240101 means "everything up to 20240101",
    never a version that merely starts with those digits.

    Example: llm-proxy migrate up-to 3 --db data/llm-proxy.db
    """
    _run(lambda m: m.up_to(version), connection, run, apply)


@option_groups
def down(connection: ConnectionOptions, run: RunOptions) -> None:
    """Roll back the current version: the most recently applied migration.

    Example: llm-proxy migrate down --db data/llm-proxy.db
    """
    _run(lambda m: m.down(), connection, run)


@option_groups
def down_to(version: Version, connection: ConnectionOptions, run: RunOptions) -> None:
    """Roll back, most recently applied first, until the current version is at or below VERSION.

    down-to 0 rolls back everything.

    Example: llm-proxy migrate down-to 2 --db data/llm-proxy.db
    """
    _run(lambda m: m.down_to(version), connection, run)


@option_groups
def redo(connection: ConnectionOptions, run: RunOptions) -> None:
    """Roll back the current version and apply it again (two transactions).

    Example: llm-proxy migrate redo --db data/llm-proxy.db
    """
    _run(lambda m: m.redo(), connection, run)


@option_groups
def reset(connection: ConnectionOptions, run: RunOptions) -> None:
    """Roll back every applied migration, most recently applied first.

    Example: llm-proxy migrate reset --db data/llm-proxy.db
    """
    _run(lambda m: m.reset(), connection, run)
