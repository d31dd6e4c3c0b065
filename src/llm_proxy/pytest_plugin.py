"""``migrate validate`` as tests in a project's own pytest suite.

Installed with llm-proxy and inert until configured: a suite that names no migrations
folder gets no tests and no side effects. To enable it, in ``pytest.ini`` (or
``[tool.pytest.ini_options]``)::

    [pytest]
    llm_proxy_migrations = db/migrations
    # optional:
    llm_proxy_database_url = postgresql://postgres@localhost/postgres   # round trip on this server
    llm_proxy_dialect = postgres                                          # lints, without a server
    llm_proxy_roundtrip = true
    llm_proxy_strict = false                                              # warnings fail too
    llm_proxy_tests_path = tests/conftest.py                              # where the tests attach

Each migration then gets three tests, ``parses``, ``lints`` and ``roundtrip`` (up, down,
compare the schema, up again), plus ``folder`` for the folder as a whole, attached to
``llm_proxy_tests_path`` as pytest-alembic attaches its tests: they run whenever that
file is collected (``pytest``, ``pytest tests``) and can be selected with ``-k roundtrip``.
Command-line options ``--llm-proxy-migrations`` and ``--llm-proxy-database-url`` override
the ini values (``$LLM_PROXY_TEST_DATABASE_URL`` too, for CI). The checks run once per
session; the ``llm_proxy_report`` fixture hands the whole report to tests of your own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

    from _pytest._code.code import TerminalRepr

    from llm_proxy.services.findings import Finding
    from llm_proxy.services.validate import ValidationReport

    # pytest keeps its own alias private, and 8.0 names it _TracebackStyle, later ones TracebackStyle.
    TracebackStyle = Literal["long", "short", "line", "no", "native", "value", "auto"]

CHECKS = ("parses", "lints", "roundtrip")
_REPORT = pytest.StashKey["ValidationReport"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llm-proxy", "llm-proxy migration checks")
    group.addoption("--llm-proxy-migrations", metavar="PATH", help="goose migrations folder to check (enables the checks)")
    group.addoption("--llm-proxy-database-url", metavar="URL", help="PostgreSQL/MySQL server for the round trip")
    parser.addini("llm_proxy_migrations", "goose migrations folder to check; unset: the plugin does nothing")
    parser.addini("llm_proxy_database_url", "PostgreSQL/MySQL server for the round trip (a scratch database is used)")
    parser.addini("llm_proxy_dialect", "dialect of the migrations (sqlite, postgres, mysql), for its lints")
    parser.addini("llm_proxy_roundtrip", "run the up-down-up round trip", type="bool", default=True)
    parser.addini("llm_proxy_strict", "fail on warnings too", type="bool", default=False)
    parser.addini("llm_proxy_tests_path", "the file the migration tests attach to", default="tests/conftest.py")


def _folder(config: pytest.Config) -> Path | None:
    value = config.getoption("--llm-proxy-migrations") or config.getini("llm_proxy_migrations")
    return (config.rootpath / value).resolve() if value else None


def _anchor(config: pytest.Config) -> Path:
    configured = config.rootpath / config.getini("llm_proxy_tests_path")
    if configured.exists():
        return configured.resolve()
    return (config.rootpath / "conftest.py").resolve()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    folder = _folder(config)
    if folder is None or file_path.resolve() != _anchor(config):
        return None
    return MigrationChecks.from_parent(parent, path=file_path, name=f"llm-proxy migrations ({folder.name})")


def report_for(config: pytest.Config) -> ValidationReport:
    """The session's validation report, computed on first use."""
    report = config.stash.get(_REPORT, None)
    if report is None:
        from llm_proxy.services.validate import ValidateOptions, check_folder

        folder = _folder(config)
        if folder is None:
            raise pytest.UsageError("llm_proxy_migrations is not set (ini option or --llm-proxy-migrations)")
        url = (
            config.getoption("--llm-proxy-database-url")
            or os.environ.get("LLM_PROXY_TEST_DATABASE_URL")
            or config.getini("llm_proxy_database_url")
            or None
        )
        roundtrip = bool(config.getini("llm_proxy_roundtrip"))
        try:
            options = ValidateOptions(
                dialect=config.getini("llm_proxy_dialect") or None,
                roundtrip=roundtrip,
                database_url=url if roundtrip else None,
            )
        except ValueError as exc:
            raise pytest.UsageError(f"llm-proxy plugin: {exc}") from exc
        report = config.stash[_REPORT] = check_folder(folder, options)
    return report


@pytest.fixture(scope="session")
def llm_proxy_report(pytestconfig: pytest.Config) -> ValidationReport:
    """The :class:`~llm_proxy.services.validate.ValidationReport` of the configured migrations folder."""
    return report_for(pytestconfig)


class MigrationChecks(pytest.Collector):
    """One test per migration and check, and one for the folder."""

    def collect(self) -> Iterator[pytest.Item]:
        from llm_proxy.format.sources import scan

        folder = _folder(self.config)
        assert folder is not None
        migrations, _ = scan(folder)
        yield CheckItem.from_parent(self, name="folder", file=None, check="folder")
        for migration in migrations:
            for check in CHECKS:
                yield CheckItem.from_parent(self, name=f"{migration.filename}::{check}", file=migration.path, check=check)


class MigrationCheckFailed(Exception):
    """The findings that fail one check of one migration."""


class CheckItem(pytest.Item):
    def __init__(self, *, file: Path | None, check: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.file = file
        self.check = check

    def runtest(self) -> None:
        report = report_for(self.config)
        if self.check == "roundtrip":
            self._skip_unless_round_tripped(report)
        strict = bool(self.config.getini("llm_proxy_strict"))
        failing = [f for f in self._findings(report) if f.severity == "error" or strict]
        if failing:
            raise MigrationCheckFailed("\n".join(str(f) for f in failing))

    def _findings(self, report: ValidationReport) -> list[Finding]:
        if self.check == "folder":
            files = {m.path for m in report.migrations}
            return [f for f in report.findings if f.file not in files]
        return [f for f in report.findings if f.file == self.file and _check_of(f) == self.check]

    def _skip_unless_round_tripped(self, report: ValidationReport) -> None:
        summary = report.roundtrip
        if summary is None:
            pytest.skip("round trip not run (llm_proxy_roundtrip = false, a server dialect without "
                        "llm_proxy_database_url, or the folder has bad file names)")
        names = [m.filename for m in report.migrations]
        if summary.stopped is not None and self.file is not None:
            stop = names.index(summary.stopped)
            if names.index(self.file.name) > stop:
                pytest.skip(f"the round trip stopped at {summary.stopped}")

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, MigrationCheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return (self.file or self.path, None, f"llm-proxy {self.check}: {self.name}")


def _check_of(finding: Finding) -> str:
    if finding.code in ("parse", "source", "empty"):
        return "parses"
    if finding.code.startswith("LP6"):
        return "roundtrip"
    return "lints"
