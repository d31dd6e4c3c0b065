"""``llm-proxy goose``: goose v3's command line, run as the real executable on real databases.

Every assertion is on what a script sees: stdout, stderr lines (after the logger's
``YYYY/MM/DD HH:MM:SS`` prefix) and the exit code; and the version table's rows, which
must be goose's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from llm_proxy.cli.goose.flags import parse
from llm_proxy.cli.goose.gotext import duration_string, go_quote, goose_duration, parse_duration
from tests.support.cli import env_without_database, run_llm_proxy

STAMP = re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")
DURATION = r"\((\d+(\.\d+)?(ns|µs|ms|s))\)"
CREATE = "-- +goose Up\nCREATE TABLE t1 (id int);\n-- +goose Down\nDROP TABLE t1;\n"
INSERT = "-- +goose Up\nCREATE TABLE t2 (id int);\nINSERT INTO t2 VALUES (1);\n-- +goose Down\nDROP TABLE t2;\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "00001_create.sql").write_text(CREATE)
    (migrations / "00002_insert.sql").write_text(INSERT)
    return migrations


def goose(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the stderr lines, each without the logger's timestamp."""
    run = run_llm_proxy("goose", *args, env={**env_without_database(), **(env or {})}, cwd=cwd)
    lines = run.stderr.splitlines()
    return run.returncode, run.stdout, [STAMP.sub("", line, count=1) for line in lines]


