"""``create`` and ``fix``: writing and renaming migration files, goose's naming rules.

Both only touch files. Both check everything before changing anything, so a refusal never
leaves the folder half-renamed, and neither ever overwrites an existing file.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from llm_proxy.errors import ScaffoldError
from llm_proxy.format.sources import PYTHON_SUFFIX, SQL_SUFFIX, TIMESTAMP_FORMAT, MigrationFile, collect

SQL_TEMPLATE = """\
-- +goose Up
-- +goose StatementBegin
SELECT 'up SQL query';
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
SELECT 'down SQL query';
-- +goose StatementEnd
"""

PYTHON_TEMPLATE = '''\
"""{title}.

A Python revision beside the goose SQL files: upgrade() and downgrade() run in a
transaction with goose's version row (set no_transaction = True to run outside one). The
goose binary ignores .py files.
"""

from alembic import op


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    op.execute("SELECT 1")
'''


@dataclass(frozen=True, slots=True)
class Rename:
    """One file renamed by :func:`fix`."""

    old: Path
    new: Path

    def __str__(self) -> str:
        return f"RENAMED {self.old.name} => {self.new.name}"


def snake_name(name: str) -> str:
    """goose's file-name form of a migration name.

    Letters and digits are lower-cased, each run of other characters becomes one ``_``,
    and leading ones are dropped: ``"Add users!"`` -> ``add_users_``.
    """
    out: list[str] = []
    pending = False
    for char in name:
        if _is_word_char(char):
            if pending and out:
                out.append("_")
            pending = False
            out.append(char.lower())
        else:
            pending = True
    if pending and out:
        out.append("_")
    return "".join(out)


def _is_word_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or category == "Nd"


def next_sequential_version(migrations: list[MigrationFile]) -> int:
    """The last sequential (non-timestamp) version plus one, or 1."""
    sequential = [m.version for m in migrations if not m.is_timestamp]
    return max(sequential, default=0) + 1


def create(
    folder: Path | str,
    name: str,
    *,
    sequential: bool = False,
    now: datetime | None = None,
    template: str | None = None,
    python: bool = False,
) -> Path:
    """Write a new migration file and return its path.

    The version is the UTC time ``YYYYMMDDhhmmss``, or with ``sequential`` the last
    sequential version plus one, zero-padded to five digits. ``python`` writes a Python
    revision (``upgrade()``/``downgrade()`` with ``op``) instead of goose SQL. The folder is created if it
    does not exist. Refuses to overwrite a file or to reuse a version.
    """
    root = Path(folder)
    snake = snake_name(name)
    if not snake:
        raise ScaffoldError(
            f"{name!r} has no letters or digits to name a migration file with; "
            "give a descriptive name such as 'add_users_table'"
        )
    existing = collect(root) if root.exists() else []
    if sequential:
        version_text = f"{next_sequential_version(existing):05d}"
    else:
        moment = now or datetime.now(timezone.utc)
        version_text = moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
    path = root / f"{version_text}_{snake}{PYTHON_SUFFIX if python else SQL_SUFFIX}"
    if template is None:
        template = PYTHON_TEMPLATE.format(title=snake.replace("_", " ").capitalize()) if python else SQL_TEMPLATE
    clash = next((m for m in existing if m.version == int(version_text)), None)
    if clash is not None:
        raise ScaffoldError(
            f"{path}: version {int(version_text)} is already used by {clash.path.name}; "
            "wait a second and try again, or use --sequential"
        )
    root.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(template)
    except FileExistsError as exc:
        raise ScaffoldError(f"{path}: already exists; choose another name") from exc
    except OSError as exc:
        raise ScaffoldError(f"{path}: cannot write the file: {exc.strerror or exc}") from exc
    return path


def plan_fix(folder: Path | str) -> list[Rename]:
    """The renames ``fix`` would make: timestamped files become sequential versions.

    In ascending order, numbered after the highest sequential version, zero-padded to five
    digits. goose replaces the first occurrence of the version's digits anywhere in the
    path; we rebuild the name from its parts, so a folder name that happens to contain the
    digits (or a version written with a sign or leading zeros) cannot be mangled.
    """
    migrations = collect(folder)
    version = next_sequential_version(migrations)
    renames = []
    for migration in migrations:
        if migration.is_timestamp:
            new_name = f"{version:05d}_{migration.description}{migration.path.suffix}"
            renames.append(Rename(migration.path, migration.path.with_name(new_name)))
            version += 1
    return renames


def fix(folder: Path | str) -> list[Rename]:
    """Rename timestamped migrations to sequential versions; returns what was renamed.

    Every target name is checked before the first rename, so the folder is either fully
    fixed or untouched.
    """
    renames = plan_fix(folder)
    for rename in renames:
        if rename.new.exists():
            raise ScaffoldError(
                f"{rename.new}: already exists, so {rename.old.name} cannot be renamed to it; "
                "nothing was renamed"
            )
    for rename in renames:
        rename.old.rename(rename.new)
    return renames
