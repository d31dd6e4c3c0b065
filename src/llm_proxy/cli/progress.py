"""Live progress for commands that run migrations.

On a terminal a progress bar (rich) shows the migration in flight and how long it has been
running, so a slow data migration does not look like a hang; finished migrations are printed
as lines above it. Anywhere else (a pipe, CI logs, ``--json``) there are only the plain lines,
and rich is not even imported.
"""

from __future__ import annotations

import sys
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


class Reporter:
    """The ``progress`` callback of a Migrator: the live display and the result lines.

    Use as a context manager around the command so the live display is always closed.
    """

    def __init__(self, *, quiet: bool = False, total: int | None = None) -> None:
        self.quiet = quiet
        self.total = total
        self._live: Any = None
        self._task: Any = None
        self._interactive = not quiet and sys.stderr.isatty() and sys.stdout.isatty()

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
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
            self._show(f"{event.direction.value} {event.file.name if event.file else event.version}")

    def waiting(self, message: str) -> None:
        """A note while the migration lock is busy (always to stderr, never in JSON)."""
        note(message)

    def _print(self, line: str) -> None:
        if self._live is not None:
            self._live.console.print(line, highlight=False, markup=False)
        else:
            say(line)

    def _show(self, description: str) -> None:
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
            self._task = self._live.add_task(description, total=self.total)
        self._live.update(self._task, description=description)
