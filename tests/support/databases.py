"""Looking at a database behind the migrator's back, on connections of its own.

What a test asserts about a database must not come from the code under test, so these
read goose's table, the tables and the schema with SQLAlchemy directly.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, inspect

if TYPE_CHECKING:
    from collections.abc import Iterator

VERSION_TABLE = "goose_db_version"


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgres`` or ``mysql`` for a test database URL (``scheme+driver://...``)."""
    return {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}[url.split(":", 1)[0].split("+", 1)[0]]


class Probe:
    """One database, read and changed on an engine of its own (dispose it when done)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)

    @property
    def dialect(self) -> str:
        return {"postgresql": "postgres", "mariadb": "mysql"}.get(self.engine.dialect.name, self.engine.dialect.name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]

    def execute(self, *statements: str) -> None:
        """Run ``statements`` in one transaction."""
        with self.engine.begin() as connection:
            for sql in statements:
                connection.exec_driver_sql(sql)

    def rows(self, table: str = VERSION_TABLE) -> list[tuple[int, bool]]:
        """``(version_id, is_applied)`` of every row of the version table, in insertion order."""
        return [(int(v), bool(a)) for v, a in self.query(f"SELECT version_id, is_applied FROM {table} ORDER BY id")]

    def tables(self) -> set[str]:
        with self.engine.connect() as connection:
            return {name.lower() for name in inspect(connection).get_table_names()}


@contextmanager
def probing(url: str) -> Iterator[Probe]:
    """A :class:`Probe` of ``url`` for the ``with`` block."""
    probe = Probe(url)
    try:
        yield probe
    finally:
        probe.engine.dispose()


def run_sql(url: str, *statements: str) -> None:
    """Run ``statements`` on ``url`` in one transaction."""
    with probing(url) as db:
        db.execute(*statements)


def read_version_ids(url: str, table: str = VERSION_TABLE) -> list[int]:
    """The version of every row of the version table, in insertion order."""
    with probing(url) as db:
        return [version for version, _ in db.rows(table)]


@dataclass(frozen=True)
class Snapshot:
    """Everything a migration could change: every table's shape, and the version rows."""

    schema: dict[str, Any]
    version_rows: list[tuple[Any, ...]]


def take_snapshot(url: str, table: str = VERSION_TABLE) -> Snapshot:
    """The schema (tables, columns, indexes, keys) and the version table's rows of ``url``."""
    with probing(url) as db, db.engine.connect() as connection:
        inspector = inspect(connection)
        schema = {
            name: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)),
                inspector.get_pk_constraint(name)["constrained_columns"],
                sorted(str(fk) for fk in inspector.get_foreign_keys(name)),
            )
            for name in sorted(inspector.get_table_names())
        }
        rows: list[tuple[Any, ...]] = []
        if inspector.has_table(table):
            rows = [tuple(r) for r in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")]
        return Snapshot(schema, rows)
