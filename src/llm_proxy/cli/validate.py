"""``migrate validate``: the migration checks for CI pipelines and authors.

Names, versions, the grammar of both directions, lints, with ``--since`` the git history of
the folder, and the round trip (up, down, up for each migration) on a temporary SQLite file
or, with ``--database-url``, in a scratch database on that server. Never touches a database
that existed before the run. Text for people (findings on stderr, the verdict on stdout),
one JSON document with ``--json``, a JUnit XML file with ``--junit-xml``.
"""

from __future__ import annotations

import enum
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from llm_proxy.cli.options import Ignore, JsonOutput, MigrationsDir, migrations_dir
from llm_proxy.cli.output import note, print_json, say
from llm_proxy.services.lint.rules import RULES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from llm_proxy.services.roundtrip import RoundTrip


class DialectChoice(str, enum.Enum):
    sqlite = "sqlite"
    postgres = "postgres"
    mysql = "mysql"


EPILOG = "\b\nLints (silence one in a migration with a comment '-- llm-proxy: ignore LP201 LP203'):\n" + "\n".join(
    f"  {rule.id}  {rule.severity:<7}  {rule.title}" for rule in RULES.values()
) + (
    "\n\b\nHistory checks (--since REF, errors):\n"
    "  LP501  a migration modified since REF (a warning when only comments changed)\n"
    "  LP502  a migration deleted since REF\n"
    "  LP503  a new migration numbered below the highest version at REF\n"
    "  LP504  a migration renumbered since REF"
    "\n\b\nRound trip (up, down, up for each migration; skip with --no-roundtrip, errors):\n"
    "  LP601  after Down the schema differs from before Up (names the object)\n"
    "  LP602  Up fails\n"
    "  LP603  Down fails\n"
    "  LP604  Up fails after Down"
)


def validate(
    directory: MigrationsDir = None,
    ignore: Ignore = None,
    dialect: Annotated[
        Optional[DialectChoice],
        typer.Option("--dialect", help="The database the migrations are for; turns on its lints.", show_default=False),
    ] = None,
    since: Annotated[
        Optional[str],
        typer.Option(
            "--since",
            metavar="REF",
            help="Git reference (branch, tag, commit) to compare with: report migrations modified, "
            "deleted or renumbered since, and new ones numbered below its highest version.",
            show_default=False,
        ),
    ] = None,
    database_url: Annotated[
        Optional[str],
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Run the round trip on this PostgreSQL or MySQL server, in a scratch database created "
            "for the run and dropped afterwards (the URL's own database is not changed). Turns on the "
            "server's lints. Default: a temporary SQLite file.",
            show_default=False,
        ),
    ] = None,
    no_roundtrip: Annotated[
        bool, typer.Option("--no-roundtrip", help="Skip the round trip: check the files only, without a database.")
    ] = False,
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Check names and grammar only.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    junit: Annotated[
        Optional[Path],
        typer.Option("--junit-xml", metavar="PATH", help="Also write a JUnit XML report to PATH.", show_default=False),
    ] = None,
    json_output: JsonOutput = False,
) -> None:
    """Check every migration: names, versions, grammar, lints, history, and an up-down-up round trip.

    Lists all problems, not just the first. Exits 1 on any error; warnings fail only with
    --strict. Without --dir the bundled migrations of the dialect (--dialect, else the
    --database-url's, else sqlite) are checked. The round trip applies each migration, rolls
    it back, compares the schema with the one before, and applies it again; it runs on a
    temporary SQLite file, or on the server of --database-url (needed for --dialect postgres
    or mysql).

    Example: llm-proxy migrate validate --dir migrations --database-url postgresql://postgres@localhost/postgres --junit-xml report.xml
    """
    from llm_proxy.services.validate import ValidateOptions, check_folder

    name = dialect.value if dialect is not None else None
    try:
        options = ValidateOptions(
            ignore=tuple(ignore or ()),
            dialect=name,
            lint=not no_lint,
            since=since,
            roundtrip=not no_roundtrip,
            database_url=database_url,
        )
    except ValueError as exc:
        raise typer.BadParameter(_option_names(str(exc))) from exc
    folder = migrations_dir(directory, options.lint_dialect or "sqlite")
    with _terminate_as_interrupt():
        report = check_folder(folder, options)
    passed = report.passed(strict=strict)
    if junit is not None:
        from llm_proxy.services.junit import junit_xml

        junit.write_text(junit_xml(report, strict=strict), encoding="utf-8")
    if json_output:
        print_json(
            {
                "folder": str(folder),
                "ok": passed,
                "strict": strict,
                "checks": list(report.checks),
                "migrations": len(report.migrations),
                "roundtrip": report.roundtrip.as_dict() if report.roundtrip is not None else None,
                "counts": {"errors": len(report.errors), "warnings": len(report.warnings)},
                "errors": [f.as_dict() for f in report.errors],
                "warnings": [f.as_dict() for f in report.warnings],
            }
        )
    else:
        for finding in report.findings:
            note(str(finding))
        if report.roundtrip is not None:
            note(_round_trip_line(report.roundtrip))
        elif options.roundtrip and "roundtrip" not in report.checks:
            note(_no_round_trip(options.roundtrip_dialect, name))
        verdict = _verdict(folder, len(report.migrations), len(report.errors), len(report.warnings), passed)
        say(verdict) if passed else note(verdict)
    if not passed:
        raise typer.Exit(code=1)


def _verdict(folder: Path, migrations: int, errors: int, warnings: int, passed: bool) -> str:
    counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    if passed:
        return f"OK: {_plural(migrations, 'migration')} in {folder} ({counts})"
    return f"FAILED: {counts} in {folder}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _round_trip_line(summary: RoundTrip) -> str:
    done = f"{summary.checked} of {_plural(summary.total, 'migration')} up, down and up again"
    stopped = f", stopped at {summary.stopped}" if summary.stopped else ""
    return f"round trip on {summary.dialect} ({summary.database}): {done}{stopped} in {summary.seconds:.2f}s"


def _no_round_trip(where: str | None, dialect: str | None) -> str:
    if where is None:
        return f"round trip not run: --dialect {dialect} needs --database-url (a {dialect} server)"
    return "round trip not run: fix the file names and versions first"


def _option_names(message: str) -> str:
    """A ValidateOptions message in the command's words."""
    for field, option in (("database_url", "--database-url"), ("roundtrip=True", "no --no-roundtrip"), ("dialect", "--dialect")):
        message = message.replace(field, option)
    return message


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM (a cancelled CI job) unwind like Ctrl-C, so the scratch database is dropped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
