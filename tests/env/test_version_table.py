"""goose's version table on the real servers: its exact DDL, and the exact rows goose writes.

Each scenario replays what goose documents (spec §3) and compares the table row by row:
the version-0 row, one row per applied version, a DELETE of every row of a version on
rollback, old goose's ``is_applied=false`` rows, the pre-3.22 PostgreSQL table, and the
current version after out-of-order applies.
"""

from __future__ import annotations

import pytest

from llm_proxy.api import Migrator
from llm_proxy.errors import MissingMigrationsError, VersionTableError

T, F = True, False


def files(*versions: int) -> dict[str, tuple[str, str]]:
    """One migration per version, each creating (and on the way down dropping) a table."""
    return {f"{v:05d}_table_{v}.sql": (f"CREATE TABLE t{v} (x integer);", f"DROP TABLE t{v};") for v in versions}


def test_rows_after_up_down_and_up_again_are_gooses(database_url, make_folder, probe):
    folder = make_folder(files(1, 2, 3))
    db = probe(database_url)
    migrator = Migrator(database_url, folder)

    assert [r.version for r in migrator.up()] == [1, 2, 3]
    assert db.rows() == [(0, T), (1, T), (2, T), (3, T)]

    migrator.down()
    assert db.rows() == [(0, T), (1, T), (2, T)]
    assert "t3" not in db.tables()

    migrator.up()
    assert db.rows() == [(0, T), (1, T), (2, T), (3, T)]
    ids = [row[0] for row in db.query("SELECT id FROM goose_db_version ORDER BY id")]
    assert ids == sorted(set(ids)) and len(ids) == 4

    migrator.down_to(0)
    assert db.rows() == [(0, T)]
    assert {"t1", "t2", "t3"}.isdisjoint(db.tables())
    assert migrator.version() == 0


def test_out_of_order_apply_makes_the_latest_insert_current(database_url, make_folder, probe):
    folder = make_folder(files(1, 2, 5))
    db = probe(database_url)
    migrator = Migrator(database_url, folder)
    migrator.up()
    make_folder(files(3, 4))  # added to the same folder, below the applied 5

    with pytest.raises(MissingMigrationsError) as refused:
        Migrator(database_url, folder).up()
    assert [v for v, _ in refused.value.missing] == [3, 4]
    assert "00003_table_3.sql" in str(refused.value) and "00004_table_4.sql" in str(refused.value)
    assert db.rows() == [(0, T), (1, T), (2, T), (5, T)]

    applied = Migrator(database_url, folder, allow_missing=True).up()
    assert [r.version for r in applied] == [3, 4]
    assert db.rows() == [(0, T), (1, T), (2, T), (5, T), (3, T), (4, T)]
    assert migrator.version() == 4  # the most recent insert, not the highest version

    assert migrator.down().version == 4
    assert migrator.version() == 3
    assert [r.version for r in migrator.down_to(1)] == [3, 5, 2]
    assert db.rows() == [(0, T), (1, T)]


def test_old_goose_is_applied_false_rows_are_read_by_the_newest_row(database_url, make_folder, probe):
    folder = make_folder(files(1, 2, 3))
    db = probe(database_url)
    migrator = Migrator(database_url, folder)
    migrator.up()
    # Old goose rolled back by inserting an is_applied=false row instead of deleting.
    false = "0" if db.dialect == "sqlite" else "false"
    db.execute(f"INSERT INTO goose_db_version (version_id, is_applied) VALUES (3, {false})", "DROP TABLE t3")

    assert migrator.version() == 2
    assert [row.applied for row in migrator.status().rows] == [True, True, False]

    assert [r.version for r in migrator.up()] == [3]
    assert db.rows() == [(0, T), (1, T), (2, T), (3, T), (3, F), (3, T)]
    migrator.down()
    assert db.rows() == [(0, T), (1, T), (2, T)]  # goose deletes every row of the version


def test_reset_rolls_back_in_application_order_and_keeps_version_zero(database_url, make_folder, probe):
    folder = make_folder(files(1, 3))
    db = probe(database_url)
    Migrator(database_url, folder).up()
    make_folder(files(2))
    Migrator(database_url, folder, allow_missing=True).up()

    assert [r.version for r in Migrator(database_url, folder).reset()] == [2, 3, 1]
    assert db.rows() == [(0, T)]


