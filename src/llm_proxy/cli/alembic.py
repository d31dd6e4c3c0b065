"""``llm-proxy alembic ARGS...``: any Alembic command, on goose migrations.

The stock ``alembic`` executable cannot list SQL revisions (``heads``, ``history``, ``show``
never run env.py); this one hands Alembic our script directory, so every command works.
The database, folder and table come from ``-x url=... -x migrations=... -x table=...``,
``alembic.ini``, or the same environment variables as every llm-proxy command.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def alembic(
    args: Annotated[
        Optional[list[str]], typer.Argument(help="Alembic's command line, e.g. history -v", show_default=False)
    ] = None,
) -> None:
    """Run an Alembic command on the goose migrations (try: llm-proxy alembic --help).

    Example: llm-proxy alembic -x url=postgresql://app@db/llm_proxy history --indicate-current
    """
    from llm_proxy.env.commands import run_alembic

    run_alembic(args or ["--help"])
