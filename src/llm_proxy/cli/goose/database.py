"""``DRIVER DBSTRING COMMAND [ARGS]``: goose's database commands on the library's
:class:`~llm_proxy.api.Migrator`, printing goose's lines.

The Migrator takes the migration lock and re-reads the version table under it (goose's
command line has no lock); everything a script reads is goose's: ``OK   file (12.34ms)``
as each migration commits, the summary lines, the status table, ``goose: version N``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from llm_proxy.cli.goose.files import create, fix
from llm_proxy.cli.goose.gotext import go_quote, log_line
from llm_proxy.cli.goose.report import Fatal, ok_line, parse_version, run_error
from llm_proxy.cli.goose.usage import SUPPORTED_DRIVERS
from llm_proxy.errors import MigrationError, MissingMigrationsError, TargetError
from llm_proxy.goose.results import MigrationResult
from llm_proxy.selection import from_goose, mask_dbstring

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from llm_proxy.api import Migrator
    from llm_proxy.cli.goose.flags import Options
    from llm_proxy.goose.results import PlannedStep, StatusRow
    from llm_proxy.selection import DatabaseTarget

# Dialects goose knows that this package does not run.
GOOSE_ONLY_DRIVERS = (
    "azuresql", "clickhouse", "libsql", "mssql", "redshift", "spanner", "sqlserver", "starrocks", "tidb",
    "turso", "vertica", "ydb",
)
_ZERO_TIME = "Mon Jan  1 00:00:00 0001"


def open_target(driver: str, dbstring: str, options: Options) -> DatabaseTarget:
    """goose's ``OpenDBWithDriver`` and ``normalizeDBString``: the database a driver name
    and DBSTRING mean (``-certfile``, ``-ssl-cert``, ``-ssl-key`` for mysql)."""
    shown = go_quote(mask_dbstring(dbstring))
    if driver in GOOSE_ONLY_DRIVERS:
        raise Fatal(
            f"-dbstring={shown}: driver {go_quote(driver)} is not supported by llm-proxy; "
            f"use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    if driver not in SUPPORTED_DRIVERS:
        raise Fatal(f"-dbstring={shown}: {go_quote(driver)}: unknown dialect")
    if options.timeout:
        raise Fatal(
            f"goose: -timeout={options.text('timeout')} is not supported by llm-proxy: its migrations run "
            "to the end; bound them with the database's own statement timeout instead"
        )
    try:
        target = from_goose(driver, dbstring)
    except MigrationError as exc:
        raise Fatal(f"-dbstring={shown}: {exc}") from None
    if driver == "mysql" and options.text("certfile"):
        target = _with_tls(target, options)
    return target


def _with_tls(target: DatabaseTarget, options: Options) -> DatabaseTarget:
    """goose's ``registerTLSConfig``: the CA file, and the client pair when both are given."""
    from dataclasses import replace
    from urllib.parse import quote

    files = {"ssl_ca": options.text("certfile")}
    if options.text("ssl-cert") and options.text("ssl-key"):
        files.update(ssl_cert=options.text("ssl-cert"), ssl_key=options.text("ssl-key"))
    for path in files.values():
        if not os.path.isfile(path):
            raise Fatal(f"goose run: open {path}: no such file or directory")
    query = "&".join(f"{key}={quote(path, safe='/')}" for key, path in files.items())
    return replace(target, url=target.url + ("&" if "?" in target.url else "?") + query)


def run_command(
    command: str, args: Sequence[str], target: DatabaseTarget, folder: str, table: str, options: Options
) -> None:
    """goose's ``run()``: one command, with goose's output and errors."""
    if command == "create":
        create(folder, args, options, {})
        return
    if command == "fix":
        fix(folder, [], options, {})
        return
    action = _COMMANDS.get(command)
    if action is None:
        raise Fatal(f"goose run: {go_quote(command)}: no such command")
    if options.on("no-versioning"):
        from llm_proxy.cli.goose.unversioned import run_unversioned

        run_unversioned(command, args, target, folder)
        return
    from llm_proxy.api import Migrator

    try:
        migrator = Migrator(
            target, folder, table, allow_missing=options.on("allow-missing"), progress=_progress, on_lock_wait=log_line
        )
        action(migrator, args)
    except MigrationError as exc:
        raise run_error(exc) from None


def _progress(event: PlannedStep | MigrationResult) -> None:
    if isinstance(event, MigrationResult):
        log_line(ok_line(event))


def _up(migrator: Migrator, args: Sequence[str]) -> None:
    _summary(migrator, migrator.up())


def _up_to(migrator: Migrator, args: Sequence[str]) -> None:
    _summary(migrator, migrator.up_to(parse_version("up-to", args)))


def _summary(migrator: Migrator, results: list[MigrationResult]) -> None:
    if results:
        log_line(f"goose: successfully migrated database to version: {results[-1].version}")
    else:
        log_line(f"goose: no migrations to run. current version: {migrator.version()}")


def _up_by_one(migrator: Migrator, args: Sequence[str]) -> None:
    try:
        migrator.up_by_one()
    except MissingMigrationsError:
        raise
    except TargetError:
        log_line(f"goose: no migrations to run. current version: {migrator.version()}")
        raise Fatal("goose run: no next version found") from None


def _down(migrator: Migrator, args: Sequence[str]) -> None:
    if migrator.version() == 0:
        raise Fatal("goose run: migration 0: no current version found")
    migrator.down()


def _down_to(migrator: Migrator, args: Sequence[str]) -> None:
    migrator.down_to(parse_version("down-to", args))
    log_line(f"goose: no migrations to run. current version: {migrator.version()}")


def _redo(migrator: Migrator, args: Sequence[str]) -> None:
    if migrator.version() == 0:
        raise Fatal("goose run: no current version found")
    migrator.redo()


def _reset(migrator: Migrator, args: Sequence[str]) -> None:
    migrator.reset()


def _status(migrator: Migrator, args: Sequence[str]) -> None:
    """goose's table: the files only (goose does not list versions that have no file)."""
    rows = migrator.status().rows
    log_line("    Applied At                  Migration")
    log_line("    =======================================")
    for row in rows:
        if row.file is not None:
            log_line(f"    {_applied_at(row):<24} -- {row.file.name}")


def _applied_at(row: StatusRow) -> str:
    """``time.ANSIC`` (``Mon Jan  2 15:04:05 2006``), or ``Pending``."""
    if not row.applied:
        return "Pending"
    when = row.applied_at
    if when is None:
        return _ZERO_TIME
    return f"{when:%a %b} {when.day:>2} {when:%H:%M:%S} {when.year:04d}"


def _version(migrator: Migrator, args: Sequence[str]) -> None:
    log_line(f"goose: version {migrator.version()}")


_COMMANDS: dict[str, Callable[[Migrator, Sequence[str]], None]] = {
    "up": _up,
    "up-by-one": _up_by_one,
    "up-to": _up_to,
    "down": _down,
    "down-to": _down_to,
    "redo": _redo,
    "reset": _reset,
    "status": _status,
    "version": _version,
}
