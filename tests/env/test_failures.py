"""A failing migration leaves no trace when it runs in a transaction, on every dialect.

SQLite is the one to watch: Python's sqlite3 does not BEGIN before DDL, so without the
engine's explicit BEGIN the table of the first statement would survive the failure. MySQL
commits DDL on its own, so there the transactional case uses DML into an InnoDB table, and
the DDL case must say which statements stayed. NO TRANSACTION migrations keep what ran
before the failure, and say so.
"""

from __future__ import annotations

import pytest
from support.migrations import BASE

from llm_proxy.api import Migrator
from llm_proxy.errors import InterruptedMigration, MigrationFailed, PartialMigrationError

FAILING_DML = (
    "-- +goose Up\n"
    "INSERT INTO base (x) VALUES (1);\n"
    "INSERT INTO base (x) VALUES (2);\n"
    "INSERT INTO no_such_table (x) VALUES (3);\n"
)
FAILING_DDL = (
    "-- +goose Up\n"
    "CREATE TABLE made (x integer);\n"
    "INSERT INTO made (x) VALUES (1);\n"
    "INSERT INTO no_such_table (x) VALUES (3);\n"
)


def test_failure_in_the_third_statement_rolls_back_the_first_two(database_url, make_folder, probe):
    folder = make_folder({"00001_base.sql": BASE, "00002_fails.sql": FAILING_DML})
    db = probe(database_url)
    migrator = Migrator(database_url, folder)

    with pytest.raises(PartialMigrationError) as failed:
        migrator.up()
    assert isinstance(failed.value.cause, MigrationFailed)

    assert db.query("SELECT COUNT(*) FROM base") == [(0,)]
    assert db.rows() == [(0, True), (1, True)]
    message = str(failed.value.cause)
    assert "00002_fails.sql:4" in message
    assert "INSERT INTO no_such_table (x) VALUES (3);" in message
    assert "no_such_table" in failed.value.cause.database_message
    assert "rolled back" in message and not failed.value.cause.kept


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "postgres_url"])
def test_ddl_of_a_failing_migration_is_rolled_back(url_fixture, request, make_folder, probe):
    url = request.getfixturevalue(url_fixture)
    folder = make_folder({"00001_base.sql": BASE, "00002_fails.sql": FAILING_DDL})

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    db = probe(url)
    assert "made" not in db.tables()
    assert db.rows() == [(0, True), (1, True)]


