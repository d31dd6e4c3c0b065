"""A transactional migration's statements go to the database in batches.

What must not change: every unit runs as written, a failure names the unit and line that
failed with the message it gives alone, nothing of the migration stays applied (on
PostgreSQL; MySQL keeps only its implicitly committed DDL) and the version is not
recorded. Batch bounds are lowered here so that a few thousand units make several
batches, and a failing unit can sit first, last or in the middle of one.
"""

from __future__ import annotations

import threading

import pytest
from support.migrations import BASE

from llm_proxy.api import Migrator
from llm_proxy.env import batching
from llm_proxy.errors import MigrationFailed, PartialMigrationError
from llm_proxy.format.grammar import Statement
from llm_proxy.selection import from_url

UNITS = 2500
BATCH_UNITS = 1000
MISSING = "INSERT INTO no_such_table (x) VALUES (0);"
TWO_INSERTS = "INSERT INTO base (x) VALUES (-1); INSERT INTO base (x) VALUES (-2);"


def rows_migration(units: int, replace: dict[int, str] | None = None) -> tuple[str, dict[int, int]]:
    """An Up section of ``units`` units inserting into ``base``: single INSERTs, with a
    unit of two statements at 10, 1010, 2010 ... and a StatementBegin block without its
    final ``;`` at 20 (two statements: MySQL's count of statements must add them up).
    ``replace`` puts other text at some positions; returns the text and each unit's line."""
    lines = ["-- +goose Up"]
    starts = {}
    for index in range(units):
        starts[index] = len(lines) + 1
        if replace and index in replace:
            lines.append(replace[index])
        elif index % 1000 == 10:
            lines.append(TWO_INSERTS)
        elif index == 20:
            lines += ["-- +goose StatementBegin", "INSERT INTO base (x) VALUES (-3);", "INSERT INTO base (x) VALUES (-4)", "-- +goose StatementEnd"]
            starts[index] += 1
        else:
            lines.append(f"INSERT INTO base (x) VALUES ({index});")
    return "\n".join(lines) + "\n", starts


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "MAX_BATCH_UNITS", BATCH_UNITS)


def failure_of(url: str, folder) -> MigrationFailed:
    with pytest.raises(PartialMigrationError) as failed:
        Migrator(url, folder).up()
    assert isinstance(failed.value.cause, MigrationFailed)
    return failed.value.cause


def test_thousands_of_inserts_apply(database_url, make_folder, probe, small_batches):
    up, _ = rows_migration(UNITS)
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    results = Migrator(database_url, folder).up()

    assert [r.statement_count for r in results] == [1, UNITS]
    db = probe(database_url)
    assert db.query("SELECT COUNT(*) FROM base") == [(UNITS + 4,)]
    assert db.rows() == [(0, True), (1, True), (2, True)]


@pytest.mark.parametrize("url_fixture", ["postgres_url", "mysql_url", "sqlite_url"])
@pytest.mark.parametrize("position", [0, BATCH_UNITS - 1, BATCH_UNITS, 1500, UNITS - 1], ids=["first", "last-of-batch", "first-of-next", "middle", "last"])
def test_a_failing_unit_is_named_wherever_it_sits_in_a_batch(url_fixture, position, request, make_folder, probe, small_batches):
    url = request.getfixturevalue(url_fixture)
    up, starts = rows_migration(UNITS, {position: MISSING})
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    cause = failure_of(url, folder)

    assert (cause.statement.line, cause.statement.first_line) == (starts[position], MISSING)
    assert f"00002_rows.sql:{starts[position]}: migrating up failed" in str(cause)
    assert "no_such_table" in cause.database_message and not cause.kept
    db = probe(url)
    assert db.query("SELECT COUNT(*) FROM base") == [(0,)]
    assert db.rows() == [(0, True), (1, True)]


@pytest.mark.parametrize("url_fixture", ["postgres_url", "mysql_url", "sqlite_url"])
def test_the_error_is_the_one_the_unit_gives_alone(url_fixture, request, monkeypatch, make_folder, probe):
    """A failing second statement of a unit in the middle of a batch: the same error, to the
    letter, as when every unit is sent on its own."""
    url = request.getfixturevalue(url_fixture)
    failing = "INSERT INTO base (x) VALUES (1); INSERT INTO missing (x) VALUES (2);"
    up, starts = rows_migration(400, {200: failing})
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    batched = failure_of(url, folder)
    monkeypatch.setattr(batching, "MAX_BATCH_UNITS", 1)
    monkeypatch.setattr(batching, "_sqlite_joinable", lambda sql, completed: False)
    alone = failure_of(url, folder)

    assert str(batched) == str(alone)
    assert (batched.statement.line, batched.statement.first_line) == (starts[200], failing)
    assert probe(url).query("SELECT COUNT(*) FROM base") == [(0,)]


