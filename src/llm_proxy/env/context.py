"""Alembic's migration context for goose migrations: goose's state, goose's plan, Alembic's loop.

Alembic's ``MigrationContext.run_migrations`` runs every migration: it asks the work
function for its steps, opens one transaction per step (``transaction_per_migration``),
calls the revision's ``upgrade()``/``downgrade()``, has the version store record the step
and calls the ``on_version_apply`` callbacks. What changes here is only what Alembic cannot
know about goose:

- the current heads come from goose's version table (read once, under the migration lock),
  never from ``alembic_version``, which is never created;
- the steps come from goose's rules (:mod:`llm_proxy.goose.plan`): out-of-order files with
  ``allow_missing``, rollbacks in the order applied, ``up-to`` by number. Every file is
  parsed (or imported) before anything changes, and goose's table is created only when
  there is a step to record;
- a NO TRANSACTION migration runs inside ``autocommit_block()``, between an
  interrupted-marker (committed before it) and its version row (see :mod:`.interrupted`);
- the version store is goose's table (:mod:`llm_proxy.env.store`);
- a run that fails part-way raises :class:`~llm_proxy.errors.PartialMigrationError` with
  the migrations that were committed before the failing one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext, RevisionStep, StampStep
from sqlalchemy.exc import SQLAlchemyError

from llm_proxy.env import interrupted, offline, store
from llm_proxy.env._alembic_compat import install_version_store
from llm_proxy.env.locks import whoami
from llm_proxy.env.revisions import goose_map, revision_of
from llm_proxy.env.version_table import read_state, table_exists
from llm_proxy.dialects import dialect_name
from llm_proxy.errors import MigrationError, MigrationFailed, PartialMigrationError
from llm_proxy.format.direction import Direction
from llm_proxy.goose.results import MigrationResult
from llm_proxy.goose.state import GooseState
from llm_proxy.goose.table import VersionTable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from sqlalchemy.engine import Connection

    from llm_proxy.env.revisions import GooseRevisionMap, Revision
    from llm_proxy.env.settings import EnvSettings
    from llm_proxy.format.sources import MigrationFile
    from llm_proxy.goose.results import PlannedStep

    GoosePlanner = Callable[[tuple[str, ...], "GooseMigrationContext"], "list[PlannedStep]"]


class GooseMigrationContext(MigrationContext):
    """A :class:`MigrationContext` whose state, plan and version store are goose's.

    Options (besides Alembic's): ``goose_settings`` (:class:`EnvSettings`) and
    ``goose_planner``, which turns the heads into goose steps.
    """

    def __init__(self, dialect: Any, connection: Connection | None, opts: dict[str, Any], environment_context: Any) -> None:
        super().__init__(dialect, connection, opts, environment_context)
        self.settings: EnvSettings = opts["goose_settings"]
        self.planner: GoosePlanner = opts["goose_planner"]
        self.goose_table = VersionTable(self.settings.table, dialect_name(dialect.name))
        self.results: list[MigrationResult] = []
        """The migrations that ran and were committed, in order."""
        self.last_result: MigrationResult | None = None
        """The migration of the step being recorded (None for a version-row-only step)."""
        self._state: GooseState | None = None
        self._order: list[int] | None = None  # applied versions, newest first, as steps record them
        self._running: PlannedStep | None = None
        self._started = 0.0
        self._counts: dict[tuple[int, Direction], int | None] = {}

    # -- reading -------------------------------------------------------------------------

    @property
    def revision_map(self) -> GooseRevisionMap:
        """The goose folder as revisions (Alembic always gives a context its script directory)."""
        assert self.script is not None
        return goose_map(self.script)

    @property
    def migrations(self) -> list[MigrationFile]:
        """The folder's migration files, in version order."""
        return self.revision_map.migrations

    def revision(self, version: int) -> Revision:
        return revision_of(self.revision_map, version)

    def goose_state(self) -> GooseState:
        """The version table's state when the run started (read from the database once per
        context, under the lock); in ``--sql`` mode, every file up to the start revision."""
        if self._state is None:
            if self.as_sql:
                start = super().get_current_heads()
                self._state = GooseState.prefix(self.migrations, int(start[0]) if start else 0)
            else:
                assert self.connection is not None
                self._state = read_state(self.connection, self.goose_table)
        return self._state

    def get_current_heads(self) -> tuple[str, ...]:
        """goose's current version as Alembic's single head (the newest one with a file)."""
        if self.as_sql:
            return super().get_current_heads()
        known = set(self.revision_map.versions)
        current = next((v for v in self.goose_state().order if v in known), None)
        return (str(current),) if current else ()

    def _has_version_table(self) -> bool:
        assert self.connection is not None
        return table_exists(self.connection, self.goose_table)

    def _ensure_version_table(self, purge: bool = False) -> None:
        """Nothing yet: goose's table is created when the first step is about to run."""
        if purge:
            raise MigrationError("--purge is not supported: goose's version table keeps one row per applied version")

    @property
    def database_errors(self) -> tuple[type[BaseException], ...]:
        from sqlalchemy.exc import DBAPIError

        return (DBAPIError, self.dialect.loaded_dbapi.Error)

    # -- running -------------------------------------------------------------------------

    def run_migrations(self, **kw: Any) -> None:
        """Alembic's loop; a failure inside a step becomes goose's partial error."""
        try:
            try:
                super().run_migrations(**kw)
            except SQLAlchemyError as exc:
                failure = self._failure_on_lost_connection(exc)
                if failure is None:
                    raise
                raise failure from failure.__cause__
        except MigrationError as exc:
            if self._running is None or isinstance(exc, PartialMigrationError):
                raise
            raise PartialMigrationError(self.results, self._running, exc) from exc

    def _failure_on_lost_connection(self, exc: SQLAlchemyError) -> MigrationFailed | None:
        """The migration failure ``exc`` came after, when the server had dropped the
        connection: ending the step's transaction (or Alembic's autocommit block) on it then
        fails too. The transaction is rolled back, so that the lock can be let go."""
        failure = exc.__context__
        while failure is not None and not isinstance(failure, MigrationFailed):
            failure = failure.__context__
        if failure is None or self.connection is None or not self.connection.invalidated:
            return None
        transaction = self.connection.get_transaction()
        if transaction is not None:
            transaction.rollback()
        return failure

    def goose_steps(self, heads: tuple[str, ...]) -> Iterator[RevisionStep | StampStep]:
        """The work function of Alembic's loop: goose's plan, as Alembic steps.

        The loop resumes this generator only after the previous step's transaction has
        committed, which is when a step's result joins :attr:`results` and goes to the
        caller's progress (``on_version_apply`` callbacks run earlier, inside the
        transaction: a progress line or a schema snapshot must see the committed step).
        """
        planned = self.planner(heads, self)
        planned = [replace(step, index=index, total=len(planned)) for index, step in enumerate(planned, 1)]
        for step in planned:
            if not step.record_only:
                self._counts[step.version, step.direction] = self.revision(step.version).prepare(step.direction)
        if not planned:
            return
        self._before_first(planned[0])
        for step in planned:
            self._running, self.last_result = step, None
            self._started = time.perf_counter()
            progress = self.settings.progress
            if progress is not None:
                progress(step)
            yield self._alembic_step(step)
            if self.last_result is not None:
                self.results.append(self.last_result)
                if progress is not None:
                    progress(self.last_result)
        self._running = None

    @property
    def current_version(self) -> int:
        """goose's current version as of the last recorded step."""
        order = self._order if self._order is not None else self.goose_state().order
        return order[0] if order else 0

    def step_recorded(self, step: PlannedStep) -> None:
        """Called by the version store: the current version moves on, the result is known."""
        if self._order is None:
            self._order = list(self.goose_state().order)
        if step.version in self._order:
            self._order.remove(step.version)
        if step.direction is Direction.UP:
            self._order.insert(0, step.version)
        if step.record_only:
            return
        assert step.file is not None
        count = self._counts[step.version, step.direction]
        self.last_result = MigrationResult(step.version, step.file, step.direction, time.perf_counter() - self._started, count)

    def _before_first(self, first: PlannedStep) -> None:
        if self.as_sql:
            if not self.get_current_heads() and first.direction is Direction.UP:
                offline.emit_version_table(self.impl.static_output, self.goose_table)
            return
        assert self.connection is not None
        if not self.settings.resume_interrupted:
            interrupted.refuse_if_interrupted(self.connection, self.goose_table)
        store.ensure_table(self)

    def _alembic_step(self, step: PlannedStep) -> RevisionStep | StampStep:
        revision_map = self.revision_map
        is_upgrade = step.direction is Direction.UP
        if step.record_only:
            version = (str(step.version),)
            return GooseStampStep(step, () if is_upgrade else version, version if is_upgrade else (), is_upgrade, False, revision_map)
        return GooseRevisionStep(step, self, revision_map, revision_map.get_revision(str(step.version)), is_upgrade)

    def run_without_transaction(self, step: PlannedStep, migrate: Callable[..., None], kw: dict[str, Any]) -> None:
        """A NO TRANSACTION migration: marker committed, then ``migrate`` in autocommit.

        If the database refuses the first statement, nothing of the migration is applied, so
        the marker goes again; any later failure leaves it, for the next run to refuse.
        """
        if self.as_sql:
            with self.autocommit_block():
                migrate(**kw)
            return
        assert self.connection is not None
        path = self.revision(step.version).path
        interrupted.mark_started(self.connection, self.goose_table, step, path, whoami())
        with self.autocommit_block():
            try:
                migrate(**kw)
            except MigrationFailed as exc:
                if not exc.kept and not self.connection.invalidated:
                    interrupted.clear(self.connection, self.goose_table, step.version)
                raise


class GooseRevisionStep(RevisionStep):
    """Alembic's step for one goose migration, carrying goose's plan for it."""

    def __init__(self, goose: PlannedStep, context: GooseMigrationContext, *args: Any) -> None:
        super().__init__(*args)
        self.goose = goose
        if not context.revision(goose.version).use_transaction:
            migrate = self.migration_fn

            def without_transaction(**kw: Any) -> None:
                context.run_without_transaction(goose, migrate, kw)

            self.migration_fn = without_transaction


class GooseStampStep(StampStep):
    """Alembic's step for a version row alone (``alembic stamp``), carrying goose's plan."""

    def __init__(self, goose: PlannedStep, *args: Any) -> None:
        super().__init__(*args)
        self.goose = goose


def run_goose_steps(heads: tuple[str, ...], context: GooseMigrationContext) -> Iterator[RevisionStep | StampStep]:
    """The ``fn`` handed to Alembic: the context's own goose steps."""
    return context.goose_steps(heads)


def plan_with(planner: Callable[[GooseState, Sequence[MigrationFile]], list[PlannedStep]]) -> GoosePlanner:
    """A planner of :mod:`llm_proxy.goose.plan` (state and files in, steps out) as a context's."""

    def plan(heads: tuple[str, ...], context: GooseMigrationContext) -> list[PlannedStep]:
        return planner(context.goose_state(), context.migrations)

    return plan


install_version_store(GooseMigrationContext, store.GooseVersionStore)
