"""Options shared by several commands, defined once as ``Annotated`` aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

MigrationsDir = Annotated[
    Optional[Path],
    typer.Option(
        "--dir",
        envvar="GOOSE_MIGRATION_DIR",
        help="Migrations folder. Default: the bundled migrations of the database's dialect.",
        show_default=False,
    ),
]

EditDir = Annotated[
    Path,
    typer.Option(
        "--dir",
        envvar="GOOSE_MIGRATION_DIR",
        help="Migrations folder to write in. Default: the current folder, as goose (never the bundled migrations).",
    ),
]

JsonOutput = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout instead of text."),
]

Ignore = Annotated[
    Optional[list[str]],
    typer.Option(
        "--ignore",
        help="A .sql file name in the folder that is not a migration (repeatable).",
        show_default=False,
    ),
]


def migrations_dir(value: Path | None, dialect: str = "sqlite") -> Path:
    """The folder to use: the one given, else the bundled one for ``dialect``."""
    if value is not None:
        return value
    from llm_proxy.bundled import bundled_migrations

    return bundled_migrations(dialect)


DbPath = Annotated[
    Optional[Path],
    typer.Option(
        "--db",
        help="SQLite database file. Default: $DATABASE_PATH, else data/llm-proxy.db.",
        show_default=False,
    ),
]

DatabaseUrl = Annotated[
    Optional[str],
    typer.Option(
        "--database-url",
        help="Database URL: postgresql://..., mysql://... or sqlite:///path. Default: $DATABASE_URL "
        "(with $DB_DRIVER), or goose's $GOOSE_DRIVER and $GOOSE_DBSTRING.",
        show_default=False,
    ),
]

Table = Annotated[
    str,
    typer.Option("--table", envvar="GOOSE_TABLE", help="goose's version table (schema.table allowed)."),
]

LockTimeout = Annotated[
    Optional[float],
    typer.Option(
        "--lock-timeout",
        metavar="SECONDS",
        help="How long to wait for another migrator to finish. Default: 300.",
        show_default=False,
    ),
]

AllowMissing = Annotated[
    bool,
    typer.Option(
        "--allow-missing",
        help="Apply migrations older than the newest applied one (out of order) first, instead of refusing.",
    ),
]

ResumeInterrupted = Annotated[
    bool,
    typer.Option(
        "--resume-interrupted",
        help="Run again a NO TRANSACTION migration that an earlier run left unfinished "
        "(its statements must be safe to run twice), instead of refusing.",
    ),
]