def test_mysql_lists_the_ddl_it_committed_before_the_failing_unit_of_a_batch(mysql_url, make_folder, probe):
    """(The DDL comes first: MySQL's implicit commit would also commit INSERTs before it.)"""
    up, starts = rows_migration(300, {0: "CREATE TABLE made (x integer);", 1: "CREATE INDEX made_x ON made (x);", 299: MISSING})
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    cause = failure_of(mysql_url, folder)

    assert cause.statement.line == starts[299]
    assert [ref.line for ref in cause.kept] == [starts[0], starts[1]]
    db = probe(mysql_url)
    assert "made" in db.tables()
    assert db.query("SELECT COUNT(*) FROM base") == [(0,)]
    assert db.rows() == [(0, True), (1, True)]


LITERALS = {
    "postgres": {
        "INSERT INTO notes (body) VALUES ('100% :name ? %s');": "100% :name ? %s",
        "INSERT INTO notes (body) VALUES ($$dollar; 100% :name ?$$);": "dollar; 100% :name ?",
        "INSERT INTO notes (body) VALUES ($tag$tagged $$ :name$tag$);": "tagged $$ :name",
    },
    "mysql": {
        "INSERT INTO notes (body) VALUES ('100% :name ? %s');": "100% :name ? %s",
        'INSERT INTO notes (body) VALUES ("double %(x)s :name ?");': "double %(x)s :name ?",
    },
    "sqlite": {"INSERT INTO notes (body) VALUES ('100% :name ? %s');": "100% :name ? %s"},
}


def test_literals_inside_batched_statements_stay_literal(database_url, make_folder, probe):
    literals = LITERALS[from_url(database_url).dialect]
    up = "-- +goose Up\n" + "\n".join(literals) + "\n"
    folder = make_folder({"00001_notes.sql": ("CREATE TABLE notes (body varchar(100));", "DROP TABLE notes;"), "00002_literals.sql": up})

    Migrator(database_url, folder).up()

    assert {row[0] for row in probe(database_url).query("SELECT body FROM notes")} == set(literals.values())


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_the_literal_units_make_one_batch(dialect):
    statements = [Statement(text, line) for line, text in enumerate(LITERALS[dialect], start=2)]

    assert [len(batch.units) for batch in batching.batches(statements, dialect, transactional=True)] == [len(statements)]


def test_a_block_without_its_final_semicolon_is_followed_by_more_units(database_url, make_folder, probe):
    up = (
        "-- +goose Up\n"
        "INSERT INTO base (x) VALUES (1);\n"
        "-- +goose StatementBegin\n"
        "INSERT INTO base (x) VALUES (2);\n"
        "INSERT INTO base (x) VALUES (3)\n"
        "-- the block ends on a comment\n"
        "-- +goose StatementEnd\n"
        "INSERT INTO base (x) VALUES (4);\n"
    )
    folder = make_folder({"00001_base.sql": BASE, "00002_block.sql": up})

    Migrator(database_url, folder).up()

    assert sorted(probe(database_url).query("SELECT x FROM base")) == [(1,), (2,), (3,), (4,)]


def test_a_function_body_cut_at_a_semicolon_fails_as_on_goose(postgres_url, make_folder, probe):
    """Without StatementBegin, goose cuts a function body at its first ``;`` and the first
    piece fails on its own; joined to the next piece in a batch it would pass."""
    up = (
        "-- +goose Up\n"
        "INSERT INTO base (x) VALUES (1);\n"
        "CREATE FUNCTION one() RETURNS integer AS $$\n"
        "  SELECT 1;\n"
        "$$ LANGUAGE sql;\n"
    )
    folder = make_folder({"00001_base.sql": BASE, "00002_function.sql": up})

    cause = failure_of(postgres_url, folder)

    assert cause.statement.line == 3
    assert "unterminated dollar-quoted string" in cause.database_message
    assert probe(postgres_url).query("SELECT COUNT(*) FROM base") == [(0,)]


