"""Live progress for commands that run migrations.

On a terminal a progress bar (rich) shows the migration in flight and how long it has been
running, so a slow data migration does not look like a hang; finished migrations are printed
as lines above it. Anywhere else (a pipe, CI logs, ``--json``) there are only the plain lines,
and rich is not even imported.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from llm_proxy.cli.output import note, say
from llm_proxy.goose.results import MigrationResult

if TYPE_CHECKING:
    from types import TracebackType

    from llm_proxy.goose.results import PlannedStep


def result_line(result: MigrationResult) -> str:
    """``OK     up    00001_initial_schema.sql              1.32 ms`` (EMPTY: a file with no statements).

    File names are padded so that the durations of a run line up for usual names.
    """
    state = "EMPTY" if result.empty else "OK"
    return f"{state:<6} {result.direction.value:<5} {result.file.name:<40} {result.duration * 1000:8.2f} ms"


REDRAW_EVERY = 0.1
"""Seconds between two prints of finished lines above the bar. Each print redraws the
bar, which costs about a millisecond: a line per migration would double W1's time."""


class Reporter:
    """The ``progress`` callback of a Migrator: the live display and the result lines.

    Use as a context manager around the command so the live display is always closed
    (and the last finished lines printed).
    """

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self._live: Any = None
        self._task: Any = None
        self._lines: list[str] = []
        self._printed = 0.0
        self._interactive = not quiet and sys.stderr.isatty() and sys.stdout.isatty()

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._print_lines()
            self._live.stop()
            self._live = None

    def __call__(self, event: PlannedStep | MigrationResult) -> None:
        if isinstance(event, MigrationResult):
            if not self.quiet:
                self._print(result_line(event))
            if self._live is not None:
                self._live.advance(self._task)
            return
        if self._interactive:
            self._show(event)

    def waiting(self, message: str) -> None:
        """A note while the migration lock is busy (always to stderr, never in JSON)."""
        note(message)

    def _print(self, line: str) -> None:
        if self._live is None:
            say(line)
            return
        self._lines.append(line)
        if time.monotonic() - self._printed >= REDRAW_EVERY:
            self._print_lines()

    def _print_lines(self) -> None:
        if self._lines:
            self._live.console.print("\n".join(self._lines), highlight=False, markup=False)
            self._lines.clear()
        self._printed = time.monotonic()

    def _show(self, step: PlannedStep) -> None:
        description = f"{step.direction.value} {step.file.name if step.file else step.version}"
        if self._live is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._live.start()
            self._task = self._live.add_task(description, total=step.total, completed=step.index - 1)
            self._printed = time.monotonic()
        self._live.update(self._task, description=description)