def test_reset_without_a_version_table_says_so(database_url, make_folder, probe):
    with pytest.raises(VersionTableError, match="no version table goose_db_version"):
        Migrator(database_url, make_folder(files(1))).reset()
    assert "goose_db_version" not in probe(database_url).tables()


def test_table_is_created_with_gooses_column_types(database_url, make_folder, probe):
    Migrator(database_url, make_folder(files(1))).up()
    db = probe(database_url)
    if db.dialect == "sqlite":
        columns = [(name, kind, notnull, default, pk) for _, name, kind, notnull, default, pk in db.query("PRAGMA table_info(goose_db_version)")]
        assert columns == [
            ("id", "INTEGER", 0, None, 1),
            ("version_id", "INTEGER", 1, None, 0),
            ("is_applied", "INTEGER", 1, None, 0),
            ("tstamp", "TIMESTAMP", 0, "datetime('now')", 0),
        ]
        assert "AUTOINCREMENT" in db.query("SELECT sql FROM sqlite_master WHERE name = 'goose_db_version'")[0][0]
    elif db.dialect == "postgres":
        columns = db.query(
            "SELECT column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_name = 'goose_db_version' ORDER BY ordinal_position"
        )
        assert columns == [
            ("id", "integer", "NO", None, "YES"),
            ("version_id", "bigint", "NO", None, "NO"),
            ("is_applied", "boolean", "NO", None, "NO"),
            ("tstamp", "timestamp without time zone", "NO", "now()", "NO"),
        ]
    else:
        columns = db.query(
            "SELECT column_name, column_type, is_nullable, extra FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 'goose_db_version' ORDER BY ordinal_position"
        )
        assert [c[:3] for c in columns] == [
            ("id", "bigint(20) unsigned", "NO"),
            ("version_id", "bigint(20)", "NO"),
            ("is_applied", "tinyint(1)", "NO"),
            ("tstamp", "timestamp", "YES"),
        ]
        assert "auto_increment" in columns[0][3]


def test_pre_3_22_postgres_table_is_read_and_written(postgres_url, make_folder, probe):
    db = probe(postgres_url)
    db.execute(
        "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
        "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true)",
        "CREATE TABLE t1 (x integer)",
    )
    migrator = Migrator(postgres_url, make_folder(files(1, 2)))
    assert migrator.version() == 1
    assert [r.version for r in migrator.up()] == [2]
    assert db.rows() == [(0, T), (1, T), (2, T)]
    migrator.reset()
    assert db.rows() == [(0, T)]


def test_custom_table_name_with_a_schema(postgres_url, make_folder, probe):
    db = probe(postgres_url)
    db.execute("CREATE SCHEMA app")
    migrator = Migrator(postgres_url, make_folder(files(1)), "app.versions")
    migrator.up()
    assert db.rows("app.versions") == [(0, T), (1, T)]
    assert migrator.version() == 1
    assert "goose_db_version" not in db.tables()


@pytest.mark.parametrize("name", ["goose_db_version; DROP TABLE x", "a.b.c", "1table", "my-table", "", "t'"])
def test_table_names_that_are_not_identifiers_are_refused(name, tmp_path):
    with pytest.raises(VersionTableError, match="not a valid version table name"):
        Migrator(tmp_path / "x.db", tmp_path, name)


def test_no_alembic_version_table_is_ever_created(database_url, make_folder, probe):
    migrator = Migrator(database_url, make_folder(files(1, 2)))
    migrator.up()
    migrator.redo()
    migrator.reset()
    assert probe(database_url).tables() == {"goose_db_version"}


def test_racing_migrators_apply_each_version_once(database_url, make_folder, probe):
    from concurrent.futures import ThreadPoolExecutor

    folder = make_folder(files(1, 2, 3))
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda _: Migrator(database_url, folder).up(), range(3)))

    assert sorted(r.version for run in runs for r in run) == [1, 2, 3]
    assert probe(database_url).rows() == [(0, T), (1, T), (2, T), (3, T)]
