"""Finding migrations in a folder: file names to versions, order, duplicates.

goose's rules (spec §1): a migration is a ``.sql`` file directly inside the folder; its version
is the text before the first ``_`` of the name, a base-10 64-bit integer of at least 1 (leading
zeros and a ``+`` sign allowed). goose's command line refuses to run when any ``.sql`` file's
name does not parse and crashes on duplicate versions; we refuse too, but list every problem
at once with the file names, so that one run tells a person everything to fix.

Python revisions (``00007_backfill.py``, Alembic's ``upgrade()``/``downgrade()``) follow the
same naming rules and share the version sequence with the SQL files; goose itself ignores
``.py`` files. ``__init__.py`` is not a migration.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import FileProblem, SourceError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

SQL_SUFFIX = ".sql"
PYTHON_SUFFIX = ".py"
SUFFIXES = (SQL_SUFFIX, PYTHON_SUFFIX)
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

# strconv.ParseInt(s, 10, 64): an optional sign and ASCII digits, nothing else (Python's
# int() would also take underscores, spaces and non-ASCII digits).
_GO_INT = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One goose migration file: where it is and which version it carries."""

    version: int
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def description(self) -> str:
        """The part of the name after the version, e.g. ``initial_schema``."""
        return self.path.stem.partition("_")[2]

    @property
    def is_python(self) -> bool:
        """True for a Python revision (``upgrade()``/``downgrade()``), False for goose SQL."""
        return self.path.suffix == PYTHON_SUFFIX

    @property
    def is_timestamp(self) -> bool:
        return is_timestamp_version(self.version)


class BadFileName(ValueError):
    """A ``.sql`` or ``.py`` file name that does not carry a goose version."""


def parse_version(filename: str) -> int:
    """The version of a migration file name, read exactly as goose reads it.

    Raises :class:`BadFileName` saying what is wrong with the name and how to rename it.
    """
    prefix, sep, _ = filename.partition("_")
    if sep and prefix.isascii() and prefix.isdigit() and len(prefix) < 19 and filename.endswith(SUFFIXES):
        if "/" not in filename and os.sep not in filename and int(prefix) >= 1:
            return int(prefix)  # the usual name, such as 00001_create.sql: no rule to explain
    base = os.path.basename(filename)
    suffix = os.path.splitext(base)[1]
    if suffix not in SUFFIXES:
        raise BadFileName("not a .sql or .py file")
    prefix, sep, _ = base.partition("_")
    if not sep:
        raise BadFileName(
            "no '_' in the name; migration files are named "
            f"<version>_<description>{suffix}, e.g. 00001_{base}"
        )
    if not _GO_INT.fullmatch(prefix):
        raise BadFileName(
            f"{prefix!r} before the first '_' is not a version number; "
            f"name it <version>_<description>{suffix} with a decimal version"
        )
    version = int(prefix)
    if not INT64_MIN <= version <= INT64_MAX:
        raise BadFileName(f"version {prefix} does not fit in a 64-bit integer")
    if version < 1:
        raise BadFileName(f"version {prefix} must be 1 or greater")
    return version


def is_timestamp_version(version: int) -> bool:
    """True when the version reads as a ``YYYYMMDDhhmmss`` time after 1970-01-01.

    goose calls such versions "timestamped" and everything else "sequential"; ``create``
    and ``fix`` treat the two kinds differently.
    """
    digits = str(version)
    if len(digits) != 14:
        return False
    # Fixed-width fields like Go's time.Parse("20060102150405"); strptime would also accept
    # one-digit months and days and so split some invalid stamps into valid ones.
    year, month, day, hour, minute, second = (
        int(digits[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))
    )
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return moment > datetime(1970, 1, 1)


def is_candidate(name: str) -> bool:
    """True when a file of this name in a migrations folder must be a migration."""
    return name.endswith(SUFFIXES) and name != "__init__.py"


def collect(folder: Path | str, *, ignore: Iterable[str] = ()) -> list[MigrationFile]:
    """Every migration in ``folder``, in version order.

    ``ignore`` names ``.sql`` or ``.py`` files that are not migrations (a ``schema.sql`` dump, say) and
    should be passed over instead of rejected. Raises :class:`SourceError` listing every bad
    name and every duplicate version; a missing folder is an error too, an empty one is not
    (callers decide whether "nothing to run" is a problem).
    """
    migrations, problems = scan(folder, ignore=ignore)
    if problems:
        raise SourceError(problems)
    return migrations


def scan(
    folder: Path | str, *, ignore: Iterable[str] = ()
) -> tuple[list[MigrationFile], list[FileProblem]]:
    """The well-named migrations of ``folder`` and the problems of the rest.

    For ``validate``, which checks the good files of a folder that also has bad ones. Of a
    duplicated version only the first file is returned.
    """
    root = Path(folder)
    if not root.exists():
        return [], [FileProblem(root, "migrations folder does not exist")]
    if not root.is_dir():
        return [], [FileProblem(root, "not a folder (expected the folder holding the migrations)")]
    try:
        names = sorted(_file_names(root))
    except OSError as exc:
        return [], [FileProblem(root, f"cannot list the folder: {exc.strerror or exc}")]
    skipped = set(ignore)
    problems: list[FileProblem] = []
    by_version: dict[int, list[Path]] = {}
    for name in names:
        if not is_candidate(name) or name in skipped:
            continue
        path = root / name
        try:
            version = parse_version(name)
        except BadFileName as exc:
            problems.append(FileProblem(path, f"{exc}; if it is not a migration, move it out of the folder or pass --ignore {name}"))
            continue
        by_version.setdefault(version, []).append(path)
    migrations = []
    for version, paths in sorted(by_version.items()):
        migrations.append(MigrationFile(version, paths[0]))
        if len(paths) > 1:
            clashing = ", ".join(p.name for p in paths)
            problems.append(
                FileProblem(
                    paths[0],
                    f"version {version} is used by {len(paths)} files ({clashing}); "
                    "every migration needs its own version: renumber all but one",
                )
            )
    return migrations, problems


def _file_names(root: Path) -> Iterator[str]:
    """The names in ``root`` that are not folders (a folder named ``x.sql`` is not a migration).

    One ``scandir`` reads the names and their kinds together: a folder of 10,000 migrations
    is listed without a ``stat`` per file.
    """
    with os.scandir(root) as entries:
        for entry in entries:
            try:
                folder = entry.is_dir()
            except OSError:
                folder = False
            if not folder:
                yield entry.name
