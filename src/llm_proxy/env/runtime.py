"""What ``env.py`` calls, and how the library runs ``env.py``: one path for every command.

The stock ``alembic`` executable, :func:`llm_proxy.env.commands.run_alembic` and the
library (:func:`run_planned`) all run the environment's ``env.py``. It calls
:func:`goose_connection`, which opens the database the way migrations need it and holds
the migration lock while anything may change, and :func:`configure`, which configures
Alembic's environment with goose's context, one transaction per migration, and the
``on_version_apply`` callbacks of env.py. Alembic's
``context.run_migrations()`` then runs the steps.

``alembic.context`` and ``alembic.op`` are module-wide proxies, so one process runs one
environment at a time: :data:`ENVIRONMENT_LOCK` serialises the library's and
``run_alembic``'s runs (threads that migrate different databases take turns).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext

from llm_proxy.env._alembic_compat import environment_of, install_migration_context
from llm_proxy.env.context import GooseMigrationContext, plan_with, run_goose_steps
from llm_proxy.env.engine import open_engine, reporting_errors
from llm_proxy.env.intent import goose_steps
from llm_proxy.env.locks import migration_lock
from llm_proxy.env.readonly import refuse_read_only_file, refuse_read_only_server
from llm_proxy.env.revisions import GooseRevisionMap, GooseScriptDirectory, adopt, goose_map, revision_of
from llm_proxy.env.settings import PLANNER_KEY, SETTINGS_KEY, settings_from_config
from llm_proxy.errors import FileProblem, MigrationError, SourceError
from llm_proxy.goose.state import GooseState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from types import ModuleType

    from sqlalchemy.engine import Connection

    from llm_proxy.env.settings import EnvSettings
    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.goose.results import MigrationResult, PlannedStep

    Planner = Callable[[GooseState, Sequence[MigrationFile]], list[PlannedStep]]
    VersionCallback = Callable[..., None]

# goose refuses to run on a folder without migrations too: it is nearly always a wrong --dir.
NO_MIGRATIONS = "no migration files (<version>_<name>.sql) in this folder; check the folder given with --dir"

ENVIRONMENT_LOCK = threading.RLock()


def run_planned(settings: EnvSettings, planner: Planner, *, script: GooseScriptDirectory | None = None) -> list[MigrationResult]:
    """Run ``env.py`` with what ``planner`` chooses from the live state (read under the lock).

    ``script`` is the folder already read as revisions (by default it is read now).
    Returns the migrations that ran; raises the :class:`MigrationError` of a failure.
    """
    from alembic.util import CommandError

    config = Config()
    config.attributes[SETTINGS_KEY] = settings
    config.attributes[PLANNER_KEY] = plan_with(planner)
    script = script or GooseScriptDirectory(settings.folder)
    _rehearse_on_new_file(settings, script, planner)
    environment = EnvironmentContext(config, script)
    try:
        with ENVIRONMENT_LOCK, environment:
            script.run_env()
    except CommandError as exc:
        if isinstance(exc.__cause__, MigrationError):
            raise exc.__cause__ from None
        raise
    context = environment.get_context()
    assert isinstance(context, GooseMigrationContext)
    return context.results


def _rehearse_on_new_file(settings: EnvSettings, script: GooseScriptDirectory, planner: Planner) -> None:
    """On a SQLite file that does not exist yet, plan and parse before creating anything.

    Opening the database (and its lock file) creates the file; a command that is going to
    fail anyway (a broken migration file, ``down`` on an empty database) must leave the
    folder exactly as it was. A missing file has nothing applied, so the plan is known.
    """
    path = settings.target.sqlite_path
    migrations = goose_map(script).migrations
    if path is None or path.exists() or not migrations:
        return  # (an empty folder is refused by goose_connection, before anything is opened)
    for step in planner(GooseState.absent(), migrations):
        if not step.record_only:
            revision_of(script.revision_map, step.version).prepare(step.direction)


@contextmanager
def goose_connection(context: ModuleType) -> Iterator[Connection]:
    """The connection migrations run on, with the migration lock held (env.py, online).

    ``context`` is ``alembic.context``. Commands that only read (``alembic current``)
    neither lock nor create anything. The others first refuse a database that only accepts
    reads (:mod:`llm_proxy.env.readonly`), before the lock or any folder or file is made.
    """
    environment, settings = _prepared(context)
    read_only = bool(environment.context_opts.get("dont_mutate"))
    if not read_only and not goose_map(environment.script).migrations:
        raise SourceError([FileProblem(settings.folder, NO_MIGRATIONS)])
    if not read_only and settings.target.dialect == "sqlite":
        refuse_read_only_file(settings.target)
    engine = open_engine(settings.target, create_folder=not read_only, server_prepares=False)
    try:
        with reporting_errors(settings.target), engine.connect() as connection:
            if not read_only and settings.target.dialect != "sqlite":
                with connection.begin():  # the lock then runs transactions of its own on it
                    refuse_read_only_server(connection, settings.target)
            locked = nullcontext() if read_only else migration_lock(connection, options=settings.lock, on_wait=settings.on_lock_wait)
            with locked:
                yield connection
    finally:
        engine.dispose()


def configure(context: ModuleType, *, connection: Connection | None = None, on_version_apply: Iterable[VersionCallback] = ()) -> None:
    """``context.configure(...)`` for goose migrations (env.py, online and offline).

    Alembic's options: one transaction per migration (BEGIN/COMMIT in ``--sql`` scripts on
    every dialect), literal values in scripts, and the ``on_version_apply`` callbacks. The
    migration context Alembic builds is replaced by goose's (same dialect, connection and
    options).
    """
    environment, settings = _prepared(context)
    planner = environment.config.attributes.get(PLANNER_KEY) or goose_steps(environment.context_opts["fn"])
    environment.configure(
        connection=connection,
        url=None if connection is not None else settings.target.url,
        fn=run_goose_steps,
        transaction_per_migration=True,
        transactional_ddl=True,
        literal_binds=environment.is_offline_mode(),
        on_version_apply=list(on_version_apply),  # type: ignore[arg-type]  # Alembic takes one callable or several
        goose_settings=settings,
        goose_planner=planner,
    )
    plain = environment.get_context()
    install_migration_context(environment, GooseMigrationContext(plain.dialect, connection, plain.opts, environment))


@contextmanager
def alembic_errors() -> Iterator[None]:
    """Our errors as Alembic's CommandError, which ``alembic`` prints as ``FAILED: ...``.

    The library and ``run_alembic`` take the original back from ``__cause__``.
    """
    from alembic.util import CommandError

    try:
        yield
    except MigrationError as exc:
        raise CommandError(str(exc)) from exc


def _prepared(context: ModuleType) -> tuple[EnvironmentContext, EnvSettings]:
    """The running environment, reading the goose folder (under the stock ``alembic`` its
    script directory is Alembic's own, which reads only Python revisions)."""
    environment = environment_of(context)
    settings = settings_from_config(environment.config)
    if not isinstance(environment.script.revision_map, GooseRevisionMap):
        adopt(environment.script, settings.folder)
    return environment, settings
