"""The bundled llm-proxy migrations, replayed on every dialect without the runner.

Each migration's statements run in one transaction, in file order, the way goose runs them.
After every step the schema seen by SQLAlchemy's inspector must be the one spelled out in
tests/support/bundled.py (the same logical schema on SQLite, PostgreSQL and MariaDB/MySQL),
the sample rows inserted so far must still be there, and the constraints must still bite. Then every Down runs in
reverse order and must bring back exactly the schema of the step before, keeping the rows;
then every step is applied, rolled back and applied again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, event, exc, inspect
from support.bundled import FILE_NAMES, expected_schema, read_schema

import llm_proxy
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection, Engine

VERSIONS_SQL = Path(llm_proxy.__file__).parent / "versions_sql"
DIALECTS = ("sqlite", "postgres", "mysql")
LAST = len(FILE_NAMES)
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- Reading the schema back --------------------------------------------------------------


def exact_schema(engine: Engine) -> dict[str, Any]:
    """Everything the inspector says, unnormalised and in order: returning to a step by a
    Down (or by applying it again) must reproduce it exactly."""
    inspector = inspect(engine)
    return {
        name: {
            "columns": [
                (c["name"], repr(c["type"]), c["nullable"], c["default"])
                for c in inspector.get_columns(name)
            ],
            "pk": inspector.get_pk_constraint(name),
            "indexes": sorted(inspector.get_indexes(name), key=lambda i: i["name"]),
            "uniques": sorted(inspector.get_unique_constraints(name), key=lambda u: u["name"]),
            "fks": inspector.get_foreign_keys(name),
            "checks": sorted(inspector.get_check_constraints(name), key=lambda c: c["name"]),
        }
        for name in sorted(inspector.get_table_names())
    }


def assert_schema(engine: Engine, dialect: str, step: int) -> None:
    actual = read_schema(engine, dialect)
    expected = expected_schema(step)
    assert sorted(actual) == sorted(expected), f"tables after step {step}"
    for name, table in expected.items():
        got = actual[name]
        assert got.columns == table.columns, f"{name} columns after step {step}"
        assert got.primary_key == table.primary_key, f"{name} primary key after step {step}"
        assert got.indexes == table.indexes, f"{name} indexes after step {step}"
        assert got.foreign_keys == table.foreign_keys, f"{name} foreign keys after step {step}"
        assert got.checks == table.checks, f"{name} checks after step {step}"


# --- Sample data --------------------------------------------------------------------------


def _key_column(step: int) -> str:
    return "api_key" if step >= 5 else "openai_api_key"


def sample_rows(step: int, round_: int) -> list[str]:
    """Rows that only the schema of ``step`` can hold; ``round_`` keeps keys apart."""
    r = round_
    key = _key_column(step)
    if step == 1:
        return [
            f"INSERT INTO projects (id, name, {key}) VALUES ('p{r}-1', 'Alpha {r}', 'sk-alpha')",
            f"INSERT INTO projects (id, name, {key}, is_active, created_at, updated_at) "
            f"VALUES ('p{r}-2', 'Beta {r}', 'sk-beta', FALSE, "
            "'2024-01-02 03:04:05', '2024-02-03 04:05:06')",
            "INSERT INTO tokens (token, project_id, expires_at, request_count, max_requests, "
            f"last_used_at) VALUES ('tok{r}-1', 'p{r}-1', '2030-01-01 00:00:00', 3, 100, "
            "'2024-05-06 07:08:09')",
            "INSERT INTO tokens (token, project_id, is_active) "
            f"VALUES ('tok{r}-2', 'p{r}-2', FALSE)",
            "INSERT INTO audit_events (id, timestamp, action, actor, project_id, request_id, "
            "correlation_id, client_ip, method, path, user_agent, outcome, reason, token_id, "
            f"metadata) VALUES ('ev{r}-1', '2024-03-04 05:06:07', 'token.create', 'admin', "
            f"'p{r}-1', 'req-1', 'corr-1', '10.0.0.1', 'POST', '/manage/tokens', 'curl/8', "
            """'success', 'created', 'tok-1', '{"ttl": 3600}')""",
            "INSERT INTO audit_events (id, timestamp, action, actor, outcome) "
            f"VALUES ('ev{r}-2', '2024-03-04 05:06:08', 'token.validate', 'proxy', 'failure')",
        ]
    if step == 2:
        return [
            f"INSERT INTO projects (id, name, {key}, is_active, deactivated_at) "
            f"VALUES ('p{r}-3', 'Gamma {r}', 'sk-gamma', FALSE, '2024-06-01 00:00:00')",
            f"UPDATE projects SET deactivated_at = '2024-06-02 00:00:00' WHERE id = 'p{r}-2'",
            "INSERT INTO tokens (token, project_id, is_active, deactivated_at) "
            f"VALUES ('tok{r}-3', 'p{r}-3', FALSE, '2024-06-01 00:00:00')",
        ]
    if step == 3:
        return [
            "INSERT INTO tokens (token, project_id, cache_hit_count) "
            f"VALUES ('tok{r}-4', 'p{r}-1', 7)",
            f"UPDATE tokens SET cache_hit_count = 2 WHERE token = 'tok{r}-1'",
        ]
    if step == 4:
        return [
            "INSERT INTO tokens (id, token, project_id) "
            f"VALUES ('00000000-0000-4000-8000-00000000000{r}', 'tok{r}-5', 'p{r}-2')",
        ]
    if step == 5:
        return [
            f"INSERT INTO projects (id, name, api_key) VALUES ('p{r}-4', 'Delta {r}', 'sk-delta')",
        ]
    return [
        "INSERT INTO audit_events (id, timestamp, action, actor, outcome) "
        f"VALUES ('ev{r}-3', '2024-07-01 00:00:00', 'proxy.request', 'proxy', 'denied')",
        "INSERT INTO audit_events (id, timestamp, action, actor, outcome) "
        f"VALUES ('ev{r}-4', '2024-07-01 00:00:01', 'proxy.request', 'proxy', 'error')",
    ]


Rows = dict[str, list[dict[str, Any]]]


def read_rows(engine: Engine) -> Rows:
    """All rows of the application tables, with openai_api_key read as api_key."""
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        rows = {}
        for table in ("projects", "tokens", "audit_events"):
            if table not in tables:
                continue
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
            rows[table] = [
                {("api_key" if k == "openai_api_key" else k): v for k, v in row._mapping.items()}
                for row in result
            ]
    return rows


def project_rows(rows: Rows, step: int) -> Rows:
    """``rows`` cut down to what the schema of ``step`` can hold, keyed as that step keys."""
    out = {}
    for table, spec in expected_schema(step).items():
        columns = {"api_key" if c == "openai_api_key" else c for c in spec.columns}
        (pk,) = spec.primary_key
        kept = [{c: v for c, v in row.items() if c in columns} for row in rows.get(table, [])]
        out[table] = sorted(kept, key=lambda row: str(row[pk]))
    return out


# --- Running migrations -------------------------------------------------------------------


def make_engine(dialect: str, url: str) -> Engine:
    engine = create_engine(url)
    if dialect == "sqlite":
        # SQLAlchemy's recipe for real transactions with pysqlite, so that the DDL of a
        # migration is rolled back with it; foreign keys on, as the application runs.
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

    return engine


def migrate(engine: Engine, dialect: str, step: int, direction: Direction) -> None:
    """Run one migration's statements for ``direction`` in a single transaction."""
    statements = parse_file(VERSIONS_SQL / dialect / FILE_NAMES[step - 1]).statements(direction)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement.text)


