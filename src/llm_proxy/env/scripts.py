"""goose files as Alembic revisions: one revision per file, no ``.py`` revision files.

Revision id = the version as a decimal string, parent = the previous version, so the
history is one straight line in version order. Alembic only loads ``.py`` files;
:meth:`ScriptDirectory._load_revisions` is the seam where ours come from the migrations
folder instead, as in-memory modules carrying the goose file (parsed on first use).

Targets are resolved the goose way: a number means the highest version at or below it,
never Alembic's prefix match of revision ids (which would read ``2024`` as
``20240101000000``).
"""

from __future__ import annotations

import bisect
import re
import types
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionMap

from llm_proxy.env.settings import settings_from_config
from llm_proxy.errors import MigrationError
from llm_proxy.format.grammar import parse_file
from llm_proxy.format.sources import collect

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from alembic.config import Config

    from llm_proxy.format.grammar import Direction, ParsedSQL, Statement
    from llm_proxy.format.sources import MigrationFile

ENV_DIR = Path(__file__).resolve().parent
_NUMBER = re.compile(r"[0-9]+")


class GooseUnit:
    """The goose file behind a revision: its path and its statements per direction."""

    def __init__(self, migration: MigrationFile) -> None:
        self.migration = migration

    @property
    def path(self) -> Path:
        return self.migration.path

    @cached_property
    def parsed(self) -> ParsedSQL:
        return parse_file(self.migration.path)

    def statements(self, direction: Direction) -> Sequence[Statement]:
        """The statements of ``direction``; raises the ParseError of that direction."""
        return self.parsed.statements(direction)


class GooseRevisionMap(RevisionMap):
    """Alembic's revision graph over the files of a migrations folder, read goose's way.

    The folder is read when the map is built, so a bad file name or a duplicate version is
    reported before anything runs; files are parsed only when a migration needs them.
    """

    def __init__(self, folder: Path) -> None:
        self.migrations: list[MigrationFile] = collect(folder)
        self.versions = [m.version for m in self.migrations]
        super().__init__(partial(_scripts, self.migrations))

    def _resolve_revision_number(self, id_):  # type: ignore[no-untyped-def]
        if isinstance(id_, str) and _NUMBER.fullmatch(id_):
            index = bisect.bisect_right(self.versions, int(id_))
            return ((str(self.versions[index - 1]),) if index else ()), None
        return super()._resolve_revision_number(id_)

    def _get_all_current(self, id_):  # type: ignore[no-untyped-def]
        # The history is linear, so the current revisions are exactly the ones asked for;
        # Alembic's general ancestor walk is quadratic in the number of revisions.
        return set(self.get_revisions(id_))


class GooseScriptDirectory(ScriptDirectory):
    """Alembic's script directory over a goose migrations folder."""

    def __init__(self, folder: Path | str, **kwargs: object) -> None:
        super().__init__(ENV_DIR, **kwargs)  # type: ignore[arg-type]
        adopt(self, Path(folder))

    @classmethod
    def from_config(cls, config: Config) -> GooseScriptDirectory:
        return cls(settings_from_config(config).folder, messaging_opts=config.messaging_opts)


def adopt(script: ScriptDirectory, folder: Path) -> None:
    """Make ``script`` (Alembic's own, under the stock ``alembic`` command) read ``folder``."""
    script.revision_map = GooseRevisionMap(folder)


def goose_map(script: ScriptDirectory) -> GooseRevisionMap:
    """The goose revision map of a script directory that :func:`adopt` prepared."""
    revision_map = script.revision_map
    if not isinstance(revision_map, GooseRevisionMap):
        raise TypeError("the script directory does not read a goose migrations folder")
    return revision_map


def unit_of(script: ScriptDirectory, version: int) -> GooseUnit:
    """The goose file of ``version`` in ``script``'s revision map."""
    return script.revision_map.get_revision(str(version)).module.goose  # type: ignore[union-attr]


def _scripts(migrations: Sequence[MigrationFile]) -> Iterator[Script]:
    """One Alembic :class:`Script` per goose file, in version order."""
    parent = None
    for migration in migrations:
        revision = str(migration.version)
        module = types.ModuleType(f"goose_{revision}")
        module.__doc__ = migration.description.replace("_", " ") or migration.filename
        module.revision = revision  # type: ignore[attr-defined]
        module.down_revision = parent  # type: ignore[attr-defined]
        module.goose = GooseUnit(migration)  # type: ignore[attr-defined]
        module.upgrade = module.downgrade = _outside_environment  # type: ignore[attr-defined]
        yield Script(module, revision, migration.path)
        parent = revision


def _outside_environment(**_kw: object) -> None:
    """Alembic's steps need ``upgrade``/``downgrade``; only a goose context may run the SQL."""
    raise MigrationError(
        "goose revisions run only through llm-proxy's Alembic environment "
        "(GooseMigrationContext), which records them in goose's version table"
    )
