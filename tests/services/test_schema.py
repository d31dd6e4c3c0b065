"""Schema snapshots on real databases: what they see, and how two of them compare."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from llm_proxy.services.schema import SchemaReader, compare

SCHEMA = [
    "CREATE TABLE projects (id VARCHAR(40) PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE)",
    "CREATE TABLE tokens (id VARCHAR(40) PRIMARY KEY, project_id VARCHAR(40) NOT NULL, "
    "n INTEGER DEFAULT 0, outcome VARCHAR(10) CHECK (outcome IN ('success', 'failure')), "
    "FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE)",
    "CREATE INDEX idx_tokens_project ON tokens (project_id)",
    "CREATE VIEW active AS SELECT id FROM tokens",
    "CREATE TABLE goose_db_version (id INTEGER)",
]


@pytest.fixture
def reader(database_url: str):  # noqa: ANN201 - yields a SchemaReader
    engine = create_engine(database_url)
    with engine.connect() as connection:
        for statement in SCHEMA:
            connection.exec_driver_sql(statement)
        connection.commit()
        yield SchemaReader(connection, exclude=["goose_db_version"])
    engine.dispose()


def kinds(snapshot) -> set[tuple[str, str]]:  # noqa: ANN001
    return {(o.kind, o.label) for group in snapshot.values() for o in group.objects}


def test_snapshot_names_every_kind_of_object_and_skips_the_version_table(reader: SchemaReader) -> None:
    snapshot = reader.snapshot()
    seen = kinds(snapshot)
    for expected in [
        ("table", "table tokens"),
        ("column", "column tokens.project_id"),
        ("primary key", "primary key id on tokens"),
        ("index", "index idx_tokens_project on tokens"),
        ("view", "view active"),
    ]:
        assert expected in seen
    (key,) = [o for group in snapshot.values() for o in group.objects if o.kind == "foreign key"]
    assert dict(key.definition)["columns"] == "(project_id) -> projects(id)"
    assert dict(key.definition)["ON DELETE"] == "CASCADE"
    assert any(kind == "check constraint" for kind, _ in seen)
    assert any(kind in ("unique constraint", "index") and "projects" in label for kind, label in seen)
    assert not any("goose_db_version" in label for _, label in seen)


def test_identical_snapshots_compare_equal_and_a_change_is_named(reader: SchemaReader) -> None:
    before = reader.snapshot()
    assert compare(before, before, reader.snapshot()) == []
    reader.connection.exec_driver_sql("ALTER TABLE tokens ADD COLUMN extra INTEGER")
    reader.connection.commit()
    after = reader.snapshot()
    (change,) = compare(before, after, after)
    assert change.describe() == "column tokens.extra is still there (added by Up)"
    (gone,) = compare(after, after, before)
    assert gone.describe() == "column tokens.extra was dropped by Down but was not created by its Up (it existed before Up)"


def test_a_table_left_over_is_one_change_not_one_per_column(reader: SchemaReader) -> None:
    before = reader.snapshot()
    reader.connection.exec_driver_sql("CREATE TABLE extra (a INTEGER, b INTEGER)")
    reader.connection.exec_driver_sql("CREATE INDEX idx_extra ON extra (a)")
    reader.connection.commit()
    after = reader.snapshot()
    assert [c.describe() for c in compare(before, after, after)] == ["table extra is still there (added by Up)"]


def test_sqlite_inspects_a_table_only_when_its_catalog_rows_change(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE a (id INTEGER)")
        connection.exec_driver_sql("CREATE TABLE b (id INTEGER)")
        connection.commit()
        reader = SchemaReader(connection)
        first = reader.snapshot()
        connection.exec_driver_sql("ALTER TABLE b ADD COLUMN c TEXT")
        connection.commit()
        second = reader.snapshot()
        assert second[("table", "a")].objects is first[("table", "a")].objects
        assert second[("table", "b")].objects is not first[("table", "b")].objects
        assert not connection.in_transaction()
    engine.dispose()
