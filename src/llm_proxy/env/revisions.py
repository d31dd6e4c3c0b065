"""goose files as Alembic revisions: one revision per migration file, SQL or Python.

Revision id = the version as a decimal string, parent = the previous version, so the
history is one straight line in version order. Alembic only loads ``.py`` files with its
own naming; the revision map here is built from the migrations folder instead, as
in-memory modules whose ``upgrade()`` and ``downgrade()`` run the file:

- a goose SQL file's functions execute its statements of that direction on the migration
  context's connection (:func:`llm_proxy.env.execute.run_statements`), or write them to the
  script in ``--sql`` mode;
- a Python revision's functions are the module's own, written as for Alembic (``from
  alembic import op``); the module is imported when a command is about to run it.

Either kind says whether it runs in a transaction (``-- +goose NO TRANSACTION``, or
``no_transaction = True`` in the module); the run loop wraps the other kind in
``autocommit_block()`` (:mod:`llm_proxy.env.context`).
"""

from __future__ import annotations

import importlib.util
import os
import types
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.script import Script, ScriptDirectory

from llm_proxy.dialects import dialect_of
from llm_proxy.env._alembic_compat import ExactRevisionMap
from llm_proxy.env.settings import settings_from_config
from llm_proxy.errors import MigrationError, MigrationFailed, PythonRevisionError, StatementRef
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file
from llm_proxy.format.sources import collect

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from alembic.config import Config
    from alembic.script.revision import RevisionMap

    from llm_proxy.format.grammar import ParsedSQL, Statement
    from llm_proxy.format.sources import MigrationFile

ENV_DIR = Path(__file__).resolve().parent
ENVIRONMENT_VARIABLE = "LLM_PROXY_ENVIRONMENT"


class _FileRevision:
    """The migration file behind a revision."""

    def __init__(self, migration: MigrationFile) -> None:
        self.migration = migration

    @property
    def path(self) -> Path:
        return self.migration.path


class SqlRevision(_FileRevision):
    """A goose SQL file behind a revision: its statements per direction, parsed on first use."""

    @cached_property
    def parsed(self) -> ParsedSQL:
        return parse_file(self.migration.path)

    @property
    def use_transaction(self) -> bool:
        return self.parsed.use_transaction

    def statements(self, direction: Direction) -> Sequence[Statement]:
        """The statements of ``direction``; raises the ParseError of that direction."""
        return self.parsed.statements(direction)

    def prepare(self, direction: Direction) -> int:
        """Check that ``direction`` can run (raises its ParseError); its statement count."""
        return len(self.statements(direction))


class PythonRevision(_FileRevision):
    """A Python revision file: Alembic's ``upgrade()``/``downgrade()``, imported on first use."""

    @cached_property
    def module(self) -> types.ModuleType:
        return _import(self.migration)

    @property
    def use_transaction(self) -> bool:
        return not getattr(self.module, "no_transaction", False)

    def function(self, direction: Direction) -> Callable[..., Any]:
        """``upgrade`` or ``downgrade``; an error naming the file when it is not defined."""
        name = "upgrade" if direction is Direction.UP else "downgrade"
        found = getattr(self.module, name, None)
        if not callable(found):
            raise PythonRevisionError(
                self.path, None, f"defines no {name}() function; add 'def {name}() -> None:' to migrate {direction.value}"
            )
        return found

    def prepare(self, direction: Direction) -> None:
        """Import the module and check it has the function of ``direction`` (statements
        are not counted: ``op`` calls are the module's business)."""
        self.function(direction)


Revision = SqlRevision | PythonRevision


class GooseRevisionMap(ExactRevisionMap):
    """Alembic's revision graph over the files of a migrations folder, read goose's way.

    The folder is read when the map is built, so a bad file name or a duplicate version is
    reported before anything runs; files are parsed or imported only when a migration needs
    them.
    """

    def __init__(self, folder: Path) -> None:
        self.migrations: list[MigrationFile] = collect(folder)
        super().__init__(partial(_scripts, self.migrations), [m.version for m in self.migrations])


class GooseScriptDirectory(ScriptDirectory):
    """Alembic's script directory over a goose migrations folder.

    ``environment`` is the folder of the ``env.py`` to run: a copy of this package's with a
    project's own hooks, else ``$LLM_PROXY_ENVIRONMENT``, else this package's.
    """

    def __init__(self, folder: Path | str, *, environment: Path | str | None = None, **kwargs: Any) -> None:
        super().__init__(str(environment or os.environ.get(ENVIRONMENT_VARIABLE) or ENV_DIR), **kwargs)
        adopt(self, Path(folder))

    @classmethod
    def from_config(cls, config: Config) -> GooseScriptDirectory:
        """As Alembic's: ``script_location`` names the environment (``pkg:folder`` allowed)."""
        from alembic.util import coerce_resource_to_filename

        location = config.get_main_option("script_location")
        environment = coerce_resource_to_filename(location) if location else None
        return cls(settings_from_config(config).folder, environment=environment, messaging_opts=config.messaging_opts)


