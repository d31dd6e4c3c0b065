"""``-no-versioning``: goose's commands run on the files alone, with no version table.

goose's semantics (``WithNoVersioning``): the table is neither read nor written. ``up`` and
``up-to V`` run every file's Up section up to V in file order, ``up-by-one`` the first file
only; ``down`` runs the last file's Down section, ``down-to V`` the Down sections of the
files above V, newest first, ``reset`` all of them, ``redo`` the last file down then up;
``status`` lists the files as ``no versioning``, ``version`` prints the last file's
version. Each file runs in one transaction (NO TRANSACTION files statement by statement in
autocommit), through the same statement runner as versioned migrations. There is no
migration lock: with no table there is no state to protect, as in goose.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from llm_proxy.cli.goose.gotext import log_line
from llm_proxy.cli.goose.report import Fatal, ok_line, parse_version, run_error
from llm_proxy.errors import MigrationError
from llm_proxy.format.direction import Direction
from llm_proxy.goose.results import MigrationResult

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine

    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.selection import DatabaseTarget

_NO_LIMIT = 2**63 - 1


def run_unversioned(command: str, args: Sequence[str], target: DatabaseTarget, folder: str) -> None:
    """One goose command with ``-no-versioning``."""
    from llm_proxy.format.sources import collect

    try:
        files = collect(folder)
        if command == "status":
            log_line("    Applied At                  Migration")
            log_line("    =======================================")
            for migration in files:
                log_line(f"    {'no versioning':<24} -- {migration.path.name}")
        elif command == "version":
            log_line(f"goose: file version {files[-1].version if files else 0}")
        elif files:
            _change(command, args, target, files)
    except MigrationError as exc:
        raise run_error(exc) from None


def _change(command: str, args: Sequence[str], target: DatabaseTarget, files: list[MigrationFile]) -> None:
    from llm_proxy.env.engine import open_engine

    engine = open_engine(target, create_folder=True)
    try:
        if command in ("up", "up-to", "up-by-one"):
            limit = parse_version("up-to", args) if command == "up-to" else _NO_LIMIT
            if command == "up-by-one":
                limit = files[0].version
            _up_to(engine, files, limit)
        elif command == "redo":
            _apply(engine, files[-1], Direction.DOWN)
            _apply(engine, files[-1], Direction.UP)
        else:
            floors = {"down": files[-1].version - 1, "reset": 0}
            _down_to(engine, files, floors[command] if command in floors else parse_version("down-to", args))
    finally:
        engine.dispose()


def _up_to(engine: Engine, files: list[MigrationFile], limit: int) -> None:
    final = 0
    for migration in files:
        if migration.version > limit:
            break
        _apply(engine, migration, Direction.UP)
        final = migration.version
    log_line(f"goose: up to current file version: {final}")


def _down_to(engine: Engine, files: list[MigrationFile], limit: int) -> None:
    final = 0
    for migration in reversed(files):
        if limit >= migration.version:
            final = migration.version
            break
        _apply(engine, migration, Direction.DOWN)
    log_line(f"goose: down to current file version: {final}")


def _apply(engine: Engine, migration: MigrationFile, direction: Direction) -> None:
    """Run one section of one SQL file, in a transaction unless it is NO TRANSACTION."""
    from llm_proxy.env.engine import database_message
    from llm_proxy.env.execute import run_unit
    from llm_proxy.format.grammar import parse_file

    if migration.is_python:
        raise Fatal(
            f"goose run: {migration.path.name} is a Python revision; -no-versioning runs SQL migrations "
            "only (run Python revisions with the version table, without -no-versioning)"
        )
    from sqlalchemy.exc import DBAPIError

    parsed = parse_file(migration.path)
    statements = parsed.statements(direction)
    errors = (DBAPIError, engine.dialect.loaded_dbapi.Error)
    started = time.perf_counter()
    try:
        if parsed.use_transaction:
            with engine.begin() as connection:
                for statement in statements:
                    run_unit(connection, statement.text)
        else:
            with engine.connect() as raw:
                connection = raw.execution_options(isolation_level="AUTOCOMMIT")
                for statement in statements:
                    run_unit(connection, statement.text)
    except errors as exc:
        raise Fatal(
            f"goose run: ERROR {migration.path.name}: failed to run SQL migration: {database_message(exc)}"
        ) from None
    duration = time.perf_counter() - started
    log_line(ok_line(MigrationResult(migration.version, migration.path, direction, duration, len(statements))))
