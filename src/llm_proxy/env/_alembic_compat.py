"""Every use of Alembic's private API, in one place (each has a test in tests/env/test_alembic_compat.py).

goose's rules need a few things Alembic has no public hook for. Supported Alembic versions
are the ones ``pyproject.toml`` allows; CI runs the suite on the lowest and the highest.

- :func:`install_version_store`: Alembic's run loop (``MigrationContext.run_migrations``)
  keeps its bookkeeping in a ``HeadMaintainer`` it builds itself, one row per branch head
  updated in place; goose keeps one row per applied version, deleted on rollback. The class
  is looked up as a module global, so it is replaced there by a factory that builds goose's
  version store for a goose context and Alembic's own HeadMaintainer for every other.
- :func:`environment_of` and :func:`install_migration_context`:
  ``EnvironmentContext.configure`` always builds a plain ``MigrationContext``; the
  environment keeps it as ``_migration_context``, where ours replaces it.
- :class:`ExactRevisionMap`: Alembic resolves a revision id that is not an exact match by
  prefix (``2024`` would mean ``20240101000000``), finds the current revisions by a walk
  that is quadratic in their number, and walks the whole graph for cycles that a straight
  line cannot have; all three are private methods of ``RevisionMap``.
- :func:`ini_files` and :func:`goose_script_directory` serve ``llm-proxy alembic``: the
  files ``CommandLine`` reads, and ``alembic.command`` building our ScriptDirectory.
"""

from __future__ import annotations

import bisect
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from alembic.runtime import migration
from alembic.script.revision import RevisionMap

if TYPE_CHECKING:
    from argparse import Namespace
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from alembic.config import CommandLine
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script, ScriptDirectory

_ALEMBIC_HEAD_MAINTAINER = migration.HeadMaintainer


def install_version_store(context_class: type[MigrationContext], store: Callable[[Any, Any], Any]) -> None:
    """Make Alembic's run loop keep the versions of ``context_class`` contexts in ``store``.

    Idempotent; contexts of any other class keep Alembic's HeadMaintainer.
    """

    def head_maintainer(context: MigrationContext, heads: Any) -> Any:
        if isinstance(context, context_class):
            return store(context, heads)
        return _ALEMBIC_HEAD_MAINTAINER(context, heads)

    migration.HeadMaintainer = head_maintainer  # type: ignore[assignment,misc]


def environment_of(context_module: Any) -> EnvironmentContext:
    """The EnvironmentContext behind ``alembic.context`` (a module of proxies to it)."""
    environment: EnvironmentContext = context_module._proxy
    return environment


def install_migration_context(environment: EnvironmentContext, context: MigrationContext) -> None:
    """Make ``environment`` run ``context`` (what ``get_context()`` and ``run_migrations()`` use)."""
    environment._migration_context = context


class ExactRevisionMap(RevisionMap):
    """A revision map over one straight line of numbered revisions.

    A plain number means the highest version at or below it, never Alembic's prefix match;
    the current revisions are exactly the ones asked for (no ancestor walk).
    """

    def __init__(self, generator: Callable[[], Iterable[Script]], versions: Sequence[int]) -> None:
        self.versions = list(versions)
        super().__init__(generator)

    def _resolve_revision_number(self, id_):  # type: ignore[no-untyped-def]
        if isinstance(id_, str) and id_.isascii() and id_.isdigit():
            index = bisect.bisect_right(self.versions, int(id_))
            return ((str(self.versions[index - 1]),) if index else ()), None
        return super()._resolve_revision_number(id_)

    def _get_all_current(self, id_):  # type: ignore[no-untyped-def]
        return set(self.get_revisions(id_))

    def _detect_cycles(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to look for: each revision's down revision is the one numbered before
        it, so the line cannot loop (Alembic's walk cost a third of building the map)."""


def ini_files(command_line: CommandLine, options: Namespace) -> tuple[Any, Any]:
    """``(toml_file, ini_file)`` as the ``alembic`` command line chooses them from ``options``."""
    return command_line._inis_from_config(options)


@contextmanager
def goose_script_directory(script_class: type[ScriptDirectory]) -> Iterator[None]:
    """Make ``alembic.command`` build ``script_class`` while a command runs.

    The commands look ``ScriptDirectory`` up as a module global; the caller serialises
    commands (see :data:`llm_proxy.env.runtime.ENVIRONMENT_LOCK`).
    """
    from alembic import command

    original = command.ScriptDirectory
    command.ScriptDirectory = script_class  # type: ignore[misc]
    try:
        yield
    finally:
        command.ScriptDirectory = original  # type: ignore[misc]
