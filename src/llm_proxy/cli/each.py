"""``migrate up --each`` and ``migrate status --each``: one command on every database of a list.

The library runs the databases (:mod:`llm_proxy.services.fleet`); this module turns the
options into its arguments and renders the outcomes: a table with one row per database
in the order of the list (the password masked), or one JSON document. A database that
failed is its row's error and exit code 1; the others are still done. Ctrl-C prints what
finished and exits 130.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar

import typer

from llm_proxy.cli.connect import migrator_options
from llm_proxy.cli.output import note, print_json, say

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from llm_proxy.cli.connect import DatabaseOptions
    from llm_proxy.cli.options import EachOptions
    from llm_proxy.env.locks import LockMode
    from llm_proxy.goose.results import MigrationResult
    from llm_proxy.selection import DatabaseTarget
    from llm_proxy.services.fleet import StatusOutcome, UpOutcome

Outcome = TypeVar("Outcome", "UpOutcome", "StatusOutcome")

INTERRUPTED = "interrupted (Ctrl-C) before this database finished: not migrated, or stopped part-way"
INTERRUPTED_EXIT = 130  # as a shell reports a command stopped by SIGINT


def migration_item(result: MigrationResult) -> dict[str, object]:
    """One migration as every ``up`` JSON document shows it."""
    return {
        "version": result.version,
        "file": str(result.file),
        "direction": result.direction.value,
        "duration_ms": round(result.duration * 1000, 3),
        "statements": result.statement_count,
        "empty": result.empty,
    }


def up_each(
    each: EachOptions,
    connection: DatabaseOptions,
    *,
    allow_missing: bool,
    resume_interrupted: bool,
    lock_timeout: float | None,
    lock_mode: LockMode | None,
    json_output: bool,
) -> None:
    """``migrate up --each``: every database brought up to date, then the table (or JSON)."""
    from llm_proxy.services.fleet import UpOutcome, migrate_each

    options = migrator_options(
        connection, lock_timeout=lock_timeout, lock_mode=lock_mode, allow_missing=allow_missing, resume_interrupted=resume_interrupted
    )
    targets = _targets(each, connection)
    outcomes, interrupted = _collect(
        targets, UpOutcome, lambda record: migrate_each(targets, options, parallel=each.parallel or 1, on_outcome=record)
    )
    if json_output:
        print_json({"ok": _all_ok(outcomes), "databases": [_up_item(o) for o in outcomes]})
    else:
        _print_table(["DATABASE", "FROM → TO", "TIME", "RESULT"], [_up_row(o) for o in outcomes])
        applied = sum(1 for o in outcomes if o.error is None and o.applied)
        say(f"{len(outcomes)} database{'s' if len(outcomes) != 1 else ''}: {applied} migrated, "
            f"{sum(1 for o in outcomes if o.error is None) - applied} with nothing to do, {_failed(outcomes)} failed")
    _finish(outcomes, interrupted)


def status_each(each: EachOptions, connection: DatabaseOptions, *, json_output: bool) -> None:
    """``migrate status --each``: the version and the pending migrations of every database."""
    from llm_proxy.services.fleet import StatusOutcome, status_each as read_each

    options = migrator_options(connection)
    targets = _targets(each, connection)
    outcomes, interrupted = _collect(
        targets, StatusOutcome, lambda record: read_each(targets, options, parallel=each.parallel or 1, on_outcome=record)
    )
    if json_output:
        print_json({"ok": _all_ok(outcomes), "databases": [_status_item(o) for o in outcomes]})
    else:
        header = ["DATABASE", "VERSION", "PENDING", "MISSING", "DATABASE ONLY", "INTERRUPTED", "ERROR"]
        _print_table(header, [_status_row(o) for o in outcomes])
        pending = sum(1 for o in outcomes if o.pending)
        say(f"{len(outcomes)} database{'s' if len(outcomes) != 1 else ''}: {pending} with pending migrations, "
            f"{_failed(outcomes)} unreadable")
    _finish(outcomes, interrupted)


def refuse_parallel_alone(each: EachOptions) -> None:
    """``--parallel`` means nothing without ``--each``: a usage error rather than silently ignored."""
    if each.parallel is not None and each.each is None:
        raise typer.BadParameter("--parallel runs the databases of --each FILE at the same time; give --each too", param_hint="'--parallel'")


def _targets(each: EachOptions, connection: DatabaseOptions) -> list[DatabaseTarget]:
    from llm_proxy.services.database_list import read_databases

    if connection.db is not None or connection.database_url is not None:
        raise typer.BadParameter("--each FILE names the databases; leave out --db and --database-url", param_hint="'--each'")
    assert each.each is not None
    return read_databases(each.each)


def _collect(
    targets: Sequence[DatabaseTarget],
    kind: type[Outcome],
    run: Callable[[Callable[[int, Outcome], None]], list[Outcome]],
) -> tuple[list[Outcome], bool]:
    """The outcomes of ``run``, and whether Ctrl-C stopped it (then the databases that did
    not finish have :data:`INTERRUPTED` as their error)."""
    finished: dict[int, Outcome] = {}
    try:
        return run(finished.__setitem__), False
    except KeyboardInterrupt:
        note(f"interrupted: {len(targets) - len(finished)} of {len(targets)} databases did not finish")
        return [finished.get(i) or kind.failed(t.display, INTERRUPTED) for i, t in enumerate(targets)], True


def _finish(outcomes: Sequence[UpOutcome] | Sequence[StatusOutcome], interrupted: bool) -> None:
    """Exit 1 when any database failed (130 after Ctrl-C); the rows above say which."""
    if interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    failed = _failed(outcomes)
    if failed:
        note(f"error: {failed} of {len(outcomes)} databases failed (see the table)")
        raise typer.Exit(1)


def _failed(outcomes: Sequence[UpOutcome] | Sequence[StatusOutcome]) -> int:
    return sum(1 for o in outcomes if o.error is not None)


def _all_ok(outcomes: Sequence[UpOutcome] | Sequence[StatusOutcome]) -> bool:
    return _failed(outcomes) == 0


def _one_line(message: str, database: str) -> str:
    """An error as one table cell: its lines joined, indentation dropped, and without the
    database's name in front (the row names it)."""
    return "; ".join(line.strip() for line in message.removeprefix(f"{database}: ").splitlines() if line.strip())


