"""The command line's one error boundary.

Every ``MigrationError`` raised below a command becomes a message on stderr and exit code 1
(usage errors keep click's code 2). It lives in the group class, not in ``main()``, so the
same handling applies when another typer CLI mounts our ``migrate`` sub-app.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from llm_proxy.cli import flags
from llm_proxy.errors import MigrationError


class ReportingGroup(TyperGroup):
    """A typer group that reports :class:`MigrationError` as a message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # click's Context: typer vendors click under a private name
        try:
            return super().invoke(ctx)
        except MigrationError as exc:
            if os.environ.get(flags.TRACEBACK_VARIABLE):
                raise
            from llm_proxy.cli.output import print_error

            print_error(exc)
            raise typer.Exit(code=1) from None
