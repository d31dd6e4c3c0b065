"""``migrate status`` and ``migrate version``: read-only, and instant.

They never import Alembic (the library reads goose's table directly), and the table is
formatted by hand rather than with rich, so a call costs little more than starting Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.cli.connect import migrator
from llm_proxy.cli.options import ConnectionOptions, JsonOutput, option_groups
from llm_proxy.cli.output import json_failures, print_json, say

if TYPE_CHECKING:
    from llm_proxy.goose.results import Status, StatusRow


@option_groups
def status(connection: ConnectionOptions, json_output: JsonOutput = False) -> None:
    """Show every migration: applied (when) or pending, and versions applied without a file.

    Versions recorded in the database that have no file in the folder (goose does not show
    them) are listed and flagged, and so are pending files older than the newest applied
    version, which 'up' refuses to skip (see --allow-missing).

    Example: llm-proxy migrate status --db data/llm-proxy.db
    """
    with json_failures(json_output):
        runner = migrator(connection)
        result = runner.status()
    if json_output:
        print_json(_document(runner.target.display, str(runner.folder), result))
        return
    say(f"Database: {runner.target.display}")
    say(f"Migrations: {runner.folder}")
    rows = [("VERSION", "MIGRATION", "APPLIED AT")]
    rows += [(str(r.version), _name(r), _when(r, result)) for r in result.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for version, name, when in rows:
        say(f"{version:>{widths[0]}}  {name:<{widths[1]}}  {when}".rstrip())
    pending = sum(1 for r in result.rows if not r.applied)
    say(f"Current version: {result.current_version}; {pending} pending")
    for marker in result.interrupted:
        say(
            f"Interrupted: {marker.file} ({marker.direction}, NO TRANSACTION) started {marker.started} "
            f"by {marker.holder} and never finished; the next run refuses until it is resolved "
            "(see --resume-interrupted)"
        )


@option_groups
def version(connection: ConnectionOptions, json_output: JsonOutput = False) -> None:
    """Print the current version: the most recently applied migration (0 when none).

    The version comes from the database alone; --dir is accepted so that every command
    takes the same options.

    Example: llm-proxy migrate version --db data/llm-proxy.db
    """
    with json_failures(json_output):
        runner = migrator(connection)
        current = runner.version()
    if json_output:
        print_json({"ok": True, "database": runner.target.display, "version": current})
    else:
        say(str(current))


def _name(row: StatusRow) -> str:
    return row.file.name if row.file is not None else "(no file)"


def _when(row: StatusRow, result: Status) -> str:
    if any(m.version == row.version for m in result.interrupted):
        return "INTERRUPTED (NO TRANSACTION, never finished)"
    if not row.applied:
        return "Pending (missing: older than the newest applied version)" if row in result.missing else "Pending"
    when = row.applied_at.strftime("%Y-%m-%d %H:%M:%S") if row.applied_at else "applied (no timestamp)"
    return f"{when}  (applied, but no such file in the folder)" if row.file is None else when


def _document(database: str, folder: str, result: Status) -> dict[str, object]:
    missing = {r.version for r in result.missing}
    interrupted = {m.version for m in result.interrupted}
    return {
        "ok": True,
        "database": database,
        "migrations_dir": folder,
        "current_version": result.current_version,
        "migrations": [
            {
                "version": r.version,
                "file": str(r.file) if r.file is not None else None,
                "applied": r.applied,
                "applied_at": r.applied_at.isoformat(sep=" ") if r.applied_at else None,
                "database_only": r.file is None,
                "missing": r.version in missing,
                "interrupted": r.version in interrupted,
            }
            for r in result.rows
        ],
        "interrupted": [
            {"version": m.version, "direction": m.direction, "file": m.file, "holder": m.holder, "started_at": m.started}
            for m in result.interrupted
        ],
    }