def test_mysql_names_the_ddl_it_could_not_roll_back(mysql_url, make_folder, probe):
    folder = make_folder({"00001_base.sql": BASE, "00002_fails.sql": FAILING_DDL})

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(mysql_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    db = probe(mysql_url)
    assert "made" in db.tables()  # MySQL committed the CREATE TABLE on its own
    assert db.query("SELECT COUNT(*) FROM made") == [(0,)]  # the INSERT was rolled back
    assert db.rows() == [(0, True), (1, True)]
    assert [ref.line for ref in failed.value.cause.kept] == [2]
    message = str(failed.value.cause)
    assert "MySQL commits DDL statements implicitly" in message
    assert "line 2: CREATE TABLE made (x integer);" in message


def test_mysql_names_what_its_implicit_commit_kept_before_the_ddl(mysql_url, make_folder, probe):
    folder = make_folder(
        {
            "00001_base.sql": BASE,
            "00002_fails.sql": (
                "-- +goose Up\n"
                "INSERT INTO base (x) VALUES (1);\n"
                "CREATE TABLE made (x integer);\n"
                "INSERT INTO base (x) VALUES (2);\n"
                "INSERT INTO no_such_table (x) VALUES (3);\n"
            ),
        }
    )

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(mysql_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    db = probe(mysql_url)
    assert db.query("SELECT x FROM base") == [(1,)]  # committed by the CREATE TABLE; 2 rolled back
    assert "made" in db.tables()
    assert [ref.line for ref in failed.value.cause.kept] == [2, 3]
    assert "line 2: INSERT INTO base (x) VALUES (1);" in str(failed.value.cause)


@pytest.mark.parametrize(
    ("failing", "kept"),
    [("CREATE TABLE base (x integer);", [2, 3]), ("CREATE TABLE (x integer);", [])],
    ids=["ddl-that-fails-after-its-commit", "ddl-the-server-cannot-parse"],
)
def test_a_failing_mysql_ddl_statement_has_committed_what_ran_before_it(mysql_url, make_folder, probe, failing, kept):
    up = f"-- +goose Up\nINSERT INTO base (x) VALUES (1);\nINSERT INTO base (x) VALUES (2);\n{failing}\n"
    folder = make_folder({"00001_base.sql": BASE, "00002_fails.sql": up})

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(mysql_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    assert [ref.line for ref in failed.value.cause.kept] == kept
    assert sorted(probe(mysql_url).query("SELECT x FROM base")) == [(1,), (2,)][: len(kept)]


def test_no_transaction_keeps_the_statements_before_the_failure(database_url, make_folder, probe):
    folder = make_folder(
        {
            "00001_base.sql": BASE,
            "00002_autocommit.sql": (
                "-- +goose NO TRANSACTION\n-- +goose Up\n"
                "INSERT INTO base (x) VALUES (1);\n"
                "INSERT INTO base (x) VALUES (2);\n"
                "INSERT INTO no_such_table (x) VALUES (3);\n"
                "INSERT INTO base (x) VALUES (4);\n"
            ),
        }
    )
    db = probe(database_url)

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(database_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    assert sorted(db.query("SELECT x FROM base")) == [(1,), (2,)]
    assert db.rows() == [(0, True), (1, True)]
    assert [ref.line for ref in failed.value.cause.kept] == [3, 4]
    assert "NO TRANSACTION" in str(failed.value.cause)


@pytest.mark.parametrize(
    ("url_fixture", "suicide", "message"),
    [
        ("postgres_url", "SELECT pg_terminate_backend(pg_backend_pid());", "terminating connection due to administrator command"),
        ("mysql_url", "KILL CONNECTION_ID();", "(1927) Connection was killed"),
    ],
    ids=["postgres", "mysql"],
)
def test_a_connection_lost_in_a_no_transaction_migration_is_a_failure_and_leaves_it_interrupted(
    url_fixture, suicide, message, request, make_folder, probe
):
    url = request.getfixturevalue(url_fixture)
    up = f"-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE made (x integer);\n{suicide}\n"
    folder = make_folder({"00001_base.sql": BASE, "00002_lost.sql": up})

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(url, folder).up()
    cause = failed.value.cause
    assert isinstance(cause, MigrationFailed)
    assert (cause.statement.line, [ref.line for ref in cause.kept]) == (4, [3])
    assert cause.database_message == message

    db = probe(url)
    assert "made" in db.tables() and db.rows() == [(0, True), (1, True)]
    with pytest.raises(InterruptedMigration):  # it may have run in part: the next run asks a person
        Migrator(url, folder).up()


def test_a_later_migration_still_runs_in_a_transaction_after_a_no_transaction_one(database_url, make_folder, probe):
    folder = make_folder(
        {
            "00001_base.sql": BASE,
            "00002_autocommit.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nINSERT INTO base (x) VALUES (1);\n",
            "00003_fails.sql": FAILING_DML,
        }
    )
    db = probe(database_url)

    with pytest.raises(PartialMigrationError) as failed:
        Migrator(database_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    assert db.query("SELECT x FROM base") == [(1,)]
    assert db.rows() == [(0, True), (1, True), (2, True)]


def test_earlier_migrations_of_the_run_stay_applied(database_url, make_folder, probe):
    folder = make_folder(
        {"00001_base.sql": BASE, "00002_ok.sql": ("INSERT INTO base (x) VALUES (7);", ""), "00003_fails.sql": FAILING_DML}
    )
    seen = []
    with pytest.raises(PartialMigrationError) as failed:
        Migrator(database_url, folder, progress=seen.append).up()
    assert isinstance(failed.value.cause, MigrationFailed)

    db = probe(database_url)
    assert db.rows() == [(0, True), (1, True), (2, True)]
    assert db.query("SELECT x FROM base") == [(7,)]
    assert [str(event).split()[0] for event in seen] == ["up", "OK", "up", "OK", "up"]


def test_mysql_names_ddl_inside_the_failing_unit(mysql_url, make_folder, probe):
    folder = make_folder(
        {"00001_base.sql": BASE, "00002_unit.sql": "-- +goose Up\nCREATE TABLE made (x integer); INSERT INTO missing (x) VALUES (1);\n"}
    )
    with pytest.raises(PartialMigrationError) as failed:
        Migrator(mysql_url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)
    assert "made" in probe(mysql_url).tables()
    assert [ref.line for ref in failed.value.cause.kept] == [2]