def dsns(url: str) -> list[tuple[str, str]]:
    """The goose (driver, DBSTRING) pairs naming the scratch database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return [("sqlite3", str(parsed.database)), ("sqlite", f"file:{parsed.database}")]
    host, port, user, name = parsed.host, parsed.port, parsed.username, parsed.database
    if parsed.get_backend_name() == "postgresql":
        return [
            ("postgres", f"host={host} port={port} user={user} dbname={name} sslmode=disable"),
            ("pgx", f"postgres://{user}@{host}:{port}/{name}?sslmode=disable"),
        ]
    return [("mysql", f"{user}@tcp({host}:{port})/{name}?parseTime=true")]


def rows(url: str, table: str = "goose_db_version") -> list[tuple[int, bool]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(text(f"SELECT version_id, is_applied FROM {table} ORDER BY id"))
            return [(int(v), bool(a)) for v, a in found]
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_a_goose_session_prints_gooses_lines_and_keeps_gooses_rows(
    dialect: str, folder: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{dialect}_url")
    cwd = folder.parent
    for driver, dbstring in dsns(url):
        code, out, err = goose("-dir", "m", driver, dbstring, "up", cwd=cwd)
        assert code == 0 and out == "", err
        if len(err) == 1:  # the second form of the same database: already up to date
            assert err == ["goose: no migrations to run. current version: 2"]
            continue
        assert re.fullmatch(rf"OK   00001_create\.sql {DURATION}", err[0]), err
        assert re.fullmatch(rf"OK   00002_insert\.sql {DURATION}", err[1]), err
        assert err[2:] == ["goose: successfully migrated database to version: 2"]
    driver, dbstring = dsns(url)[0]
    assert rows(url) == [(0, True), (1, True), (2, True)]

    code, out, err = goose("-dir", "m", driver, dbstring, "status", cwd=cwd)
    assert code == 0 and out == ""
    assert err[:2] == ["    Applied At                  Migration", "    ======================================="]
    assert [re.fullmatch(r"    \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} -- (\S+)", line)[1] for line in err[2:]] == [
        "00001_create.sql", "00002_insert.sql",
    ]
    assert goose("-dir", "m", driver, dbstring, "version", cwd=cwd)[2] == ["goose: version 2"]

    code, _, err = goose("-dir", "m", driver, dbstring, "down", cwd=cwd)
    assert code == 0 and len(err) == 1 and re.fullmatch(rf"OK   00002_insert\.sql {DURATION}", err[0]), err
    assert rows(url) == [(0, True), (1, True)]
    code, _, err = goose("-dir", "m", driver, dbstring, "status", cwd=cwd)
    assert err[-1] == "    Pending                  -- 00002_insert.sql"

    code, _, err = goose("-dir", "m", driver, dbstring, "down-to", "0", cwd=cwd)
    assert code == 0 and re.fullmatch(rf"OK   00001_create\.sql {DURATION}", err[0])
    assert err[1:] == ["goose: no migrations to run. current version: 0"]
    code, _, err = goose("-dir", "m", driver, dbstring, "down", cwd=cwd)
    assert (code, err) == (1, ["goose run: migration 0: no current version found"])
    assert rows(url) == [(0, True)]


def test_up_by_one_up_to_redo_reset_and_the_end_of_the_line(sqlite_url: str, folder: Path) -> None:
    db = str(make_url(sqlite_url).database)
    cwd = folder.parent
    code, _, err = goose("-dir", "m", "sqlite3", db, "up-by-one", cwd=cwd)
    assert code == 0 and len(err) == 1 and err[0].startswith("OK   00001_create.sql (")
    code, _, err = goose("-dir", "m", "sqlite3", db, "up-to", "2", cwd=cwd)
    assert err[1:] == ["goose: successfully migrated database to version: 2"]
    code, _, err = goose("-dir", "m", "sqlite3", db, "up-by-one", cwd=cwd)
    assert code == 1
    assert err == ["goose: no migrations to run. current version: 2", "goose run: no next version found"]
    code, _, err = goose("-dir", "m", "sqlite3", db, "redo", cwd=cwd)
    assert code == 0 and [line.split(" (")[0] for line in err] == ["OK   00002_insert.sql", "OK   00002_insert.sql"]
    code, _, err = goose("-dir", "m", "sqlite3", db, "up-to", "two", cwd=cwd)
    assert (code, err) == (1, ["goose run: version must be a number (got 'two')"])
    code, _, err = goose("-dir", "m", "sqlite3", db, "reset", cwd=cwd)
    assert code == 0 and [line.split(" (")[0] for line in err] == ["OK   00002_insert.sql", "OK   00001_create.sql"]
    code, _, err = goose("-dir", "m", "sqlite3", db, "nonsense", cwd=cwd)
    assert (code, err) == (1, ['goose run: "nonsense": no such command'])


def test_missing_migrations_are_refused_in_gooses_words(sqlite_url: str, folder: Path) -> None:
    db = str(make_url(sqlite_url).database)
    (folder / "00002_insert.sql").rename(folder.parent / "held.sql")
    assert goose("-dir", "m", "sqlite3", db, "up", cwd=folder.parent)[0] == 0
    (folder / "00003_late.sql").write_text("-- +goose Up\nSELECT 1;\n")
    assert goose("-dir", "m", "sqlite3", db, "up", cwd=folder.parent)[0] == 0
    (folder.parent / "held.sql").rename(folder / "00002_insert.sql")
    code, _, err = goose("-dir", "m", "sqlite3", db, "up", cwd=folder.parent)
    assert code == 1
    assert err == ["goose run: error: found 1 missing migrations before current version 3:", "\tversion 2: m/00002_insert.sql"]
    code, _, err = goose("-allow-missing", "-dir", "m", "sqlite3", db, "up", cwd=folder.parent)
    assert code == 0 and err[-1] == "goose: successfully migrated database to version: 2"
    assert rows(sqlite_url) == [(0, True), (1, True), (3, True), (2, True)]


@pytest.mark.parametrize(
    "args",
    [
        ["-dir", "m", "sqlite3", "x.db", "version"],
        ["-dir=m", "sqlite3", "x.db", "version"],
        ["--dir", "m", "sqlite3", "x.db", "version"],
        ["--dir=m", "sqlite3", "x.db", "version"],
        ["sqlite3", "x.db", "version", "-dir", "m"],
        ["sqlite3", "-dir", "m", "x.db", "-v", "version"],
    ],
)
def test_gos_flag_syntax_in_every_form(args: list[str], folder: Path) -> None:
    assert goose(*args, cwd=folder.parent) == (0, "", ["goose: version 0"])


def test_flag_errors_are_gos(folder: Path) -> None:
    run = run_llm_proxy("goose", "-x", "sqlite3", "x.db", "up", cwd=folder.parent)
    assert run.returncode == 2
    assert run.stderr.startswith("flag provided but not defined: -x\n  -allow-missing\n    \tapplies missing")
    assert "Usage: llm-proxy goose DRIVER DBSTRING [OPTIONS] COMMAND" in run.stdout
    run = run_llm_proxy("goose", "-v=maybe", "status", cwd=folder.parent)
    assert (run.returncode, run.stderr.splitlines()[0]) == (2, 'invalid boolean value "maybe" for -v: parse error')
    run = run_llm_proxy("goose", "-timeout=soon", "status", cwd=folder.parent)
    assert (run.returncode, run.stderr.splitlines()[0]) == (2, 'invalid value "soon" for flag -timeout: parse error')
    run = run_llm_proxy("goose", "-dir", cwd=folder.parent)
    assert (run.returncode, run.stderr.splitlines()[0]) == (2, "flag needs an argument: -dir")
    assert run_llm_proxy("goose", "-help", cwd=folder.parent).returncode == 0
    assert run_llm_proxy("goose", "-h", cwd=folder.parent).returncode == 0
    assert run_llm_proxy("goose", cwd=folder.parent).returncode == 1
    assert run_llm_proxy("goose", "sqlite3", "x.db", cwd=folder.parent).returncode == 1


def test_a_goose_flag_that_cannot_be_honoured_is_refused_by_name(folder: Path) -> None:
    code, _, err = goose("-timeout", "5m", "-dir", "m", "sqlite3", "x.db", "up", cwd=folder.parent)
    assert code == 1 and err[0].startswith("goose: -timeout=5m is not supported by llm-proxy")
    assert goose("-timeout", "0", "-dir", "m", "sqlite3", "x.db", "version", cwd=folder.parent)[0] == 0
    assert not (folder.parent / "x.db").exists() or goose("-dir", "m", "sqlite3", "x.db", "version", cwd=folder.parent)[0] == 0


@pytest.mark.parametrize("driver", ["clickhouse", "mssql", "redshift", "tidb", "vertica", "ydb", "turso", "starrocks"])
def test_gooses_other_drivers_are_named_with_the_supported_ones(driver: str, tmp_path: Path) -> None:
    code, _, err = goose(driver, "user=app password=hunter2 dbname=x", "status", cwd=tmp_path)
    assert code == 1
    assert err == [
        f'-dbstring="user=app password=*** dbname=x": driver "{driver}" is not supported by llm-proxy; '
        "use one of postgres, pgx, mysql, sqlite3, sqlite"
    ]


def test_an_unknown_driver_is_gooses_unknown_dialect_and_no_password_is_printed(tmp_path: Path) -> None:
    code, _, err = goose("oracle", "app:hunter2@tcp(db:1521)/x", "status", cwd=tmp_path)
    assert (code, err) == (1, ['-dbstring="app:***@tcp(db:1521)/x": "oracle": unknown dialect'])
    code, _, err = goose("mysql", "app:hunter2@tcp(db:99999)/x", "status", cwd=tmp_path)
    assert code == 1 and "hunter2" not in "".join(err) and err[0].startswith('-dbstring="app:***@tcp(db:99999)/x": ')


def test_environment_variables_with_gooses_precedence(sqlite_url: str, folder: Path) -> None:
    db = str(make_url(sqlite_url).database)
    cwd = folder.parent
    both = {"GOOSE_DRIVER": "sqlite3", "GOOSE_DBSTRING": db, "GOOSE_MIGRATION_DIR": "m"}
    assert goose("up", cwd=cwd, env=both)[2][-1] == "goose: successfully migrated database to version: 2"
    assert goose("version", cwd=cwd, env=both)[2] == ["goose: version 2"]
    other = str(cwd / "other.db")
    assert goose("sqlite3", other, "version", cwd=cwd, env=both)[2] == ["goose: version 0"]  # explicit wins
    assert goose("sqlite3", "version", cwd=cwd, env={"GOOSE_DBSTRING": db})[2] == ["goose: version 2"]
    assert goose("-dir", "nowhere", "up", cwd=cwd, env=both)[0] == 1  # -dir wins over GOOSE_MIGRATION_DIR
    fresh = cwd / "fresh.db"
    custom = {**both, "GOOSE_DBSTRING": str(fresh), "GOOSE_TABLE": "goose_custom"}
    assert goose("up", cwd=cwd, env=custom)[0] == 0
    assert rows(f"sqlite:///{fresh}", "goose_custom") == [(0, True), (1, True), (2, True)]
    assert goose("-table", "goose_db_version", "version", cwd=cwd, env=custom)[2] == ["goose: version 0"]


def test_dotenv_is_read_but_never_overrides_the_environment(sqlite_url: str, folder: Path) -> None:
    db = str(make_url(sqlite_url).database)
    cwd = folder.parent
    assert goose("-dir", "m", "sqlite3", db, "up", cwd=cwd)[0] == 0
    (cwd / ".env").write_text(f"# goose settings\nexport GOOSE_DRIVER=sqlite3\nGOOSE_DBSTRING='{db}'\nGOOSE_MIGRATION_DIR=m # here\n")
    assert goose("version", cwd=cwd) == (0, "", ["goose: version 2"])
    empty = str(cwd / "empty.db")
    assert goose("version", cwd=cwd, env={"GOOSE_DBSTRING": empty})[2] == ["goose: version 0"]
    assert goose("-env=none", "version", cwd=cwd)[0] == 1  # no driver: the usage
    (cwd / "other.env").write_text(f"GOOSE_DRIVER=sqlite3\nGOOSE_DBSTRING=\"{empty}\"\n")
    assert goose("-env", "other.env", "version", cwd=cwd)[2] == ["goose: version 0"]
    code, _, err = goose("-env", "missing.env", "version", cwd=cwd)
    assert (code, err) == (1, ["failed to load env file: open missing.env: no such file or directory"])


def test_env_lists_what_goose_reads_with_the_password_hidden(tmp_path: Path) -> None:
    env = {"GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": "postgres://app:hunter2@db/x", "NO_COLOR": "1"}
    assert goose("env", cwd=tmp_path, env=env) == (
        0,
        'GOOSE_DRIVER="postgres"\nGOOSE_DBSTRING="postgres://app:***@db/x"\nGOOSE_MIGRATION_DIR="."\n'
        'GOOSE_TABLE=""\nNO_COLOR="true"\n',
        [],
    )


def test_no_versioning_runs_the_files_without_the_version_table(sqlite_url: str, folder: Path) -> None:
    db = str(make_url(sqlite_url).database)
    cwd = folder.parent
    code, _, err = goose("-no-versioning", "-dir", "m", "sqlite3", db, "up", cwd=cwd)
    assert code == 0 and [line.split(" (")[0] for line in err[:2]] == ["OK   00001_create.sql", "OK   00002_insert.sql"]
    assert err[2:] == ["goose: up to current file version: 2"]
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        tables = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
    engine.dispose()
    assert tables == {"t1", "t2"}
    assert goose("-no-versioning", "-dir", "m", "sqlite3", db, "version", cwd=cwd)[2] == ["goose: file version 2"]
    assert goose("-no-versioning", "-dir", "m", "sqlite3", db, "status", cwd=cwd)[2][2:] == [
        "    no versioning            -- 00001_create.sql",
        "    no versioning            -- 00002_insert.sql",
    ]
    code, _, err = goose("-no-versioning", "-dir", "m", "sqlite3", db, "down", cwd=cwd)
    assert code == 0 and err[0].split(" (")[0] == "OK   00002_insert.sql" and err[1:] == ["goose: down to current file version: 1"]
    code, _, err = goose("-no-versioning", "-dir", "m", "sqlite3", db, "up", cwd=cwd)
    assert code == 1 and err == [
        "goose run: ERROR 00001_create.sql: failed to run SQL migration: table t1 already exists"
    ]


def test_create_fix_and_validate_need_no_database(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    code, _, err = goose("-s", "-dir", "m", "create", "Add users", "sql", cwd=tmp_path)
    assert (code, err) == (0, ["Created new file: m/00001_add_users.sql"])
    code, _, err = goose("-dir", "m", "sqlite3", "unused.db", "create", "backfill", "py", cwd=tmp_path)
    assert code == 0 and re.fullmatch(r"Created new file: m/\d{14}_backfill\.py", err[0])
    assert not (tmp_path / "unused.db").exists()
    code, _, err = goose("-dir", "m", "create", "add_index", cwd=tmp_path)
    assert code == 1 and "create add_index sql" in err[0] and "py" in err[0]
    stamped = next((tmp_path / "m").glob("2*_backfill.py")).name
    code, _, err = goose("-dir", "m", "fix", cwd=tmp_path)
    assert (code, err) == (0, [f"RENAMED {stamped} => 00002_backfill.py"])
    assert goose("-dir", "m", "validate", cwd=tmp_path) == (0, "", [])
    code, out, _ = goose("-v", "-dir", "m", "validate", cwd=tmp_path)
    assert out.splitlines()[:3] == [
        "Type   Txn   Up   Down   Name                  ",
        "────   ───   ──   ────   ────                  ",
        "sql    ✔     1    1      00001_add_users.sql   ",
    ]
    (tmp_path / "m" / "00003_bad.sql").write_text("SELECT 1;\n")
    code, _, err = goose("-dir", "m", "validate", cwd=tmp_path)
    assert code == 1 and err[0].startswith("goose validate: m/00003_bad.sql")


def test_go_flag_parsing_stops_at_a_late_double_dash() -> None:
    options = parse(["-s", "sqlite3", "-dir=x", "db", "--", "-v", "up"], lambda: None)
    assert (options.text("dir"), options.on("s"), options.on("v")) == ("x", True, False)
    assert options.args == ["sqlite3", "db", "--", "-v", "up"]
    early = parse(["--", "-v"], lambda: None)  # xflag parses on after Go's own parse took the "--"
    assert (early.args, early.on("v")) == ([], True)


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [(0, "0s"), (999, "999ns"), (1_500, "1.5µs"), (12_340_000, "12.34ms"), (2_500_000_000, "2.5s"),
     (61 * 10**9, "1m1s"), (3_723_500_000_000, "1h2m3.5s")],
)
def test_gos_duration_text(nanoseconds: int, text: str) -> None:
    assert duration_string(nanoseconds) == text
    assert parse_duration(text) == nanoseconds


def test_gooses_rounding_of_migration_durations() -> None:
    assert goose_duration(0.0123456) == "12.35ms"
    assert goose_duration(1.23456) == "1.23s"
    assert goose_duration(0.000123456) == "123.46µs"
    assert parse_duration("1h13m") == 73 * 60 * 10**9 and parse_duration("5") is None


def test_gos_quoting() -> None:
    assert go_quote('a "b"\\\n\tü\x01') == '"a \\"b\\"\\\\\\n\\tü\\x01"'
