"""The round trip (LP601-LP604) on real databases: each check with a failing and a passing migration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from support.migrations import ADD_COLUMN_UNDONE

from llm_proxy.services.roundtrip import SCRATCH_PREFIX
from llm_proxy.services.validate import ValidateOptions, check_folder

TOKENS = """\
-- +goose Up
CREATE TABLE tokens (id VARCHAR(40) PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE INDEX idx_tokens_name ON tokens (name);

-- +goose Down
DROP TABLE tokens;
"""
ADD_COLUMN = """\
-- +goose Up
ALTER TABLE tokens ADD COLUMN cache_hit_count INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tokens DROP COLUMN cache_hit_count;
"""
DROP_INDEX = {
    "sqlite": "DROP INDEX idx_tokens_name;",
    "postgres": "DROP INDEX idx_tokens_name;",
    "mysql": "DROP INDEX idx_tokens_name ON tokens;",
}
OTHER = """\
-- +goose Up
CREATE TABLE other (id INTEGER);

-- +goose Down
DROP TABLE other;
{extra}
"""


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def server(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(dialect, URL of the server to round-trip on); SQLite needs none."""
    if request.param == "sqlite":
        return "sqlite", None
    return request.param, request.getfixturevalue(f"{request.param}_url")


def validate(folder: Path, url: str | None, **options: object):  # noqa: ANN201 - a ValidationReport
    return check_folder(folder, ValidateOptions(roundtrip=True, database_url=url, lint=False, **options))


def write(folder: Path, *files: str) -> Path:
    for number, text in enumerate(files, 1):
        (folder / f"{number:05d}_m{number}.sql").write_text(text)
    return folder


def codes(report) -> list[tuple[str, str, int | None]]:  # noqa: ANN001
    return [(f.code, f.file.name, f.line) for f in report.findings]


def test_down_that_leaves_a_column_is_lp601_then_up_again_fails_lp604(tmp_path: Path, server: tuple[str, str | None]) -> None:
    dialect, url = server
    report = validate(write(tmp_path, TOKENS, ADD_COLUMN_UNDONE, TOKENS.replace("tokens", "later")), url)
    assert codes(report)[:2] == [("LP601", "00002_m2.sql", 4), ("LP604", "00002_m2.sql", 2)]
    left, again = report.findings
    assert left.message == "after Down, column tokens.cache_hit_count is still there (added by Up)"
    assert "DROP COLUMN cache_hit_count" in (left.hint or "")
    assert "cache_hit_count" in again.message and "1 later migration was not run" in (again.hint or "")
    assert report.roundtrip is not None
    assert (report.roundtrip.dialect, report.roundtrip.checked, report.roundtrip.stopped) == (dialect, 1, "00002_m2.sql")


def test_down_that_drops_the_column_passes(tmp_path: Path, server: tuple[str, str | None]) -> None:
    report = validate(write(tmp_path, TOKENS, ADD_COLUMN), server[1])
    assert report.findings == ()
    assert report.checks == ("files", "roundtrip")
    assert report.roundtrip is not None and report.roundtrip.checked == 2


def test_down_that_drops_an_index_its_up_did_not_create(tmp_path: Path, server: tuple[str, str | None]) -> None:
    dialect, url = server
    report = validate(write(tmp_path, TOKENS, OTHER.format(extra=DROP_INDEX[dialect])), url)
    assert codes(report) == [("LP601", "00002_m2.sql", 6)]
    assert report.findings[0].message == (
        "after Down, index idx_tokens_name on tokens was dropped by Down but was not created by its Up "
        "(it existed before Up)"
    )
    assert validate(write(tmp_path, TOKENS, OTHER.format(extra="")), url).findings == ()


def test_semicolon_inside_a_multi_line_string(tmp_path: Path) -> None:
    cut = "-- +goose Up\nINSERT INTO tokens (id, name) VALUES ('a', 'one;\ntwo');\n\n-- +goose Down\nDELETE FROM tokens;\n"
    folder = write(tmp_path, TOKENS, cut)
    report = check_folder(folder, ValidateOptions(roundtrip=True))
    found = {(f.code, f.file.name, f.line) for f in report.errors}
    assert found == {("LP101", "00002_m2.sql", 2), ("LP602", "00002_m2.sql", 2)}
    lint = next(f for f in report.errors if f.code == "LP101")
    assert "';' at the end of line 2" in lint.message
    (folder / "00002_m2.sql").write_text(cut.replace("one;\n", "one\n"))
    assert check_folder(folder, ValidateOptions(roundtrip=True)).errors == ()


def test_up_that_fails_stops_the_round_trip(tmp_path: Path, server: tuple[str, str | None]) -> None:
    broken = "-- +goose Up\nCREATE TABLE broken (id INTEGER);\nINSERT INTO missing VALUES (1);\n\n-- +goose Down\nDROP TABLE broken;\n"
    report = validate(write(tmp_path, TOKENS, broken, ADD_COLUMN), server[1])
    assert codes(report) == [("LP602", "00002_m2.sql", 3)]
    assert "missing" in report.findings[0].message
    assert report.roundtrip is not None and report.roundtrip.stopped == "00002_m2.sql"


def test_down_that_fails_is_lp603_and_later_migrations_still_run(tmp_path: Path, server: tuple[str, str | None]) -> None:
    failing_down = "-- +goose Up\nCREATE TABLE kept (id INTEGER);\n\n-- +goose Down\nDROP TABLE nothing_here;\n"
    report = validate(write(tmp_path, TOKENS, failing_down, ADD_COLUMN_UNDONE), server[1])
    assert codes(report)[:2] == [("LP603", "00002_m2.sql", 5), ("LP601", "00003_m3.sql", 4)]
    assert "nothing_here" in report.findings[0].message


def test_changed_column_names_the_field(tmp_path: Path, server: tuple[str, str | None]) -> None:
    dialect, url = server
    if dialect == "sqlite":
        pytest.skip("SQLite cannot change a column default in place")
    up = "-- +goose Up\nALTER TABLE tokens ALTER COLUMN name SET DEFAULT 'x';\n\n-- +goose Down\n"
    report = validate(write(tmp_path, TOKENS, up + "ALTER TABLE tokens ALTER COLUMN name SET DEFAULT 'y';\n"), url)
    (finding,) = report.findings
    assert finding.code == "LP601" and finding.line == 5
    assert finding.message.startswith("after Down, column tokens.name differs: default none before Up, 'y")
    assert validate(write(tmp_path, TOKENS, up + "ALTER TABLE tokens ALTER COLUMN name DROP DEFAULT;\n"), url).findings == ()


VIEW_AND_TRIGGER = {
    "sqlite": "CREATE TRIGGER trg_tokens BEFORE INSERT ON tokens BEGIN SELECT 1; END;",
    "mysql": "CREATE TRIGGER trg_tokens BEFORE INSERT ON tokens FOR EACH ROW SET NEW.name = UPPER(NEW.name);",
    "postgres": "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;\n"
    "CREATE TRIGGER trg_tokens BEFORE INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION touch();",
}


def test_views_triggers_and_functions_left_behind(tmp_path: Path, server: tuple[str, str | None]) -> None:
    dialect, url = server
    up = f"-- +goose Up\nCREATE VIEW token_names AS SELECT name FROM tokens;\n-- +goose StatementBegin\n{VIEW_AND_TRIGGER[dialect]}\n-- +goose StatementEnd\n\n-- +goose Down\n"
    report = validate(write(tmp_path, TOKENS, up + "SELECT 1;\n"), url)
    left = sorted(f.message for f in report.findings if f.code == "LP601")
    expected = ["after Down, trigger trg_tokens on tokens is still there (added by Up)",
                "after Down, view token_names is still there (added by Up)"]
    if dialect == "postgres":
        expected.insert(0, "after Down, routine touch() is still there (added by Up)")
    assert left == expected
    down = "DROP VIEW token_names;\nDROP TRIGGER trg_tokens" + (" ON tokens;\nDROP FUNCTION touch();\n" if dialect == "postgres" else ";\n")
    assert validate(write(tmp_path, TOKENS, up + down), url).findings == ()


def test_the_servers_own_database_is_untouched_and_scratch_databases_are_dropped(
    tmp_path: Path, server: tuple[str, str | None]
) -> None:
    dialect, url = server
    if url is None:
        pytest.skip("SQLite runs on a temporary file; see the interrupt test")
    before = _scratch_databases(url)
    validate(write(tmp_path, TOKENS, ADD_COLUMN_UNDONE), url)
    assert _scratch_databases(url) == before
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_round_trip_removes_its_database(tmp_path: Path, postgres_url: str, signum: int) -> None:
    """Ctrl-C or a cancelled CI job while a migration runs: scratch database and temporary file are gone."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    (folder / "00001_slow.sql").write_text("-- +goose Up\nSELECT pg_sleep(30);\n\n-- +goose Down\nSELECT 1;\n")
    before = _scratch_databases(postgres_url)
    engine = create_engine(postgres_url)

    def sleeping() -> bool:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND position('SELECT pg_sleep(30)' in query) = 1"
            return connection.exec_driver_sql(query).scalar() > 0

    try:
        _interrupt_validate(["--dir", str(folder), "--database-url", postgres_url], temp, sleeping, signum)
    finally:
        engine.dispose()
    assert _scratch_databases(postgres_url) == before
    count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) SELECT count(*) FROM n;"
    (folder / "00001_slow.sql").write_text(f"-- +goose Up\n{count}\n-- +goose Down\nSELECT 1;\n")
    _interrupt_validate(["--dir", str(folder)], temp, lambda: any(temp.glob("llm-proxy-validate-*/roundtrip.db")), signum)
    assert list(temp.iterdir()) == []


def _interrupt_validate(args: list[str], temp: Path, ready, signum: int) -> None:  # noqa: ANN001 - a predicate
    """Start ``migrate validate``, send ``signum`` once ``ready()``, expect it to stop early."""
    command = [sys.executable, "-c", "from llm_proxy.cli import main; main()", "migrate", "validate", "--no-lint", *args]
    process = subprocess.Popen(command, env={**os.environ, "TMPDIR": str(temp)}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not ready():
            assert process.poll() is None and time.monotonic() < deadline, "the migration never started"
            time.sleep(0.05)
        time.sleep(0.2)
        process.send_signal(signum)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "round trip on" not in err


def test_migrations_after_one_that_does_not_parse_are_not_run(tmp_path: Path) -> None:
    report = validate(write(tmp_path, TOKENS, ADD_COLUMN, "-- +goose Up\nSELECT 1\n"), None)
    assert [f.code for f in report.findings] == ["parse"]
    assert report.roundtrip is not None
    assert (report.roundtrip.checked, report.roundtrip.total, report.roundtrip.stopped) == (2, 3, "00003_m3.sql")


def test_options_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="conflicts with database_url"):
        ValidateOptions(roundtrip=True, dialect="mysql", database_url="postgresql://h/db")
    with pytest.raises(ValueError, match="needs roundtrip=True"):
        ValidateOptions(database_url="postgresql://h/db")
    with pytest.raises(ValueError, match="temporary file"):
        ValidateOptions(roundtrip=True, database_url="sqlite:///x.db")
    assert ValidateOptions(roundtrip=True, database_url="mysql://h/db").lint_dialect == "mysql"
    assert ValidateOptions(roundtrip=True, dialect="postgres").checks == ("files", "lint")


def _scratch_databases(url: str) -> set[str]:
    engine = create_engine(url)
    query = (
        "SELECT datname FROM pg_database" if engine.dialect.name == "postgresql"
        else "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
    )
    try:
        with engine.connect() as connection:
            return {name for (name,) in connection.exec_driver_sql(query) if name.startswith(SCRATCH_PREFIX)}
    finally:
        engine.dispose()