def adopt(script: ScriptDirectory, folder: Path) -> None:
    """Make ``script`` (Alembic's own, under the stock ``alembic`` command) read ``folder``."""
    script.revision_map = GooseRevisionMap(folder)


def goose_map(script: ScriptDirectory) -> GooseRevisionMap:
    """The goose revision map of a script directory that :func:`adopt` prepared."""
    revision_map = script.revision_map
    if not isinstance(revision_map, GooseRevisionMap):
        raise TypeError("the script directory does not read a goose migrations folder")
    return revision_map


def revision_of(revision_map: RevisionMap, version: int) -> Revision:
    """The file behind ``version`` in a goose revision map."""
    script = revision_map.get_revision(str(version))
    assert isinstance(script, Script)
    goose: Revision = script.module.goose
    return goose


def _scripts(migrations: Sequence[MigrationFile]) -> Iterator[Script]:
    """One Alembic :class:`Script` per migration file, in version order."""
    parent = None
    for migration in migrations:
        revision = str(migration.version)
        module = types.ModuleType(f"goose_{revision}")
        module.__doc__ = migration.description.replace("_", " ") or migration.filename
        module.revision = revision  # type: ignore[attr-defined]
        module.down_revision = parent  # type: ignore[attr-defined]
        goose: Revision = PythonRevision(migration) if migration.is_python else SqlRevision(migration)
        module.goose = goose  # type: ignore[attr-defined]
        module.upgrade, module.downgrade = _functions(goose)  # type: ignore[attr-defined]
        yield Script(module, revision, str(migration.path))
        parent = revision


def _functions(revision: Revision) -> tuple[Callable[..., None], Callable[..., None]]:
    """A revision module's ``upgrade`` and ``downgrade`` (real functions: Alembic logs their names)."""

    def upgrade(**kw: Any) -> None:
        _run(revision, Direction.UP, **kw)

    def downgrade(**kw: Any) -> None:
        _run(revision, Direction.DOWN, **kw)

    return upgrade, downgrade


def _run(revision: Revision, direction: Direction, **kw: Any) -> None:
    """A revision's ``upgrade()``/``downgrade()``: run in the migration context Alembic set up."""
    from alembic import op

    if isinstance(revision, PythonRevision):
        migrate = revision.function(direction)
        try:
            migrate(**kw)
        except MigrationError:
            raise
        except Exception as exc:
            raise _python_failure(revision, direction, dialect_of(op.get_context()), exc) from exc
        return
    from llm_proxy.env.execute import run_statements

    run_statements(op.get_context(), revision, direction)


def _python_failure(revision: PythonRevision, direction: Direction, dialect: str, exc: Exception) -> MigrationFailed:
    """A Python revision that raised: the line of the file it raised at, and why."""
    import linecache

    from llm_proxy.env.engine import database_message

    line = _line_in(exc, revision.path) or 1
    text = linecache.getline(str(revision.path), line).strip()
    if not revision.use_transaction:
        reason = "the revision runs without a transaction (no_transaction = True)"
    elif dialect == "mysql":
        reason = "MySQL commits DDL statements implicitly"
    else:
        reason = ""
    return MigrationFailed(
        path=revision.path,
        direction=direction.value,
        statement=StatementRef(line, text),
        database_message=database_message(exc) if hasattr(exc, "orig") else f"{type(exc).__name__}: {exc}",
        kept_reason=reason,
    )


def _import(migration: MigrationFile) -> types.ModuleType:
    """Import a Python revision file as a module of its own (not on ``sys.modules``)."""
    name = f"llm_proxy_revision_{migration.version}"
    spec = importlib.util.spec_from_file_location(name, migration.path)
    if spec is None or spec.loader is None:
        raise PythonRevisionError(migration.path, None, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise PythonRevisionError(migration.path, exc.lineno, f"is not valid Python: {exc.msg}", exc.text) from exc
    except Exception as exc:
        line = _line_in(exc, migration.path)
        raise PythonRevisionError(migration.path, line, f"failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The line of ``path`` where ``exc`` was raised (the innermost frame in that file)."""
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if Path(traceback.tb_frame.f_code.co_filename) == path:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line

