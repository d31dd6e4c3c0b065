"""The migration commands as a class: what ``llm-proxy migrate``, ``open_database()`` and
``validate``'s round trip run (the library exposes it as :class:`llm_proxy.api.Migrator`).

    from llm_proxy.api import Migrator

    migrator = Migrator("postgresql://app@db/llm_proxy")      # or a SQLite path
    for result in migrator.up():
        print(result)                                         # OK   00001_initial_schema.sql (3.10ms)

Every command returns data (:mod:`llm_proxy.goose.results`) and raises a
:class:`~llm_proxy.errors.MigrationError` a person can act on; nothing is printed. A run
that fails part-way raises :class:`~llm_proxy.errors.PartialMigrationError`, which lists
the migrations committed before the failing one. The commands that only read (``status``,
``version``) never import Alembic, so they stay cheap, and neither does ``up`` when the
version table already says there is nothing to do. Commands that change the database run
the environment's ``env.py`` through Alembic: it takes the migration lock, re-reads the
version table under it, parses every file it will run, and only then changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.bundled import bundled_migrations
from llm_proxy.env.locks import DEFAULT_TIMEOUT, LockMode, LockOptions
from llm_proxy.env.locks import lock_mode as resolve_lock_mode
from llm_proxy.errors import MigrationError, ReadOnlyDatabaseError
from llm_proxy.goose import plan
from llm_proxy.goose.table import DEFAULT_TABLE, validate_table_name
from llm_proxy.selection import DatabaseTarget, as_target

if TYPE_CHECKING:
    from collections.abc import Callable

    from llm_proxy.env.revisions import GooseScriptDirectory
    from llm_proxy.env.runtime import Planner
    from llm_proxy.goose.results import MigrationResult, PlannedStep, Status

    Progress = Callable[[PlannedStep | MigrationResult], None]


class Migrator:
    """goose migrations of one folder, on one database.

    ``database`` is a URL (``postgresql://``, ``mysql://``, ``sqlite:///``), a SQLite file
    path, or a :class:`~llm_proxy.selection.DatabaseTarget`. ``migrations`` defaults to the
    bundled migrations of the database's dialect; ``table`` is goose's version table
    (``schema.table`` allowed). ``allow_missing`` applies out-of-order files first, as
    goose's ``--allow-missing``. ``resume_interrupted`` runs again a NO TRANSACTION
    migration that an earlier run left unfinished (its statements must be idempotent; see
    :mod:`llm_proxy.goose.markers`), instead of refusing. ``progress`` is called with each
    step before it runs and with its result once it has committed; ``on_lock_wait`` with a
    sentence naming the holder while another migrator holds the migration lock.
    ``lock_mode`` is how PostgreSQL's lock is held: ``session`` (default), ``transaction``
    or ``table`` behind a transaction pooler such as PgBouncer (default
    ``$LLM_PROXY_LOCK_MODE``; other databases have ``session`` only, see
    :mod:`llm_proxy.env.locks`). ``environment`` is the folder of the ``env.py`` to run (a copy of the package's with
    hooks of your own; default ``$LLM_PROXY_ENVIRONMENT``, else the package's). Everything
    is checked here, so a bad option fails before any command runs.
    """

    def __init__(
        self,
        database: str | Path | DatabaseTarget,
        migrations: str | Path | None = None,
        table: str = DEFAULT_TABLE,
        *,
        allow_missing: bool = False,
        resume_interrupted: bool = False,
        lock_timeout: float = DEFAULT_TIMEOUT,
        lock_mode: LockMode | str | None = None,
        progress: Progress | None = None,
        on_lock_wait: Callable[[str], None] | None = None,
        environment: str | Path | None = None,
    ) -> None:
        self.target = as_target(database)
        self.folder = Path(migrations) if migrations is not None else bundled_migrations(self.target.dialect)
        if not self.folder.is_dir():
            raise MigrationError(f"{self.folder}: the migrations folder does not exist or is not a folder")
        self.table = validate_table_name(table)
        self.allow_missing = allow_missing
        self.resume_interrupted = resume_interrupted
        self.lock = LockOptions(timeout=lock_timeout, mode=resolve_lock_mode(lock_mode)).check(self.target.dialect)
        self.progress = progress
        self.on_lock_wait = on_lock_wait
        self.environment = Path(environment) if environment is not None else None
        if self.environment is not None and not (self.environment / "env.py").is_file():
            raise MigrationError(
                f"{self.environment}: no env.py in this folder; copy llm_proxy/env/env.py there, then edit its hooks"
            )

    def __repr__(self) -> str:
        return f"Migrator({self.target.display!r}, {str(self.folder)!r}, {self.table!r})"

    # -- changing the database -----------------------------------------------------------

    def up(self) -> list[MigrationResult]:
        """Apply every pending migration, in version order; [] when there is nothing to do."""
        return self._run(partial(plan.plan_up, allow_missing=self.allow_missing), look_first=True)

    def up_by_one(self) -> MigrationResult:
        """Apply exactly the next pending migration; an error when there is none."""
        [result] = self._run(partial(plan.plan_up, by_one=True, allow_missing=self.allow_missing))
        return result

    def up_to(self, version: int) -> list[MigrationResult]:
        """Apply pending migrations up to ``version`` (the highest one at or below it)."""
        return self._run(partial(plan.plan_up, target=version, allow_missing=self.allow_missing), look_first=True)

    def down(self) -> MigrationResult:
        """Roll back the current version (the most recently applied one)."""
        [result] = self._run(plan.plan_down)
        return result

    def down_to(self, version: int) -> list[MigrationResult]:
        """Roll back, most recently applied first, until the current version is <= ``version``."""
        return self._run(lambda state, files: plan.plan_down_to(state, files, version))

    def redo(self) -> list[MigrationResult]:
        """Roll back the current version and apply it again (two transactions)."""
        return self._run(plan.plan_redo)

    def reset(self) -> list[MigrationResult]:
        """Roll back every applied migration, most recently applied first."""
        return self._run(lambda state, files: plan.plan_reset(state, files, self.table))

    # -- reading -------------------------------------------------------------------------

    def status(self) -> Status:
        """Every migration and every database-only version, with when each was applied."""
        from llm_proxy.services.status import read_status

        return read_status(self.target, self.folder, self.table)

    def version(self) -> int:
        """goose's current version: the most recently applied one (0 when none)."""
        from llm_proxy.services.status import read_goose_state

        return read_goose_state(self.target, self.table).current

    def _run(self, planner: Planner, *, look_first: bool = False) -> list[MigrationResult]:
        """Run what ``planner`` chooses, through the environment's env.py.

        With ``look_first`` (``up``, ``up-to``), when the version table read without the lock
        already says there is nothing to do, the answer is final (a concurrent migrator can
        only apply more) and Alembic is not even imported: a server starting on an
        up-to-date database pays one query.
        """
        if look_first and self._nothing_to_do(planner):
            return []
        from llm_proxy.env.runtime import run_planned
        from llm_proxy.env.settings import EnvSettings

        settings = EnvSettings(
            self.target,
            self.folder,
            self.table,
            self.allow_missing,
            self.resume_interrupted,
            lock=self.lock,
            progress=self.progress,
            on_lock_wait=self.on_lock_wait,
        )
        return run_planned(settings, planner, script=self._scripts())

    def _nothing_to_do(self, planner: Planner) -> bool:
        """True when ``planner`` has no step for the state read without the lock; any doubt
        (an error, a step) leaves the decision to the run under the lock. A database that
        only accepts reads is refused here, up to date or not, before Alembic is imported."""
        from llm_proxy.format.sources import collect
        from llm_proxy.services.status import read_goose_state

        try:
            files = collect(self.folder)
            return bool(files) and not planner(read_goose_state(self.target, self.table, for_writing=True), files)
        except ReadOnlyDatabaseError:
            raise
        except MigrationError:
            return False

    def _scripts(self) -> GooseScriptDirectory:
        """The folder as revisions, read afresh for every command (files may change between them)."""
        from llm_proxy.env.revisions import GooseScriptDirectory

        return GooseScriptDirectory(self.folder, environment=self.environment)


@dataclass(frozen=True, slots=True)
class MigratorOptions:
    """Everything a :class:`Migrator` takes but the database and the callbacks: what the
    databases of one ``--each`` run share, and what a command's options map onto.

    ``migrations`` None means each database's own dialect's bundled migrations, so one run
    may mix SQLite, PostgreSQL and MySQL databases. The table name, the lock timeout and
    the lock mode are checked when the options are made; the folders when a Migrator is.
    Plain values, so that worker processes can receive them.
    """

    migrations: Path | None = None
    table: str = DEFAULT_TABLE
    allow_missing: bool = False
    resume_interrupted: bool = False
    lock_timeout: float = DEFAULT_TIMEOUT
    lock_mode: LockMode | None = None  # None: $LLM_PROXY_LOCK_MODE, else session
    environment: Path | None = None

    def __post_init__(self) -> None:
        validate_table_name(self.table)
        LockOptions(timeout=self.lock_timeout, mode=resolve_lock_mode(self.lock_mode))

    def migrator(
        self,
        target: DatabaseTarget,
        *,
        progress: Progress | None = None,
        on_lock_wait: Callable[[str], None] | None = None,
    ) -> Migrator:
        """The Migrator of ``target`` with these options (checked by the Migrator)."""
        return Migrator(
            target,
            self.migrations,
            self.table,
            allow_missing=self.allow_missing,
            resume_interrupted=self.resume_interrupted,
            lock_timeout=self.lock_timeout,
            lock_mode=self.lock_mode,
            progress=progress,
            on_lock_wait=on_lock_wait,
            environment=self.environment,
        )
