"""The databases of a ``--each`` run: a list file, or a glob of SQLite files.

Teams that keep one database per tenant name them either in a text file (one database a
line) or by a pattern over their SQLite files. The two are told apart by what is on disk:
an existing file is always a list (so a list file may have any name), anything else with a
glob character (``*``, ``?``, ``[``) is a pattern; everything else is an error, because a
list file that does not exist and a pattern without wildcards are both typos.

Every mistake is refused before any database is touched, naming the file and line: a
fleet run that stopped half-way because line 40 was malformed would leave tenants on
different versions for no reason.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from llm_proxy.errors import DatabaseSelectionError
from llm_proxy.selection import DatabaseTarget, from_url, mask_password, sqlite_target

_GLOB_CHARACTERS = re.compile(r"[*?[]")
# "postgres:/db", "mysql:host/db": a scheme without "://" is a mistyped URL, not a file name.
_SCHEME_WITHOUT_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)")
_SQLITE_HEADER = b"SQLite format 3\x00"


def read_databases(spec: str | Path) -> list[DatabaseTarget]:
    """The databases ``spec`` names: a list file's lines, or the SQLite files a glob matches.

    A list file has one database a line: a URL (``postgresql://``, ``mysql://``,
    ``sqlite:///``) or a SQLite file path (relative to the current folder, as ``--db``);
    blank lines and lines starting with ``#`` are skipped. A glob's matches are taken in
    name order (``**`` matches folders at any depth). An empty list, a glob that matches no
    file, a line that is not a database and a database listed twice are errors.
    """
    path = Path(spec)
    if path.is_file():
        return _read_list(path)
    text = str(spec)
    if _GLOB_CHARACTERS.search(text):
        return _expand_glob(text)
    raise DatabaseSelectionError(
        f"{mask_password(text)}: no such file; give a file listing one database a line, "
        "or a quoted glob of SQLite files such as 'data/tenants/*.db'"
    )


def _read_list(path: Path) -> list[DatabaseTarget]:
    with path.open("rb") as raw:
        if raw.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
            raise DatabaseSelectionError(
                f"{path} is a SQLite database, not a list of databases; to migrate SQLite files "
                "by pattern, quote the glob so that the shell does not expand it: --each 'data/tenants/*.db'"
            )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatabaseSelectionError(f"{path}: cannot be read as a text list of databases ({exc})") from None
    targets: list[DatabaseTarget] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        where = f"{path}:{number}"
        target = _target(entry, where)
        if target.url in seen:
            raise DatabaseSelectionError(
                f"{where}: {target.display} is listed twice (first on line {seen[target.url]}); remove one of them"
            )
        seen[target.url] = number
        targets.append(target)
    if not targets:
        raise DatabaseSelectionError(
            f"{path} lists no databases; write one database URL or SQLite path a line "
            "(blank lines and # comments are skipped)"
        )
    return targets


def _target(entry: str, where: str) -> DatabaseTarget:
    """The database one line names, or an error naming ``where`` (``FILE:line``)."""
    if "://" in entry:
        try:
            return from_url(entry)
        except DatabaseSelectionError as exc:
            raise DatabaseSelectionError(f"{where}: {exc}") from None
    scheme = _SCHEME_WITHOUT_SLASHES.match(entry)
    if scheme:  # not echoed: without "://" no password can be told apart, and the line is named
        raise DatabaseSelectionError(
            f"{where}: the line starts like a URL ({scheme[0]}) but has no '://', so it is neither a database URL "
            "nor a file name; write a URL as postgresql://user@host/db, mysql://user@host/db or sqlite:///path/to.db"
        )
    if Path(entry).is_dir():
        raise DatabaseSelectionError(f"{where}: {entry} is a folder, not a SQLite database file")
    return sqlite_target(entry)


def _expand_glob(pattern: str) -> list[DatabaseTarget]:
    matches = sorted(Path(name) for name in glob.glob(pattern, recursive=True))
    files = [match for match in matches if match.is_file()]
    if not files:
        raise DatabaseSelectionError(
            f"{pattern}: the pattern matches no file; check it from the current folder "
            f"({Path.cwd()}), or give a file listing the databases"
        )
    return [sqlite_target(file) for file in files]
