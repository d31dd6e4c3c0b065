"""``migrate status`` and ``migrate version`` as they print: without typer, without Alembic.

The typer commands (:mod:`llm_proxy.cli.state`) and the fast path that answers them without
importing typer at all (:mod:`llm_proxy.cli.quick`) both print through these functions, so
the two paths cannot drift apart. The library reads goose's table directly, and the table is
formatted by hand rather than with rich, so a call costs little more than starting Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.cli.connect import migrator
from llm_proxy.cli.output import json_failures, print_json, say

if TYPE_CHECKING:
    from llm_proxy.cli.connect import DatabaseOptions
    from llm_proxy.goose.results import Status, StatusRow


def show_status(connection: DatabaseOptions, json_output: bool) -> None:
    """Every migration with when it was applied, or pending; then the current version."""
    with json_failures(json_output):
        runner = migrator(connection)
        result = runner.status()
    if json_output:
        print_json(_document(runner.target.display, str(runner.folder), result))
        return
    missing = {r.version for r in result.missing}
    interrupted = {m.version for m in result.interrupted}
    rows = [("VERSION", "MIGRATION", "APPLIED AT")]
    rows += [(str(r.version), _name(r), _when(r, r.version in missing, r.version in interrupted)) for r in result.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    pending = sum(1 for r in result.rows if not r.applied)
    lines = [f"Database: {runner.target.display}", f"Migrations: {runner.folder}"]
    lines += [f"{version:>{widths[0]}}  {name:<{widths[1]}}  {when}".rstrip() for version, name, when in rows]
    lines.append(f"Current version: {result.current_version}; {pending} pending")
    say("\n".join(lines))  # one write: a folder of 10,000 migrations is 10,000 lines
    for marker in result.interrupted:
        say(
            f"Interrupted: {marker.file} ({marker.direction}, NO TRANSACTION) started {marker.started} "
            f"by {marker.holder} and never finished; the next run refuses until it is resolved "
            "(see --resume-interrupted)"
        )


def show_version(connection: DatabaseOptions, json_output: bool) -> None:
    """The current version alone (or as a JSON document)."""
    with json_failures(json_output):
        runner = migrator(connection)
        current = runner.version()
    if json_output:
        print_json({"ok": True, "database": runner.target.display, "version": current})
    else:
        say(str(current))


def _name(row: StatusRow) -> str:
    return row.file.name if row.file is not None else "(no file)"


def _when(row: StatusRow, missing: bool, interrupted: bool) -> str:
    if interrupted:
        return "INTERRUPTED (NO TRANSACTION, never finished)"
    if not row.applied:
        return "Pending (missing: older than the newest applied version)" if missing else "Pending"
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