def test_a_connection_lost_in_a_batch_is_a_migration_failure_naming_the_batch(postgres_url, make_folder, probe):
    up = "-- +goose Up\nCREATE TABLE made (x integer);\nINSERT INTO made VALUES (1);\nSELECT pg_terminate_backend(pg_backend_pid());\nINSERT INTO made VALUES (2);\n"
    folder = make_folder({"00001_base.sql": BASE, "00002_lost.sql": up})

    cause = failure_of(postgres_url, folder)

    assert cause.statement.line == 2
    assert cause.database_message == (
        "terminating connection due to administrator command (the connection was lost while lines 2 to 5 "
        "ran as one batch; which statement was running is not known)"
    )
    db = probe(postgres_url)
    assert "made" not in db.tables()
    assert db.rows() == [(0, True), (1, True)]


def test_a_connection_lost_in_a_mysql_batch_is_a_migration_failure_naming_the_unit(mysql_url, make_folder, probe):
    up = "-- +goose Up\nCREATE TABLE made (x integer);\nINSERT INTO made VALUES (1);\nKILL CONNECTION_ID();\nINSERT INTO made VALUES (2);\n"
    folder = make_folder({"00001_base.sql": BASE, "00002_lost.sql": up})

    cause = failure_of(mysql_url, folder)

    assert (cause.statement.line, cause.database_message) == (4, "(1927) Connection was killed")
    assert [ref.line for ref in cause.kept] == [2]  # the CREATE TABLE committed; the INSERT after it did not
    db = probe(mysql_url)
    assert db.query("SELECT COUNT(*) FROM made") == [(0,)]
    assert db.rows() == [(0, True), (1, True)]


def test_a_statement_that_controls_the_transaction_runs_alone(postgres_url, make_folder, probe):
    """A batch runs in a savepoint, where SET TRANSACTION is refused."""
    up, _ = rows_migration(50, {0: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;"})
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    Migrator(postgres_url, folder).up()

    assert probe(postgres_url).query("SELECT COUNT(*) FROM base") == [(51,)]


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ("postgres", "SELECT 'open;"),
        ("postgres", "SELECT 1 /* open;"),
        ("postgres", "SELECT E'it\\'s;"),
        ("postgres", "SELECT 1; COMMIT;"),
        ("postgres", "/* note */ SAVEPOINT s;"),
        ("mysql", "INSERT INTO t VALUES ('a;b');"),
        ("mysql", "INSERT INTO t VALUES ('it\\'s');"),
        ("mysql", "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;"),
        ("mysql", "IF 1 THEN SELECT 1; END IF;"),
        ("mysql", "/*!50000 SELECT 1; */"),
        ("mysql", "SELECT 1;;"),
    ],
)
def test_a_unit_whose_boundaries_are_unsure_runs_alone(dialect, text):
    statements = [Statement("SELECT 1;", 1), Statement(text, 2), Statement("SELECT 3;", 3)]

    sizes = [len(batch.units) for batch in batching.batches(statements, dialect, transactional=True)]

    assert sizes == [1, 1, 1]


@pytest.mark.parametrize(
    ("dialect", "text", "ends"),
    [
        ("mysql", "SELECT 1; SELECT 2; -- a note", [1, 3, 4]),
        ("mysql", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)", [1, 3, 4]),
        ("mysql", "", [1, 1, 2]),
        ("mysql", "SELECT `end`, 'the end'; # done", [1, 2, 3]),
    ],
)
def test_mysql_counts_the_statements_of_each_unit(dialect, text, ends):
    statements = [Statement("SELECT 1;", 1), Statement(text, 2), Statement("SELECT 3;", 3)]

    [batch] = batching.batches(statements, dialect, transactional=True)

    assert list(batch.ends) == ends


def test_no_transaction_migrations_are_not_batched():
    statements = [Statement(f"SELECT {n};", n) for n in range(5)]

    for dialect in ("postgres", "mysql", "sqlite"):
        assert {len(b.units) for b in batching.batches(statements, dialect, transactional=False)} == {1}


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_batches_made_ahead_in_a_worker_are_the_batches_in_order(dialect, small_batches):
    statements = [Statement(f"INSERT INTO base (x) VALUES ({n});", n) for n in range(3 * BATCH_UNITS + 5)]
    made = list(batching.batches(statements, dialect, transactional=True))

    assert [len(b.units) for b in made] == [BATCH_UNITS] * 3 + [5]
    assert [unit for b in made for unit in b.units] == statements
    assert list(batching._made_ahead(iter(made))) == made


