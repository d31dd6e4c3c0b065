"""The stock Alembic commands, carried out by goose's rules.

``alembic upgrade/downgrade/stamp`` compute steps on Alembic's revision graph, which only
knows "everything up to the head is applied". goose's table can say more (versions applied
out of order, rollbacks in application order), so the steps are read as an intent (which
way, how far) and planned again by :mod:`llm_proxy.goose.plan`:

- upgrade to V → goose's ``up-to V`` (refuses missing files unless allow_missing);
- downgrade by a relative count (``-1``) → goose's ``down`` that many times;
- downgrade to V (or base) → goose's ``down-to V``;
- stamp V → the table rows of "every file up to V applied".

On a database migrated only forward and in order these are exactly Alembic's steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.runtime.migration import StampStep

from llm_proxy.goose.plan import plan_down, plan_down_to, plan_stamp, plan_up

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from alembic.runtime.migration import MigrationStep

    from llm_proxy.env.context import GooseMigrationContext, GoosePlanner
    from llm_proxy.goose.results import PlannedStep

    AlembicFn = Callable[[tuple[str, ...], GooseMigrationContext], Iterable[MigrationStep]]


def goose_steps(alembic_fn: AlembicFn) -> GoosePlanner:
    """Wrap an ``alembic.command`` work function so that it yields goose's steps."""

    def steps(heads: tuple[str, ...], context: GooseMigrationContext) -> list[PlannedStep]:
        alembic_steps = list(alembic_fn(heads, context))
        if not alembic_steps and not _is_upgrade_command(alembic_fn):
            return []
        state = context.goose_state()
        migrations = context.migrations
        if not alembic_steps:
            # Already at the target by Alembic's reckoning; goose's `up` still refuses
            # (or, allowed, applies) files missing below it.
            return plan_up(state, migrations, target=state.current, allow_missing=context.settings.allow_missing)
        last = alembic_steps[-1]
        if isinstance(last, StampStep):
            return plan_stamp(state, migrations, int(last.to_[0]) if last.to_ else 0)
        if last.is_upgrade:
            target = int(last.revision.revision)  # type: ignore[attr-defined]
            return plan_up(state, migrations, target=target, allow_missing=context.settings.allow_missing)
        argument = context.opts.get("destination_rev")
        if isinstance(argument, str) and argument.startswith("-"):
            return plan_down(state, migrations, count=len(alembic_steps))
        parent = last.revision.down_revision  # type: ignore[attr-defined]
        return plan_down_to(state, migrations, int(parent) if parent else 0)

    return steps


def _is_upgrade_command(alembic_fn: AlembicFn) -> bool:
    """True for the work function of ``alembic.command.upgrade`` (its inner ``upgrade``)."""
    return getattr(alembic_fn, "__qualname__", "") == "upgrade.<locals>.upgrade"