def _version(value: int | None) -> str:
    return "?" if value is None else str(value)


def _up_row(outcome: UpOutcome) -> list[str]:
    if outcome.error is not None:
        result = _one_line(outcome.error, outcome.database)
    elif outcome.applied:
        result = f"OK ({len(outcome.applied)} migration{'s' if len(outcome.applied) != 1 else ''})"
    else:
        result = "nothing to do"
    return [outcome.database, f"{_version(outcome.before)} → {_version(outcome.after)}", _seconds(outcome.duration), result]


def _status_row(outcome: StatusOutcome) -> list[str]:
    counts = [outcome.current, outcome.pending, outcome.missing, outcome.database_only, outcome.interrupted]
    return [outcome.database, *("" if n is None else str(n) for n in counts), _one_line(outcome.error or "", outcome.database)]


def _seconds(duration: float) -> str:
    return f"{duration * 1000:.0f} ms" if duration < 1 else f"{duration:.1f} s"


def _up_item(outcome: UpOutcome) -> dict[str, object]:
    return {
        "database": outcome.database,
        "from": outcome.before,
        "to": outcome.after,
        "migrations": [migration_item(r) for r in outcome.applied],
        "duration_ms": round(outcome.duration * 1000, 3),
        "error": outcome.error,
    }


def _status_item(outcome: StatusOutcome) -> dict[str, object]:
    return {
        "database": outcome.database,
        "current_version": outcome.current,
        "pending": outcome.pending,
        "missing": outcome.missing,
        "database_only": outcome.database_only,
        "interrupted": outcome.interrupted,
        "duration_ms": round(outcome.duration * 1000, 3),
        "error": outcome.error,
    }


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """The rows as a rich table on stdout.

    Not on a terminal (logs, pipes), lines are neither wrapped at 80 columns nor padded with
    trailing spaces, so that a row stays one line a script can grep.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(*header, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*row)
    if sys.stdout.isatty():
        Console(highlight=False, markup=False).print(table)
        return
    console = Console(width=100_000, highlight=False, markup=False)
    with console.capture() as captured:
        console.print(table)
    for line in captured.get().splitlines():
        say(line.rstrip())
