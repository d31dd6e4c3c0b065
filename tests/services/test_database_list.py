"""read_databases: a list file or a glob, and every mistake in them named by FILE:line."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from llm_proxy.errors import DatabaseSelectionError
from llm_proxy.services.database_list import read_databases

if TYPE_CHECKING:
    from pathlib import Path


def listing(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenants.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_list_has_urls_and_paths_and_skips_blank_lines_and_comments(tmp_path: Path) -> None:
    path = listing(
        tmp_path,
        "# tenants\n\n  data/a.db  \npostgresql://app:pw@db:5432/t1\n   # indented comment\nmysql://root@m/t2\nsqlite:///b.db\n",
    )
    targets = read_databases(path)
    assert [(t.dialect, t.url) for t in targets] == [
        ("sqlite", "sqlite:///data/a.db"),
        ("postgres", "postgresql+psycopg://app:pw@db:5432/t1"),
        ("mysql", "mysql+pymysql://root@m/t2"),
        ("sqlite", "sqlite:///b.db"),
    ]
    assert read_databases(str(path)) == targets


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("redis://cache:6379/0", "unsupported database"),
        ("postgres:/db.example/t1", "starts like a URL (postgres:) but has no '://'"),
        ("mysql:root:s3cret-pw@host/t2", "starts like a URL (mysql:) but has no '://'"),
        ("postgresql://app:s3cret-pw@db:notaport/t1", "the port must be a number"),
    ],
)
def test_a_line_that_is_not_a_database_is_named_by_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = listing(tmp_path, f"# tenants\na.db\n\n{line}\nb.db\n")
    with pytest.raises(DatabaseSelectionError) as caught:
        read_databases(path)
    assert str(caught.value).startswith(f"{path}:4: ")
    assert problem in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


def test_a_folder_and_a_duplicate_are_refused_by_line(tmp_path: Path) -> None:
    (tmp_path / "tenants").mkdir()
    with pytest.raises(DatabaseSelectionError, match=r"tenants.txt:2: .*tenants is a folder"):
        read_databases(listing(tmp_path, f"a.db\n{tmp_path / 'tenants'}\n"))
    with pytest.raises(DatabaseSelectionError, match=r"tenants.txt:3: sqlite:///a.db is listed twice \(first on line 1\)"):
        read_databases(listing(tmp_path, "a.db\nb.db\nsqlite:///a.db\n"))


def test_an_empty_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseSelectionError, match="lists no databases"):
        read_databases(listing(tmp_path, "# nobody yet\n\n"))
    with pytest.raises(DatabaseSelectionError, match="lists no databases"):
        read_databases(listing(tmp_path, ""))


def test_a_glob_names_sqlite_files_in_name_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tenants = tmp_path / "data" / "tenants"
    (tenants / "eu").mkdir(parents=True)
    for name in ("b.db", "a.db", "eu/c.db", "notes.txt"):
        (tenants / name).touch()
    (tenants / "folder.db").mkdir()
    assert [t.url for t in read_databases("data/tenants/*.db")] == ["sqlite:///data/tenants/a.db", "sqlite:///data/tenants/b.db"]
    assert [t.url for t in read_databases("data/tenants/**/*.db")] == [
        "sqlite:///data/tenants/a.db", "sqlite:///data/tenants/b.db", "sqlite:///data/tenants/eu/c.db",
    ]


def test_a_glob_that_matches_nothing_and_a_missing_list_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseSelectionError, match=r"data/\*\.db: the pattern matches no file"):
        read_databases("data/*.db")
    with pytest.raises(DatabaseSelectionError, match="tenants.txt: no such file"):
        read_databases("tenants.txt")


def test_a_sqlite_database_given_as_the_list_says_to_quote_the_glob(tmp_path: Path) -> None:
    """What an unquoted glob turns into: the shell passes the first database as FILE."""
    database = tmp_path / "a.db"
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE t (x integer)")
    with pytest.raises(DatabaseSelectionError, match="is a SQLite database, not a list.*quote the glob"):
        read_databases(database)
