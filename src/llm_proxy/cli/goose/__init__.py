"""``llm-proxy goose [goose flags] DRIVER DBSTRING COMMAND [ARGS]``: goose's own command line.

Scripts and CI jobs written for the goose v3 binary run unchanged: the same flags (Go's
syntax, anywhere on the line), environment variables and ``.env`` file, the same lines on
stderr and the same exit codes, with this package's engine underneath. See
docs/goose-cli.md for the few deliberate differences.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def goose(
    args: Annotated[
        Optional[list[str]],
        typer.Argument(help="goose's command line, e.g. -dir migrations sqlite3 app.db up", show_default=False),
    ] = None,
) -> None:
    """Run a goose command line, as the goose binary would (try: llm-proxy goose -h).

    Example: llm-proxy goose -dir migrations postgres "user=app dbname=llm_proxy" up
    """
    from llm_proxy.cli.goose.main import main

    raise typer.Exit(code=main(args or []))
