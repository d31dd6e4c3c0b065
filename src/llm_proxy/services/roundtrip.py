"""The round trip: every migration applied, rolled back and applied again on a scratch database.

goose's CI ran ``up`` then ``down`` once, so a Down section that did nothing passed and the
next ``up`` failed with "duplicate column name". Here, for each migration in order: snapshot
the schema, apply Up, snapshot, roll back (Down), snapshot and compare with the first, then
apply Up again. The migrations run through :class:`~llm_proxy.api.Migrator`, the runner
users run (same transactions, locks, version rows); the rollback and the second Up are one
``redo``, with the snapshot taken between them.

Findings:

- LP601: after Down, the schema differs from before Up (one finding per object).
- LP602: Up fails.
- LP603: Down fails.
- LP604: Up fails after Down (a Down that left something behind, or an Up that cannot run twice).

The database is a temporary SQLite file, or a scratch database created on the server of a
URL; both are removed afterwards, also when a migration fails or the run is interrupted.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import MigrationError, MigrationFailed, PartialMigrationError
from llm_proxy.format.direction import Direction
from llm_proxy.selection import from_url, sqlite_target
from llm_proxy.services.findings import Finding
from llm_proxy.services.runner import Migrator

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from llm_proxy.env.revisions import GooseScriptDirectory
    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.selection import DatabaseTarget
    from llm_proxy.goose.results import MigrationResult, PlannedStep
    from llm_proxy.services.schema import Change, SchemaReader, Snapshot

SCRATCH_PREFIX = "llm_proxy_validate_"
_DOWN_MARK = re.compile(r"^\s*--\s*\+goose\s+down\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """What the round trip did: on which dialect and database, how many migrations, how long."""

    dialect: str
    database: str
    checked: int
    total: int
    seconds: float
    stopped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "dialect": self.dialect,
            "database": self.database,
            "checked": self.checked,
            "migrations": self.total,
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
        }


def round_trip(
    migrations: Sequence[MigrationFile], *, database_url: str | None = None
) -> tuple[RoundTrip, list[Finding]]:
    """Round-trip ``migrations`` (one folder's, in version order) on a scratch database.

    Without ``database_url`` on a temporary SQLite file; with one, in a new database on
    that server (the URL's own database is only used to create and drop it).
    """
    start = time.perf_counter()
    with _scratch(database_url) as target:
        checked, findings, stopped = _run(target, migrations)
    summary = RoundTrip(target.dialect, _server_display(database_url), checked, len(migrations),
                        time.perf_counter() - start, stopped)
    return summary, findings


def _server_display(database_url: str | None) -> str:
    if database_url is None:
        return "temporary SQLite file"
    return f"scratch database on {from_url(database_url).display}"


@contextmanager
def _scratch(database_url: str | None) -> Iterator[DatabaseTarget]:
    if database_url is None:
        with tempfile.TemporaryDirectory(prefix="llm-proxy-validate-") as folder:
            yield sqlite_target(Path(folder) / "roundtrip.db")
        return
    server = from_url(database_url)
    if server.dialect == "sqlite":
        raise MigrationError(
            f"{server.display}: the round trip on SQLite always uses a temporary file; "
            "drop --database-url, or give a PostgreSQL or MySQL URL"
        )
    with scratch_database(server) as target:
        yield target


@contextmanager
def scratch_database(server: DatabaseTarget, *, prefix: str = SCRATCH_PREFIX) -> Iterator[DatabaseTarget]:
    """A new, empty database on ``server``'s server, dropped afterwards whatever happens.

    Its name is ``prefix`` and a random suffix. Raises :class:`DatabaseError` when the
    server cannot be reached or refuses to create it.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from llm_proxy.env.engine import reporting_errors

    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    quote = '"' if server.dialect == "postgres" else "`"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        with reporting_errors(server), admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
        try:
            url = make_url(server.url).set(database=name).render_as_string(hide_password=False)
            yield from_url(url)
        finally:
            force = ""
            with admin.connect() as connection:
                version = connection.dialect.server_version_info or ()
                if server.dialect == "postgres" and version >= (13,):
                    force = " WITH (FORCE)"
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}")
    finally:
        admin.dispose()


class _Runner(Migrator):
    """The library's Migrator, reading the migrations folder once for the whole round trip.

    ``Migrator`` re-reads the folder on every command (files may change between commands);
    over 1,000 migrations and 2,000 commands that alone would take minutes.
    """

    def __init__(self, target: DatabaseTarget, folder: Path) -> None:
        from llm_proxy.env.revisions import GooseScriptDirectory

        super().__init__(target, folder, progress=self._step)
        self._script = GooseScriptDirectory(self.folder)
        self.between: Snapshot | None = None
        self.reader: SchemaReader | None = None

    def _step(self, event: PlannedStep | MigrationResult) -> None:
        from llm_proxy.goose.results import MigrationResult

        if isinstance(event, MigrationResult) and event.direction is Direction.DOWN and self.reader is not None:
            self.between = self.reader.snapshot()

    def _scripts(self) -> GooseScriptDirectory:
        return self._script


def _run(target: DatabaseTarget, migrations: Sequence[MigrationFile]) -> tuple[int, list[Finding], str | None]:
    from llm_proxy.env.engine import open_engine
    from llm_proxy.services.schema import SchemaReader, compare

    if not migrations:
        return 0, [], None
    with _folder_of(migrations) as folder:
        runner = _Runner(target, folder)
        engine = open_engine(target)
        try:
            with engine.connect() as connection:
                if target.dialect == "sqlite":
                    # A scratch file needs no rollback journal: WAL makes each of the
                    # runner's commits one append, and lets snapshots read beside it.
                    connection.connection.dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
                runner.reader = SchemaReader(connection, exclude=[runner.table])
                before = runner.reader.snapshot()
                findings: list[Finding] = []
                for index, migration in enumerate(migrations):
                    rest = len(migrations) - index - 1
                    try:
                        runner.up_by_one()
                    except MigrationError as exc:
                        findings.append(_failed("LP602", "Up fails", migration, exc, rest))
                        return index, findings, migration.filename
                    after_up = runner.reader.snapshot()
                    runner.between = None
                    try:
                        runner.redo()
                    except MigrationError as exc:
                        if runner.between is None:
                            findings.append(_failed("LP603", "Down fails", migration, exc, rest, _kept(exc)))
                            if _kept(exc):
                                return index, findings, migration.filename
                            before = after_up
                            continue
                        findings.extend(_diffs(migration, compare(before, after_up, runner.between)))
                        findings.append(_failed("LP604", "Up fails after Down", migration, exc, rest))
                        return index, findings, migration.filename
                    assert runner.between is not None
                    changes = compare(before, after_up, runner.between)
                    findings.extend(_diffs(migration, changes))
                    # Up applied again to the schema it first ran on gives the schema it gave
                    # then; only a Down that did not restore it calls for a new snapshot.
                    before = runner.reader.snapshot() if changes else after_up
                return len(migrations), findings, None
        finally:
            engine.dispose()


def _kept(exc: MigrationError) -> bool:
    """Whether a failed migration left part of itself applied (so later ones cannot run)."""
    cause = _cause(exc)
    return not isinstance(cause, MigrationFailed) or bool(cause.kept)


def _cause(exc: MigrationError) -> MigrationError:
    """The failure itself, out of the run's partial error."""
    return exc.cause if isinstance(exc, PartialMigrationError) else exc


@contextmanager
def _folder_of(migrations: Sequence[MigrationFile]) -> Iterator[Path]:
    """The folder holding exactly ``migrations``: theirs, or links in a temporary one.

    ``validate`` may pass over files (``--ignore``, bad names) that the runner would refuse.
    """
    from llm_proxy.format.sources import scan

    folder = migrations[0].path.parent
    found, problems = scan(folder)
    if not problems and [m.path for m in found] == [m.path for m in migrations]:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="llm-proxy-validate-") as tmp:
        for migration in migrations:
            (Path(tmp) / migration.filename).symlink_to(migration.path.resolve())
        yield Path(tmp)


