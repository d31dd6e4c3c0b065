"""Options shared by several commands, defined once as ``Annotated`` aliases.

Options that always go together are an option group (:class:`ConnectionOptions`): a
dataclass of those aliases, which a command decorated with :func:`option_groups` takes as
one parameter.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, get_type_hints

import typer

from llm_proxy.cli import flags
from llm_proxy.env.locks import LOCK_MODE_VARIABLE, LockMode
from llm_proxy.goose.table import DEFAULT_TABLE

if TYPE_CHECKING:
    from collections.abc import Callable

MigrationsDir = Annotated[
    Optional[Path],
    typer.Option(
        flags.DIR,
        envvar=flags.DIR_VARIABLE,
        help="Migrations folder. Default: the bundled migrations of the database's dialect.",
        show_default=False,
    ),
]

EditDir = Annotated[
    Path,
    typer.Option(
        flags.DIR,
        envvar=flags.DIR_VARIABLE,
        help="Migrations folder to write in. Default: the current folder, as goose (never the bundled migrations).",
    ),
]

JsonOutput = Annotated[
    bool,
    typer.Option(flags.JSON, help="Print one JSON document on stdout instead of text."),
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
        flags.DB,
        help="SQLite database file. Default: $DATABASE_PATH, else data/llm-proxy.db.",
        show_default=False,
    ),
]

DatabaseUrl = Annotated[
    Optional[str],
    typer.Option(
        flags.DATABASE_URL,
        help="Database URL: postgresql://..., mysql://... or sqlite:///path. Default: $DATABASE_URL "
        "(with $DB_DRIVER), or goose's $GOOSE_DRIVER and $GOOSE_DBSTRING.",
        show_default=False,
    ),
]

Table = Annotated[
    str,
    typer.Option(flags.TABLE, envvar=flags.TABLE_VARIABLE, help="goose's version table (schema.table allowed)."),
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

LockModeOption = Annotated[
    Optional[LockMode],
    typer.Option(
        flags.LOCK_MODE,
        envvar=LOCK_MODE_VARIABLE,  # the library reads it too (open_database, alembic)
        case_sensitive=False,
        help="How the PostgreSQL migration lock is held: session (default), or behind a transaction "
        "pooler such as PgBouncer transaction (a transaction-level lock) or table (goose's goose_lock lease).",
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


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """``--db``, ``--database-url``, ``--dir``, ``--table``: the database a command works on, and its migrations."""

    db: DbPath = None
    database_url: DatabaseUrl = None
    directory: MigrationsDir = None
    table: Table = DEFAULT_TABLE


Each = Annotated[
    Optional[str],
    typer.Option(
        "--each",
        metavar="FILE|GLOB",
        help="Run on many databases: a file listing one database URL or SQLite path a line, "
        "or a quoted glob of SQLite files ('data/tenants/*.db'). Replaces --db and --database-url.",
        show_default=False,
    ),
]

Parallel = Annotated[
    Optional[int],
    typer.Option(
        "--parallel",
        metavar="N",
        min=1,
        help="With --each: how many databases to run at a time (above 1, in worker processes). Default: 1.",
        show_default=False,
    ),
]


@dataclass(frozen=True, slots=True)
class EachOptions:
    """``--each``, ``--parallel``: the same command on every database of a list."""

    each: Each = None
    parallel: Parallel = None


def option_groups(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` as typer must see it: each parameter typed as an option group spelled out.

    An option group is a dataclass whose fields are typer options with defaults. typer reads
    a command's options from its signature, so the returned function's ``__signature__``
    has the group's fields, in order, where the group's parameter stood: ``--help``, the
    option names, their order and defaults are exactly those of options written out one by
    one. Called by typer with one value per option, it hands ``command`` one instance of
    each group.
    """
    signature = inspect.signature(command, eval_str=True)
    groups: dict[str, type[Any]] = {}
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        group = parameter.annotation
        if not (isinstance(group, type) and dataclasses.is_dataclass(group)):
            parameters.append(parameter)
            continue
        groups[parameter.name] = group
        hints = get_type_hints(group, include_extras=True)
        parameters += [
            inspect.Parameter(field.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=field.default, annotation=hints[field.name])
            for field in dataclasses.fields(group)
        ]

    @functools.wraps(command)
    def grouped(**values: Any) -> None:
        for name, group in groups.items():
            values[name] = group(**{field.name: values.pop(field.name) for field in dataclasses.fields(group)})
        command(**values)

    grouped.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    grouped.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
    return grouped
