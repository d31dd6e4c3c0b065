"""Helpers for the engine tests: migration folders written on the fly, raw reads of a database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

class Probe:
    """Looks at a database behind the migrator's back, on connections of its own."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.url = url
        self.engine = create_engine(url)

    @property
    def dialect(self) -> str:
        return {"postgresql": "postgres", "mariadb": "mysql"}.get(self.engine.dialect.name, self.engine.dialect.name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]

    def execute(self, *statements: str) -> None:
        with self.engine.begin() as connection:
            for sql in statements:
                connection.exec_driver_sql(sql)

    def rows(self, table: str = "goose_db_version") -> list[tuple[int, bool]]:
        """``(version_id, is_applied)`` of every row of the version table, in insertion order."""
        return [(int(v), bool(a)) for v, a in self.query(f"SELECT version_id, is_applied FROM {table} ORDER BY id")]

    def tables(self) -> set[str]:
        from sqlalchemy import inspect

        with self.engine.connect() as connection:
            return {name.lower() for name in inspect(connection).get_table_names()}


@pytest.fixture
def probe() -> Callable[[str], Probe]:
    """``probe(url)``: a :class:`Probe` of that database, disposed after the test."""
    made: list[Probe] = []

    def make(url: str) -> Probe:
        made.append(Probe(url))
        return made[-1]

    yield make
    for each in made:
        each.engine.dispose()


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[..., Path]:
    """``make_folder({"00001_a.sql": ("up SQL", "down SQL") or full text, ...})``: a folder.

    Calling it again adds files to the same folder.
    """

    def make(files: dict[str, str | tuple[str, str]], name: str = "migrations") -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        for filename, text in files.items():
            if isinstance(text, tuple):
                text = f"-- +goose Up\n{text[0]}\n-- +goose Down\n{text[1]}\n"
            (folder / filename).write_text(text, encoding="utf-8")
        return folder

    return make