def _failed(code: str, what: str, migration: MigrationFile, exc: MigrationError, rest: int, stop: bool = True) -> Finding:
    direction = Direction.DOWN if code == "LP603" else Direction.UP
    exc = _cause(exc)
    if isinstance(exc, MigrationFailed):
        message = f"{what}: {exc.database_message} (statement: {exc.statement.first_line})"
        line: int | None = exc.statement.line
    else:
        message, line = f"{what}: {exc}", None
    hints = {
        "LP602": "the migration does not run on this database; fix the statement, or check it on the dialect it is for (--database-url)",
        "LP603": "Down must run right after Up; fix the statement",
        "LP604": "Down must undo everything Up did, so that Up can run again (see the LP601 findings), "
        "or make Up safe to re-run",
    }
    hint = hints[code]
    if stop and rest:
        hint += f"; the round trip stopped here, {rest} later migration{'s were' if rest != 1 else ' was'} not run"
    return Finding(code, message, file=migration.path, line=line, hint=hint, direction=direction)


def _diffs(migration: MigrationFile, changes: Sequence[Change]) -> list[Finding]:
    if not changes:
        return []
    lines = migration.path.read_text(encoding="utf-8", errors="replace").splitlines()
    marker = next((n for n, text in enumerate(lines, 1) if _DOWN_MARK.match(text)), None)
    return [
        Finding(
            "LP601",
            f"after Down, {change.describe()}",
            file=migration.path,
            line=_line_naming(lines, marker, change.subject.name) or marker,
            hint=_hint(change),
            direction=Direction.DOWN,
        )
        for change in changes
    ]


def _line_naming(lines: list[str], marker: int | None, name: str) -> int | None:
    """The first line of the Down section that names ``name``, if any."""
    if marker is None or not re.fullmatch(r"\w+", name):
        return None
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])", re.IGNORECASE)
    return next((n for n in range(marker + 1, len(lines) + 1) if word.search(lines[n - 1].split("--")[0])), None)


def _hint(change: Change) -> str:
    subject = change.subject
    if change.change == "left" and change.after_up is not None:
        drop = {
            "column": f"ALTER TABLE {subject.table} DROP COLUMN {subject.name}",
            "table": f"DROP TABLE {subject.name}",
            "index": f"DROP INDEX {subject.name}",
            "view": f"DROP VIEW {subject.name}",
            "trigger": f"DROP TRIGGER {subject.name}",
        }.get(subject.kind)
        return f"Down must drop what Up adds{f', e.g. {drop};' if drop else ''}"
    if change.change == "missing" and change.after_up is not None:
        return "Down must drop only what its Up created; remove this from Down (or create it in Up)"
    return "Down must restore the schema exactly as it was before Up"
