"""Running a migration command inside an Alembic environment.

One path for everything that changes the database: the stock ``alembic`` executable (via
``env.py``), :func:`llm_proxy.env.commands.run_alembic` and the library API
(:func:`run_planned`) all end in :func:`run`, which opens the database the way migrations need it, holds the migration
lock while anything may change, and hands the work to :class:`GooseMigrationContext`.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext

from llm_proxy.env.context import GooseMigrationContext
from llm_proxy.env.engine import open_engine, reporting_errors
from llm_proxy.env.scripts import GooseRevisionMap, GooseScriptDirectory, adopt, goose_map
from llm_proxy.env.settings import SETTINGS_KEY, settings_from_config
from llm_proxy.errors import FileProblem, SourceError
from llm_proxy.services.locks import migration_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.engine import Connection

    from llm_proxy.env.context import Progress
    from llm_proxy.env.intent import GooseFn
    from llm_proxy.env.settings import EnvSettings
    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.services.locks import LockOptions
    from llm_proxy.services.plan import GooseState
    from llm_proxy.services.results import MigrationResult, PlannedStep

    Planner = Callable[[GooseState, Sequence[MigrationFile]], list[PlannedStep]]

# goose refuses to run on a folder without migrations too: it is nearly always a wrong --dir.
NO_MIGRATIONS = "no migration files (<version>_<name>.sql) in this folder; check the folder given with --dir"


def run_planned(
    settings: EnvSettings,
    planner: Planner,
    *,
    script: GooseScriptDirectory | None = None,
    progress: Progress | None = None,
    lock: LockOptions | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
) -> list[MigrationResult]:
    """Run what ``planner`` chooses from the live state (read under the lock) and the files.

    ``script`` is the folder already read as revisions (by default it is read now).
    """
    config = Config()
    config.attributes[SETTINGS_KEY] = settings
    script = script or GooseScriptDirectory(settings.folder)
    _rehearse_on_new_file(settings, script, planner)

    def fn(heads: tuple[str, ...], context: GooseMigrationContext) -> list[PlannedStep]:
        return planner(context.goose_state(), goose_map(script).migrations)

    # Not entered as a ``with`` block: that would publish it as the process-wide
    # ``alembic.context``, which nothing here reads, and which two threads cannot share.
    return run(EnvironmentContext(config, script, fn=fn), fn, progress=progress, lock=lock, on_lock_wait=on_lock_wait)


def _rehearse_on_new_file(settings: EnvSettings, script: GooseScriptDirectory, planner: Planner) -> None:
    """On a SQLite file that does not exist yet, plan and parse before creating anything.

    Opening the database (and its lock file) creates the file; a command that is going to
    fail anyway (a broken migration file, ``down`` on an empty database) must leave the
    folder exactly as it was. A missing file has nothing applied, so the plan is known.
    """
    from llm_proxy.env.scripts import unit_of
    from llm_proxy.services.plan import GooseState

    path = settings.target.sqlite_path
    migrations = goose_map(script).migrations
    if path is None or path.exists() or not migrations:
        return  # (an empty folder is refused by run(), before anything is opened)
    for step in planner(GooseState(False, (), {}), migrations):
        if not step.record_only:
            unit_of(script, step.version).statements(step.direction)


def run(
    environment: EnvironmentContext,
    fn: GooseFn,
    *,
    progress: Progress | None = None,
    lock: LockOptions | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
) -> list[MigrationResult]:
    """Run ``fn``'s goose steps in ``environment``; returns what ran (nothing in ``--sql`` mode)."""
    settings = settings_from_config(environment.config)
    if not isinstance(environment.script.revision_map, GooseRevisionMap):
        adopt(environment.script, settings.folder)
    read_only = bool(environment.context_opts.get("dont_mutate"))
    if not read_only and not goose_map(environment.script).migrations:
        raise SourceError([FileProblem(settings.folder, NO_MIGRATIONS)])
    if environment.is_offline_mode():
        _configure(environment, None, settings, fn, progress).run_migrations()
        return []
    engine = open_engine(settings.target, create_folder=not read_only)
    try:
        with reporting_errors(settings.target), engine.connect() as connection:
            locked = nullcontext() if read_only else migration_lock(connection, options=lock, on_wait=on_lock_wait)
            with locked:
                context = _configure(environment, connection, settings, fn, progress)
                context.run_migrations()
                return context.results
    finally:
        engine.dispose()


def _configure(
    environment: EnvironmentContext,
    connection: Connection | None,
    settings: EnvSettings,
    fn: GooseFn,
    progress: Progress | None,
) -> GooseMigrationContext:
    """Configure ``environment`` as Alembic does, then swap in the goose context.

    ``EnvironmentContext.configure`` always builds a plain MigrationContext; its options and
    dialect are kept, the context itself is replaced so that ``get_context()`` returns ours.
    """
    environment.configure(
        connection=connection,
        url=None if connection is not None else settings.target.url,
        fn=fn,
        goose_settings=settings,
        goose_progress=progress,
    )
    plain = environment.get_context()
    context = GooseMigrationContext(plain.dialect, connection, plain.opts, environment)
    environment._migration_context = context
    return context
