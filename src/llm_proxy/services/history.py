"""``validate --since REF``: what changed in the migrations folder since a git reference.

A migration that has been applied anywhere must never change: goose stores no checksum, so
a modified file is silently not re-run on databases that have it, while new databases get
the new text. Deleting or renumbering a file orphans its version on deployed databases, and
a new file numbered below the highest version at REF is "missing" there (goose ``up``
refuses it without ``--allow-missing``). The folder is compared, working tree included,
with its state at REF; git is run as a subprocess so any git the user has works.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llm_proxy.errors import HistoryError
from llm_proxy.format.grammar import parse_lines
from llm_proxy.format.sources import PYTHON_SUFFIX, BadFileName, parse_version
from llm_proxy.services.findings import Finding

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from llm_proxy.format.sources import MigrationFile

MODIFIED, DELETED, BELOW_HEAD, RENUMBERED = "LP501", "LP502", "LP503", "LP504"
_NEVER_CHANGE = "applied migrations must never change: revert the change and put it in a new migration"


@dataclass(frozen=True, slots=True)
class _Change:
    status: str
    old: str
    new: str


def check_history(
    folder: Path | str,
    since: str,
    migrations: Sequence[MigrationFile],
    *,
    ignore: Iterable[str] = (),
) -> list[Finding]:
    """Findings for migrations modified, deleted, renumbered or added below the head since ``since``."""
    root = Path(folder)
    git = _Git(root)
    commit = git.commit(since)
    skipped = set(ignore)
    old = {v: n for n, v in _versions(git.files_at(commit)).items() if n not in skipped}
    current = {m.version: m for m in migrations}
    changes = {c.old: c for c in git.changes(commit) if "/" not in c.old}
    renamed_to = {c.new: c.old for c in changes.values() if c.status == "R"}
    findings: list[Finding] = []
    claimed: set[int] = set()
    for version, name in sorted(old.items()):
        now = current.get(version)
        if now is not None:
            if now.filename != name or name in changes:
                findings.extend(_modified(git, commit, name, now, since))
            continue
        target = _renumbered_to(name, current, old, renamed_to)
        if target is not None:
            claimed.add(target.version)
            findings.append(
                Finding(
                    RENUMBERED,
                    f"{name} was renumbered to version {target.version} since {since}: databases that "
                    f"applied version {version} will run it again as a new migration",
                    file=target.path,
                    hint=f"give the file its old name {name} back; to change the schema, add a new migration",
                )
            )
        else:
            findings.append(
                Finding(
                    DELETED,
                    f"{name} (version {version}) was deleted since {since}: databases that applied it "
                    "keep a version with no file, and new databases never get its changes",
                    file=root / name,
                    hint=f"restore it (git checkout {since} -- {name}); undo its changes in a new migration instead",
                )
            )
    head = max(old, default=0)
    for version, migration in sorted(current.items()):
        if version in old or version in claimed or version >= head:
            continue
        findings.append(
            Finding(
                BELOW_HEAD,
                f"new migration {migration.filename} has version {version}, below {head}, the highest "
                f"version at {since}: databases already at {head} see it as missing and "
                "'up' refuses to run without --allow-missing",
                file=migration.path,
                hint=f"renumber it above {head} (e.g. 'llm-proxy migrate create' or 'llm-proxy migrate fix')",
            )
        )
    return findings


def _versions(names: Iterable[str]) -> dict[str, int]:
    versions = {}
    for name in names:
        try:
            versions[name] = parse_version(name)
        except BadFileName:
            continue
    return versions


def _renumbered_to(
    name: str, current: dict[int, MigrationFile], old: dict[int, str], renamed_to: dict[str, str]
) -> MigrationFile | None:
    """The current file that ``name`` became under another version, if any."""
    description = name.partition("_")[2]
    for migration in current.values():
        if migration.version in old:
            continue
        if renamed_to.get(migration.filename) == name or migration.filename.partition("_")[2] == description:
            return migration
    return None


def _modified(git: _Git, commit: str, name: str, now: MigrationFile, since: str) -> list[Finding]:
    before = _meaning(name, git.show(commit, name))
    after = _meaning(now.filename, now.path.read_text(encoding="utf-8", errors="replace"))
    if before == after:
        if now.filename == name:
            return [
                Finding(
                    MODIFIED,
                    f"{name} changed since {since}, though only outside its statements (comments "
                    "or blank lines): the SQL goose runs is the same",
                    file=now.path,
                    hint=_NEVER_CHANGE,
                    severity="warning",
                )
            ]
        return []
    return [
        Finding(
            MODIFIED,
            f"{now.filename} was modified since {since}" + (f" (it was {name})" if now.filename != name else "")
            + ": databases that applied it keep the old SQL, new ones get the new SQL",
            file=now.path,
            hint=_NEVER_CHANGE,
        )
    ]


def _meaning(name: str, text: str) -> object:
    """What a migration does: a SQL file's statements; a Python revision's whole text."""
    if name.endswith(PYTHON_SUFFIX):
        return text
    parsed = parse_lines(text.split("\n"), environ={})
    return (
        parsed.use_transaction,
        [s.text for s in parsed.up],
        [s.text for s in parsed.down],
        [str(e) for e in parsed.errors],
    )


class _Git:
    """The few git questions we ask, run in the migrations folder."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise HistoryError(f"{folder}: migrations folder does not exist")
        self.folder = folder
        inside = self._run("rev-parse", "--is-inside-work-tree", check=False)
        if inside is None or inside.strip() != "true":
            raise HistoryError(
                f"{folder} is not inside a git work tree, so --since cannot compare its history; "
                "run validate in a clone of the repository, or drop --since"
            )

    def commit(self, ref: str) -> str:
        found = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
        if not found:
            raise HistoryError(
                f"git does not know the reference {ref!r}; in CI fetch it first "
                f"(e.g. 'git fetch origin main' and '--since origin/main', or a full clone instead of a shallow one)"
            )
        return found.strip()

    def files_at(self, commit: str) -> list[str]:
        out = self._run("ls-tree", "-z", "--name-only", commit, "--", "./") or ""
        return [Path(p).name for p in out.split("\0") if p]

    def changes(self, commit: str) -> list[_Change]:
        out = self._run("diff", "-z", "--name-status", "-M", "--relative", commit, "--", ".") or ""
        fields = out.split("\0")
        changes, index = [], 0
        while index < len(fields) and fields[index]:
            status = fields[index][0]
            if status in "RC":
                changes.append(_Change(status, fields[index + 1], fields[index + 2]))
                index += 3
            else:
                changes.append(_Change(status, fields[index + 1], fields[index + 1]))
                index += 2
        return changes

    def show(self, commit: str, name: str) -> str:
        return self._run("show", f"{commit}:./{name}") or ""

    def _run(self, *args: str, check: bool = True) -> str | None:
        env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
        try:
            result = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.folder,
                capture_output=True,
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise HistoryError("git is not installed, so --since cannot be checked") from exc
        if result.returncode != 0:
            if not check:
                return None
            message = result.stderr.decode("utf-8", "replace").strip()
            raise HistoryError(f"git {args[0]} failed in {self.folder}: {message}")
        return result.stdout.decode("utf-8", "replace")