@pytest.mark.parametrize(
    "sizes",
    [[1] * 5000, [1] * 3300 + [300, 1] * 62],  # equal units; many small ones, then large ones between small ones
    ids=["equal", "large-between-small"],
)
def test_a_large_postgres_migration_makes_few_enough_batches_for_the_subtransaction_cache(monkeypatch, sizes):
    monkeypatch.setattr(batching, "MAX_BATCH_UNITS", 10)
    monkeypatch.setattr(batching, "MAX_BATCH_BYTES", 500)
    statements = [Statement(f"INSERT INTO base (x) VALUES ('{'x' * size}');", n) for n, size in enumerate(sizes)]

    made = {dialect: list(batching.batches(statements, dialect, transactional=True)) for dialect in ("postgres", "mysql")}

    assert batching.POSTGRES_BATCHES // 2 < len(made["postgres"]) <= batching.POSTGRES_BATCHES
    assert len(made["mysql"]) > 300  # no savepoints there: the bounds stay
    assert [unit for batch in made["postgres"] for unit in batch.units] == statements


def test_a_caller_that_stops_early_leaves_no_worker_behind(small_batches):
    statements = [Statement(f"SELECT {n};", n) for n in range(3 * BATCH_UNITS)]
    before = threading.active_count()
    made = batching.batches(statements, "postgres", transactional=True)

    assert len(next(made).units) == BATCH_UNITS and threading.active_count() == before + 1
    made.close()  # as when a batch fails: the one being made is finished, the worker ends

    assert threading.active_count() == before


TRIGGER = "CREATE TRIGGER base_x AFTER INSERT ON base BEGIN UPDATE base SET x = x + 1000 WHERE x = NEW.x AND NEW.x = 7; END;"


@pytest.mark.parametrize(
    ("units", "sizes"),
    [
        (["SELECT 1;", "", "SELECT 2; SELECT 3;", TRIGGER, "SELECT 4"], [5]),
        (["SELECT 1;", "SELECT 2;", "SELECT 'open;", "SELECT 4;"], [2, 1, 1]),
        (["SELECT 1;", "SELECT 2;", "SAVEPOINT s;", "SELECT 4;"], [2, 1, 1]),
        (["SELECT 1;", "/* a note */ COMMIT;", "SELECT 3;"], [1, 1, 1]),
        (["BEGIN;", "SELECT 2;", "SELECT 3;"], [1, 1, 1]),
        (["SELECT 1;", "SELECT 2; END;", "SELECT 3;"], [1, 1, 1]),
    ],
    ids=["all-join", "open-string", "savepoint", "commit", "begin", "end"],
)
def test_sqlite_joins_the_leading_units_into_one_script_and_runs_the_rest_alone(units, sizes):
    """executescript() commits the open transaction first: only the first batch may be a
    script, and a unit that leaves something open or controls the transaction ends it."""
    statements = [Statement(text, line) for line, text in enumerate(units, start=2)]

    assert [len(batch.units) for batch in batching.batches(statements, "sqlite", transactional=True)] == sizes


def test_sqlite_units_after_the_script_stay_in_the_migration_transaction(sqlite_url, make_folder, probe):
    """A unit that cannot join the script (a trigger, then SAVEPOINT) runs alone after it, in
    the same transaction: when a later unit fails, nothing stays, the trigger included."""
    up = "\n".join(["-- +goose Up", "INSERT INTO base (x) VALUES (1);", TRIGGER, "SAVEPOINT inner_one;", "INSERT INTO base (x) VALUES (7);", MISSING, ""])
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    cause = failure_of(sqlite_url, folder)

    assert cause.statement.line == 6
    db = probe(sqlite_url)
    assert db.query("SELECT COUNT(*) FROM base") == [(0,)]
    assert db.query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'") == [(0,)]
    assert db.rows() == [(0, True), (1, True)]


def test_a_sqlite_trigger_in_the_script_works(sqlite_url, make_folder, probe):
    up = "\n".join(["-- +goose Up", TRIGGER, "INSERT INTO base (x) VALUES (1);", "INSERT INTO base (x) VALUES (7);", ""])
    folder = make_folder({"00001_base.sql": BASE, "00002_rows.sql": up})

    Migrator(sqlite_url, folder).up()

    assert sorted(probe(sqlite_url).query("SELECT x FROM base")) == [(1,), (1007,)]