def execute(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def assert_refused(engine: Engine, statement: str) -> None:
    with pytest.raises(exc.DBAPIError):
        execute(engine, [statement])


def assert_constraints_bite(engine: Engine, step: int, round_: int) -> None:
    """The key, unique, foreign key and CHECK rules of ``step`` are enforced."""
    r = round_
    key = _key_column(step)
    token_id = "id, " if step >= 4 else ""
    new_id = "'11111111-1111-4111-8111-111111111111', " if step >= 4 else ""
    assert_refused(
        engine,
        f"INSERT INTO projects (id, name, {key}) VALUES ('p-new', 'Alpha {r}', 'k')",
    )
    assert_refused(
        engine,
        f"INSERT INTO tokens ({token_id}token, project_id) VALUES ({new_id}'tok{r}-1', 'p{r}-1')",
    )
    assert_refused(
        engine,
        f"INSERT INTO tokens ({token_id}token, project_id) VALUES ({new_id}'t-new', 'nope')",
    )
    if step < LAST:
        assert_refused(
            engine,
            "INSERT INTO audit_events (id, timestamp, action, actor, outcome) "
            "VALUES ('ev-new', '2024-01-01 00:00:00', 'a', 'b', 'denied')",
        )
    assert_refused(
        engine,
        "INSERT INTO audit_events (id, timestamp, action, actor, outcome) "
        "VALUES ('ev-new', '2024-01-01 00:00:00', 'a', 'b', 'maybe')",
    )


def apply_and_check(engine: Engine, dialect: str, step: int, before: Rows) -> None:
    """Apply ``step``, then check its schema and that the rows of ``before`` survived,
    with the new columns at their defaults."""
    migrate(engine, dialect, step, Direction.UP)
    assert_schema(engine, dialect, step)
    after = read_rows(engine)
    assert project_rows(after, step - 1) == project_rows(before, step - 1)
    if step == 1:
        assert after == {"projects": [], "tokens": [], "audit_events": []}
    if step == 2:
        for table in ("projects", "tokens"):
            assert [row["deactivated_at"] for row in after[table]] == [None] * len(after[table])
    if step == 3:
        assert [row["cache_hit_count"] for row in after["tokens"]] == [0] * len(after["tokens"])
    if step == 4:
        ids = [row["id"] for row in after["tokens"]]
        assert all(UUID_TEXT.match(token_id) for token_id in ids), ids
        assert len(set(ids)) == len(ids)


# --- Tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_files_are_six_parseable_migrations_named_alike(dialect: str) -> None:
    folder = VERSIONS_SQL / dialect
    assert tuple(sorted(p.name for p in folder.glob("*.sql"))) == FILE_NAMES
    for name in FILE_NAMES:
        parsed = parse_file(folder / name)
        assert parsed.use_transaction, name
        for direction in Direction:
            statements = parsed.statements(direction)
            assert statements, f"{name}: empty {direction.value} section"
            for statement in statements:
                sql = re.sub(r"--[^\n]*", "", statement.text).upper()
                assert not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b", sql), name
                assert "DROP TABLE IF NOT EXISTS" not in sql, name
                if re.match(r"\s*DROP TABLE\b", sql):
                    assert "IF EXISTS" in sql, f"{name}: {statement.text}"
                if re.match(r"\s*CREATE (UNIQUE )?INDEX\b", sql):
                    assert "IF NOT EXISTS" in sql, f"{name}: {statement.text}"
                if re.match(r"\s*CREATE TABLE (PROJECTS|TOKENS|AUDIT_EVENTS)\b", sql):
                    pytest.fail(f"{name}: CREATE TABLE without IF NOT EXISTS")


@pytest.fixture(params=DIALECTS)
def scratch(request: pytest.FixtureRequest) -> Iterator[tuple[str, Engine]]:
    dialect = request.param
    engine = make_engine(dialect, request.getfixturevalue(f"{dialect}_url"))
    try:
        yield dialect, engine
    finally:
        engine.dispose()


def test_initial_schema_can_be_applied_twice(scratch: tuple[str, Engine]) -> None:
    dialect, engine = scratch
    migrate(engine, dialect, 1, Direction.UP)
    execute(engine, sample_rows(1, 0))
    migrate(engine, dialect, 1, Direction.UP)
    assert_schema(engine, dialect, 1)
    assert len(read_rows(engine)["tokens"]) == 2


def test_up_down_up_keeps_schema_and_rows(scratch: tuple[str, Engine]) -> None:
    dialect, engine = scratch
    assert_schema(engine, dialect, 0)

    # Up, step by step, adding rows that each new schema can hold.
    exact = {0: exact_schema(engine)}
    rows = read_rows(engine)
    for step in range(1, LAST + 1):
        apply_and_check(engine, dialect, step, rows)
        exact[step] = exact_schema(engine)
        execute(engine, sample_rows(step, 1))
        assert_constraints_bite(engine, step, 1)
        rows = read_rows(engine)

    # The old CHECK cannot hold 'denied'/'error': the rollback of step 6 must fail and
    # change nothing, not drop or rewrite those rows.
    with pytest.raises(exc.DBAPIError):
        migrate(engine, dialect, LAST, Direction.DOWN)
    assert exact_schema(engine) == exact[LAST]
    assert read_rows(engine) == rows

    # Once the operator has decided what those events become, it goes through.
    execute(
        engine,
        ["UPDATE audit_events SET outcome = 'failure' WHERE outcome IN ('denied', 'error')"],
    )
    rows = read_rows(engine)
    for step in range(LAST, 0, -1):
        migrate(engine, dialect, step, Direction.DOWN)
        assert_schema(engine, dialect, step - 1)
        assert exact_schema(engine) == exact[step - 1], f"down from {step}"
        assert project_rows(read_rows(engine), step - 1) == project_rows(rows, step - 1)
        if step > 1:
            assert_constraints_bite(engine, step - 1, 1)

    # Up again, each step applied, rolled back and applied once more, with rows in place.
    rows = read_rows(engine)
    for step in range(1, LAST + 1):
        apply_and_check(engine, dialect, step, rows)
        assert exact_schema(engine) == exact[step], f"up again to {step}"
        execute(engine, sample_rows(step, 2))
        rows = read_rows(engine)
        if step == LAST:
            execute(engine, ["DELETE FROM audit_events WHERE outcome IN ('denied', 'error')"])
            rows = read_rows(engine)
        migrate(engine, dialect, step, Direction.DOWN)
        assert exact_schema(engine) == exact[step - 1], f"redo of {step}"
        assert project_rows(read_rows(engine), step - 1) == project_rows(rows, step - 1)
        apply_and_check(engine, dialect, step, rows)
        assert exact_schema(engine) == exact[step], f"redo of {step}"
        if step == 1:  # its Down dropped the tables, rows and all
            execute(engine, sample_rows(1, 2))
        assert_constraints_bite(engine, step, 2)
        rows = read_rows(engine)


def test_cascade_delete_still_works_after_the_rebuilds(scratch: tuple[str, Engine]) -> None:
    dialect, engine = scratch
    for step in range(1, LAST + 1):
        migrate(engine, dialect, step, Direction.UP)
        execute(engine, sample_rows(step, 1))
    execute(engine, ["DELETE FROM projects WHERE id = 'p1-1'"])
    remaining = sorted(row["token"] for row in read_rows(engine)["tokens"])
    assert remaining == ["tok1-2", "tok1-3", "tok1-5"]
