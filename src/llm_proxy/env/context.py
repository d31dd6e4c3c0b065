"""Alembic's migration context, keeping goose's version table instead of ``alembic_version``.

Alembic's bookkeeping (one row per branch head, updated in place) cannot be mapped onto
goose's table (one row per applied version, deleted on rollback), so every method that
touches the version table is replaced: current heads, has/ensure table, stamp and
run_migrations. Each migration and its version row share one transaction; a NO
TRANSACTION migration runs in autocommit and its row follows on its own, as in goose.

The work function (``fn``, Alembic's hook for "what to run") returns goose steps
(:class:`~llm_proxy.services.results.PlannedStep`), planned by goose's rules; see
:mod:`llm_proxy.env.intent` for the stock Alembic commands.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext

from llm_proxy.env import interrupted, offline
from llm_proxy.env.engine import DIALECT_NAMES, database_message
from llm_proxy.env.execute import commits_implicitly, run_unit, complete_statements
from llm_proxy.env.scripts import goose_map, unit_of
from llm_proxy.env.version_table import VersionTable, create_table, read_state, table_exists
from llm_proxy.errors import MigrationError, MigrationFailed, StatementRef, VersionTableError
from llm_proxy.format.grammar import Direction
from llm_proxy.services.plan import GooseState, plan_stamp
from llm_proxy.services.locks import whoami
from llm_proxy.services.results import MigrationResult

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection, CursorResult

    from llm_proxy.env.scripts import GooseUnit
    from llm_proxy.env.settings import EnvSettings
    from llm_proxy.format.grammar import Statement
    from llm_proxy.services.results import PlannedStep

    Progress = Callable[[PlannedStep | MigrationResult], None]

log = logging.getLogger("llm_proxy.migrate")


class GooseMigrationContext(MigrationContext):
    """A :class:`MigrationContext` whose version store is goose's table.

    Options (besides Alembic's): ``goose_settings`` (:class:`EnvSettings`) and
    ``goose_progress``, called with each step before it runs and with its result after.
    """

    def __init__(self, dialect: Any, connection: Connection | None, opts: dict[str, Any], environment_context: Any) -> None:
        super().__init__(dialect, connection, opts, environment_context)
        self.settings: EnvSettings = opts["goose_settings"]
        self.goose_table = VersionTable(self.settings.table, DIALECT_NAMES[dialect.name])
        self.progress: Progress | None = opts.get("goose_progress")
        self.results: list[MigrationResult] = []
        self._planning_state: GooseState | None = None

    # -- reading the table ---------------------------------------------------------------

    def goose_state(self) -> GooseState:
        """The version table's state; in ``--sql`` mode, every file up to the start revision."""
        if self._planning_state is not None:
            return self._planning_state
        if self.as_sql:
            start = super().get_current_heads()
            return GooseState.prefix(goose_map(self.script).migrations, int(start[0]) if start else 0)
        return read_state(self._live, self.goose_table)

    def get_current_heads(self) -> tuple[str, ...]:
        """goose's current version as Alembic's single head (the newest one with a file)."""
        if self.as_sql:
            return super().get_current_heads()
        known = set(goose_map(self.script).versions)
        current = next((v for v in self.goose_state().order if v in known), None)
        return (str(current),) if current else ()

    def _has_version_table(self) -> bool:
        return table_exists(self._live, self.goose_table)

    def _ensure_version_table(self, purge: bool = False) -> None:
        if purge:
            raise MigrationError("--purge is not supported: goose's version table keeps one row per applied version")
        if not self._has_version_table():
            self._end_transaction()
            create_table(self._live, self.goose_table)
        elif self._sql(self.goose_table.any_row()).first() is None:
            # An empty table: on MySQL the CREATE commits on its own, so a crash right after
            # it leaves the table without goose's version-0 row (goose then fails with "no
            # next version"). Put the row back.
            self._end_transaction()
            with self._live.begin():
                self._sql(self.goose_table.insert(0))

    # -- running -------------------------------------------------------------------------

    def stamp(self, script_directory: ScriptDirectory, revision: str) -> None:
        """Make the table say every file up to ``revision`` is applied, running no SQL."""
        scripts = script_directory.revision_map.get_revisions(revision)
        target = int(scripts[0].revision) if scripts and scripts[0] is not None else 0
        self.run_steps(plan_stamp(self.goose_state(), goose_map(script_directory).migrations, target))

    def run_migrations(self, **kw: Any) -> None:
        """Plan from one read of the version table (taken under the lock), then run."""
        assert self._migrations_fn is not None
        self._planning_state = self.goose_state()
        try:
            steps = list(self._migrations_fn(self.get_current_heads(), self))
        finally:
            self._planning_state = None
        self.run_steps(steps)

    def run_steps(self, steps: Sequence[PlannedStep]) -> None:
        """Run ``steps`` in order; every file is parsed before the database is changed."""
        units = {s.version: unit_of(self.script, s.version) for s in steps if not s.record_only}
        for step in steps:
            if not step.record_only:
                units[step.version].statements(step.direction)
        if self.as_sql:
            offline.emit(self, steps, units)
            return
        if steps:
            if not self.settings.resume_interrupted:
                interrupted.refuse_if_interrupted(self._live, self.goose_table)
            self._ensure_version_table()
        for step in steps:
            self._run_step(step, units.get(step.version))

    def _run_step(self, step: PlannedStep, unit: GooseUnit | None) -> None:
        if self.progress is not None:
            self.progress(step)
        log.info("Running %s", step)
        started = time.perf_counter()
        record = self.record_sql(step)
        if unit is None:
            self._end_transaction()
            with self._live.begin():
                self._record(record, step)
            return
        statements = unit.statements(step.direction)
        if unit.parsed.use_transaction:
            self._run_in_transaction(unit, step, statements, record)
        else:
            self._run_in_autocommit(unit, step, statements, record)
        result = MigrationResult(step.version, unit.path, step.direction, time.perf_counter() - started, len(statements))
        self.results.append(result)
        if self.progress is not None:
            self.progress(result)

    def record_sql(self, step: PlannedStep) -> str:
        """The version-table change of a step: goose's INSERT when up, DELETE when down."""
        if step.direction is Direction.UP:
            return self.goose_table.insert(step.version)
        return self.goose_table.delete(step.version)

    def _run_in_transaction(self, unit: GooseUnit, step: PlannedStep, statements: Sequence[Statement], record: str) -> None:
        connection = self._live
        self._end_transaction()
        ran: list[Statement] = []
        with connection.begin():
            for statement in statements:
                self._run_statement(unit, step, statement, ran)
                ran.append(statement)
            self._record(record, step)

    def _run_in_autocommit(self, unit: GooseUnit, step: PlannedStep, statements: Sequence[Statement], record: str) -> None:
        """Statement by statement, between a marker row and the version row (see :mod:`.interrupted`)."""
        connection = self._live
        self._end_transaction()
        interrupted.mark_started(connection, self.goose_table, step, unit.path, whoami())
        connection.execution_options(isolation_level="AUTOCOMMIT")
        ran: list[Statement] = []
        try:
            for statement in statements:
                self._run_statement(unit, step, statement, ran)
                ran.append(statement)
        except MigrationFailed:
            self._end_transaction()
            if not ran:
                self._forget_marker(step)
            raise
        finally:
            self._end_transaction()
            connection.execution_options(isolation_level=connection.default_isolation_level)
        with connection.begin():
            self._record(record, step)
            interrupted.clear(connection, self.goose_table, step.version)

    def _forget_marker(self, step: PlannedStep) -> None:
        """The database refused the first statement: nothing of the migration is applied."""
        with self._live.begin():
            interrupted.clear(self._live, self.goose_table, step.version)

    def _run_statement(self, unit: GooseUnit, step: PlannedStep, statement: Statement, ran: list[Statement]) -> None:
        try:
            run_unit(self._live, statement.text)
        except self._database_errors as exc:
            raise self._failure(unit, step, statement, ran, exc) from exc

    def _record(self, sql: str, step: PlannedStep) -> None:
        try:
            self._sql(sql)
        except self._database_errors as exc:
            raise VersionTableError(
                f"recording {step} in {self.goose_table.name} failed: {database_message(exc)}"
            ) from exc

    def _failure(
        self, unit: GooseUnit, step: PlannedStep, statement: Statement, ran: list[Statement], exc: BaseException
    ) -> MigrationFailed:
        if not unit.parsed.use_transaction:
            kept, reason = ran, "the migration runs without a transaction (NO TRANSACTION)"
        elif self.goose_table.dialect == "mysql":
            kept = [s for s in ran if commits_implicitly(s.text)]
            if commits_implicitly(statement.text) and len(complete_statements(statement.text)) > 1:
                kept.append(statement)  # DDL before the failing part of a multi-statement unit
            reason = "MySQL commits DDL statements implicitly"
        else:
            kept, reason = [], ""
        return MigrationFailed(
            path=unit.path,
            direction=step.direction.value,
            statement=_ref(statement),
            database_message=database_message(exc),
            kept=tuple(_ref(s) for s in kept),
            kept_reason=reason,
        )

    def _sql(self, sql: str) -> CursorResult[Any]:
        return self._live.exec_driver_sql(sql, execution_options={"no_parameters": True})

    @property
    def _live(self) -> Connection:
        assert self.connection is not None
        return self.connection

    @property
    def _database_errors(self) -> tuple[type[BaseException], ...]:
        from sqlalchemy.exc import DBAPIError

        return (DBAPIError, self.dialect.loaded_dbapi.Error)

    def _end_transaction(self) -> None:
        """Commit what SQLAlchemy began implicitly (reads), so that a migration starts clean."""
        if self._live.in_transaction():
            self._live.commit()


def _ref(statement: Statement) -> StatementRef:
    first = next((line for line in statement.text.splitlines() if line.strip()), "")
    return StatementRef(statement.line, first.strip())
