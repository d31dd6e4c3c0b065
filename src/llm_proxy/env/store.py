"""goose's version table as Alembic's version store: the one place versions are recorded.

Alembic's run loop calls ``update_to_step(step)`` after each migration, inside the step's
transaction, and reads ``heads`` for its ``on_version_apply`` callbacks. Alembic's own
HeadMaintainer keeps one row per branch head and updates it in place; this store writes
goose's rows instead (spec §3): ``INSERT (version, true)`` when a migration goes up,
``DELETE ... WHERE version_id = v`` when it goes down, and for a NO TRANSACTION migration
the deletion of its interrupted-marker in the same transaction. In ``--sql`` mode the same
statements are written to the script. :mod:`llm_proxy.env.context` puts the store in the
loop for goose contexts only (see :mod:`llm_proxy.env._alembic_compat`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_proxy.env import interrupted
from llm_proxy.env.engine import database_message
from llm_proxy.env.version_table import create_table, table_exists
from llm_proxy.errors import MigrationError, VersionTableError
from llm_proxy.format.direction import Direction

if TYPE_CHECKING:
    from collections.abc import Iterable

    from llm_proxy.env.context import GooseMigrationContext
    from llm_proxy.goose.results import PlannedStep

_NO_PARAMETERS = {"no_parameters": True}


class GooseVersionStore:
    """Records each step of a :class:`GooseMigrationContext` in goose's version table.

    Built by Alembic's loop as ``HeadMaintainer(context, heads)``; the heads it passes are
    the context's own (goose's current version), so the store reads them from there.
    """

    def __init__(self, context: GooseMigrationContext, heads: Iterable[str]) -> None:
        self.context = context

    @property
    def heads(self) -> set[str]:
        """goose's current version after the last step, as Alembic's one head (``"0"`` at base)."""
        return {str(self.context.current_version)}

    def update_to_step(self, step: Any) -> None:
        planned: PlannedStep | None = getattr(step, "goose", None)
        if planned is None:
            raise MigrationError(
                f"{step} was not planned by goose's rules; run Alembic commands on goose "
                "migrations through their env.py (llm-proxy alembic, or alembic with alembic.ini)"
            )
        self.record(planned)
        self.context.step_recorded(planned)

    def record(self, step: PlannedStep) -> None:
        """goose's INSERT or DELETE of ``step``, in the transaction Alembic opened for it."""
        context = self.context
        table = context.goose_table
        sql = table.insert(step.version) if step.direction is Direction.UP else table.delete(step.version)
        if context.as_sql:
            context.impl.static_output(sql + ";")
            return
        connection = context.connection
        assert connection is not None
        try:
            connection.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
            if not step.record_only and not context.revision(step.version).use_transaction:
                interrupted.clear(connection, table, step.version)
        except context.database_errors as exc:
            raise VersionTableError(f"recording {step} in {table.name} failed: {database_message(exc)}") from exc


def ensure_table(context: GooseMigrationContext) -> None:
    """Create goose's table and its version-0 row before the first step (in a transaction
    of their own, as goose does); put the row back in an empty table.

    On MySQL the CREATE commits on its own, so a crash right after it can leave the table
    without goose's version-0 row (goose then fails with "no next version").
    """
    connection = context.connection
    assert connection is not None
    table = context.goose_table
    exists = table_exists(connection, table)
    empty = exists and connection.exec_driver_sql(table.any_row(), execution_options=_NO_PARAMETERS).first() is None
    if connection.in_transaction():
        connection.commit()  # the reads' implicit transaction
    if not exists:
        create_table(connection, table)
    elif empty:
        with connection.begin():
            connection.exec_driver_sql(table.insert(0), execution_options=_NO_PARAMETERS)
