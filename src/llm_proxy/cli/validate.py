"""``migrate validate``: the migration checks for CI pipelines and authors.

Never opens a database: names, versions, the grammar of both directions, lints, and with
``--since`` the git history of the folder. Text for people (findings on stderr, the verdict
on stdout), one JSON document with ``--json``, a JUnit XML file with ``--junit-xml``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from llm_proxy.cli.options import Ignore, JsonOutput, MigrationsDir, migrations_dir
from llm_proxy.cli.output import note, print_json, say
from llm_proxy.services.lint.rules import RULES


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
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Check names and grammar only.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    junit: Annotated[
        Optional[Path],
        typer.Option("--junit-xml", metavar="PATH", help="Also write a JUnit XML report to PATH.", show_default=False),
    ] = None,
    json_output: JsonOutput = False,
) -> None:
    """Check every migration file: names, versions, grammar, lints, and history since a git ref.

    Lists all problems, not just the first. Exits 1 on any error; warnings fail only with
    --strict. Without --dir the bundled migrations of --dialect (default sqlite) are checked.

    Example: llm-proxy migrate validate --dir migrations --dialect postgres --since origin/main --junit-xml report.xml
    """
    from llm_proxy.services.validate import ValidateOptions, check_folder

    name = dialect.value if dialect is not None else None
    folder = migrations_dir(directory, name or "sqlite")
    options = ValidateOptions(ignore=tuple(ignore or ()), dialect=name, lint=not no_lint, since=since)
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
                "counts": {"errors": len(report.errors), "warnings": len(report.warnings)},
                "errors": [f.as_dict() for f in report.errors],
                "warnings": [f.as_dict() for f in report.warnings],
            }
        )
    else:
        for finding in report.findings:
            note(str(finding))
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
