"""Bad input is refused with a clear message, and NOTHING in the database changes.

Every case snapshots the schema and the version table's rows before and after, on a
database that already has a migration applied and a good one pending: a bad file must stop
the run before the good one is applied (every file is parsed before anything runs).
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from support.cli import run_llm_proxy
from support.databases import run_sql, take_snapshot
from support.migrations import BASE, write_migrations

from llm_proxy.api import Migrator
from llm_proxy.errors import DatabaseError, MigrationError, ParseError, SourceError, VersionTableError

if TYPE_CHECKING:
    from pathlib import Path

GOOD = "-- +goose Up\nCREATE TABLE pending (x integer);\n-- +goose Down\nDROP TABLE pending;\n"

BROKEN_FILES = {
    "unknown annotation": (b"-- +goose Upp\nSELECT 1;\n", ":1: unknown annotation 'Upp'"),
    "indented annotation": (b"  -- +goose Up\nSELECT 1;\n", ":1: an annotation must start at the beginning of the line"),
    "comment mentioning +goose": (b"-- +goose Up\n-- see +goose docs\nSELECT 1;\n", ":2: unknown annotation"),
    "second Up": (b"-- +goose Up\n-- +goose Up\n", ":2: a second '-- +goose Up'"),
    "no Up": (b"-- only a comment\n", ": no '-- +goose Up' annotation"),
    "SQL before Up": (b"CREATE TABLE early (x integer);\n-- +goose Up\n", ":1: SQL before '-- +goose Up'"),
    "unfinished statement": (b"-- +goose Up\nCREATE TABLE t (x integer)\n", ":2: the statement starting at line 2 never ends"),
    "missing StatementEnd": (
        b"-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE t (x integer);\n",
        ":2: this '-- +goose StatementBegin' block is never closed",
    ),
    "ENVSUB unset variable": (
        b"-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE t (x integer DEFAULT ${LLM_PROXY_TEST_UNSET?must be set});\n",
        ":3: ENVSUB: $LLM_PROXY_TEST_UNSET: must be set",
    ),
    "ENVSUB bad name": (b"-- +goose Up\n-- +goose ENVSUB ON\nSELECT $1;\n", ":3: ENVSUB: a variable name must start with a letter"),
    "invalid UTF-8": (b"-- +goose Up\nSELECT '\xff\xfe';\n", ":2: invalid UTF-8"),
    "binary file": (b"SQLite format 3\x00\x10\x00\x01\x01\x00@  ", ":1: the line holds a NUL byte: this is a binary file"),
}


@pytest.fixture
def at_version_one(tmp_path):  # type: ignore[no-untyped-def]
    """``at_version_one(url)``: a folder with 00001 applied on ``url`` and 00002 pending; the snapshot."""

    def make(url: str) -> tuple[Path, object]:
        folder = write_migrations(tmp_path / "migrations", {"00001_base.sql": BASE})
        Migrator(url, folder).up()
        (folder / "00002_pending.sql").write_text(GOOD)
        return folder, take_snapshot(url)

    return make


@pytest.mark.parametrize("case", BROKEN_FILES, ids=list(BROKEN_FILES))
def test_a_broken_file_changes_nothing(case, database_url, at_version_one) -> None:
    folder, before = at_version_one(database_url)
    content, message = BROKEN_FILES[case]
    (folder / "00003_broken.sql").write_bytes(content)
    os.environ.pop("LLM_PROXY_TEST_UNSET", None)

    with pytest.raises(ParseError) as error:
        Migrator(database_url, folder).up()

    assert f"00003_broken.sql{message}" in str(error.value)
    assert take_snapshot(database_url) == before


def test_folder_problems_change_nothing(sqlite_url, at_version_one, tmp_path) -> None:
    folder, before = at_version_one(sqlite_url)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no migration files .* in this folder; check the folder given with --dir"):
        Migrator(sqlite_url, empty).up()
    with pytest.raises(MigrationError, match="the migrations folder does not exist"):
        Migrator(sqlite_url, tmp_path / "absent").up()

    (folder / "00002_duplicate.sql").write_text(GOOD)
    with pytest.raises(SourceError, match=r"version 2 is used by 2 files \(00002_duplicate.sql, 00002_pending.sql\)"):
        Migrator(sqlite_url, folder).up()
    (folder / "00002_duplicate.sql").unlink()

    (folder / "00003_gone.sql").symlink_to(tmp_path / "nowhere.sql")
    with pytest.raises(ParseError, match="00003_gone.sql: cannot read the file: No such file or directory"):
        Migrator(sqlite_url, folder).up()
    assert take_snapshot(sqlite_url) == before


def test_an_unreadable_file_changes_nothing(sqlite_url, at_version_one) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root, which reads a chmod 000 file anyway (the broken symlink case covers unreadable files)")
    folder, before = at_version_one(sqlite_url)
    locked = folder / "00003_locked.sql"
    locked.write_text(GOOD.replace("pending", "locked"))
    locked.chmod(0)
    with pytest.raises(ParseError, match="00003_locked.sql: cannot read the file: Permission denied"):
        Migrator(sqlite_url, folder).up()
    assert take_snapshot(sqlite_url) == before


def test_an_empty_folder_does_not_even_create_the_database(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no migration files"):
        Migrator(tmp_path / "new" / "app.db", tmp_path / "empty").up()
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("a-file/app.db", "a-file: cannot create the database's folder .*: it exists and is not a folder"),
        ("a-file/sub/app.db", "a-file/sub: cannot create the database's folder .*: Not a directory"),
    ],
)
def test_a_database_path_below_a_file_is_a_clear_error(where, message, tmp_path, at_version_one) -> None:
    folder, _ = at_version_one(f"sqlite:///{tmp_path / 'ok.db'}")
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(DatabaseError, match=message):
        Migrator(tmp_path / where, folder).up()
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_a_database_in_a_folder_nobody_may_write_is_a_clear_error(tmp_path, at_version_one) -> None:
    # /proc refuses new files even to root: a folder whose write permission is really denied.
    folder, _ = at_version_one(f"sqlite:///{tmp_path / 'ok.db'}")
    with pytest.raises(DatabaseError, match="/proc/llm-proxy-test.db: unable to open database file; its folder must exist and be writable"):
        Migrator("/proc/llm-proxy-test.db", folder).up()
    assert not os.path.exists("/proc/llm-proxy-test.db")


def test_a_file_that_is_not_sqlite_is_left_alone(tmp_path, at_version_one) -> None:
    folder, _ = at_version_one(f"sqlite:///{tmp_path / 'ok.db'}")
    impostor = tmp_path / "notes.db"
    content = b"These are my notes, not a database. " * 50
    impostor.write_bytes(content)
    with pytest.raises(DatabaseError, match="notes.db: file is not a database"):
        Migrator(impostor, folder).up()
    assert impostor.read_bytes() == content


@pytest.fixture
def mariadb_user(mysql_url):  # type: ignore[no-untyped-def]
    """A MariaDB user with a password and rights on the scratch database, dropped afterwards."""
    from sqlalchemy import make_url

    url = make_url(mysql_url)
    name = f"lp_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'right-Secret-1'"))
        connection.execute(text(f"GRANT ALL ON `{url.database}`.* TO '{name}'@'%'"))
    try:
        yield url.set(username=name, password="right-Secret-1")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP USER '{name}'@'%'"))
        admin.dispose()


def test_a_wrong_mariadb_password_is_reported_masked(mariadb_user, tmp_path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    right = mariadb_user.render_as_string(hide_password=False)
    wrong = mariadb_user.set(password="wrong-Secret-2").render_as_string(hide_password=False)
    before = take_snapshot(right)

    result = run_llm_proxy("migrate", "up", "--database-url", wrong, "--dir", str(folder))

    assert result.returncode == 1
    assert "Access denied for user" in result.stderr and ":***@" in result.stderr
    assert "wrong-Secret-2" not in result.stderr + result.stdout
    assert take_snapshot(right) == before
    assert run_llm_proxy("migrate", "up", "--database-url", right, "--dir", str(folder)).returncode == 0


def test_an_unreachable_postgres_server_is_reported_masked(tmp_path) -> None:
    # This machine's PostgreSQL trusts local connections and never checks a password, so
    # a wrong password cannot fail here; a closed port shows the masking instead.
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    result = run_llm_proxy("migrate", "up", "--database-url", "postgresql://app:pg-Secret-3@127.0.0.1:1/app", "--dir", str(folder))
    assert result.returncode == 1
    assert "postgresql+psycopg://app:***@127.0.0.1:1/app" in result.stderr and "Connection refused" in result.stderr
    assert "pg-Secret-3" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+nosuch://app:Secret-4@127.0.0.1/app", "SQLAlchemy has no database driver 'postgresql+nosuch'; use postgresql+psycopg://"),
        ("postgresql+psycopg2://app:Secret-4@127.0.0.1/app", "the driver of 'postgresql+psycopg2' is not installed (cannot import psycopg2)"),
        ("mysql+mysqldb://app:Secret-4@127.0.0.1/app", "the driver of 'mysql+mysqldb' is not installed (cannot import MySQLdb); use mysql+pymysql://"),
    ],
)
@pytest.mark.parametrize("command", ["up", "status"])
def test_a_driver_that_is_unknown_or_not_installed_is_named_with_the_scheme_to_use(url, message, command, tmp_path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    result = run_llm_proxy("migrate", command, "--database-url", url, "--dir", str(folder))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and "Secret-4" not in result.stderr + result.stdout


@pytest.mark.parametrize("name", ["x; DROP TABLE victim", 'goose"; DROP TABLE victim; --', "`victim`", "a.b.c", "1abc", "x' OR '1'='1"])
def test_a_bad_table_name_is_refused_before_any_sql(name, database_url, at_version_one) -> None:
    folder, _ = at_version_one(database_url)
    run_sql(database_url, "CREATE TABLE victim (x integer)")
    before = take_snapshot(database_url)

    with pytest.raises(VersionTableError, match="is not a valid version table name"):
        Migrator(database_url, folder, name)
    result = run_llm_proxy("migrate", "up", "--database-url", database_url, "--dir", str(folder), "--table", name)

    assert result.returncode == 1 and "is not a valid version table name" in result.stderr
    assert take_snapshot(database_url) == before


def test_someone_elses_goose_db_version_is_a_clear_error(database_url, tmp_path) -> None:
    folder = write_migrations(tmp_path / "m", {"00001_base.sql": BASE})
    run_sql(
        database_url,
        "CREATE TABLE goose_db_version (name varchar(40), value varchar(40))",
        "INSERT INTO goose_db_version VALUES ('owner', 'another tool')",
    )
    before = take_snapshot(database_url)

    for command in ("up", "status"):
        result = run_llm_proxy("migrate", command, "--database-url", database_url, "--dir", str(folder))
        assert result.returncode == 1
        assert "goose_db_version exists but cannot be read as goose's version table" in result.stderr
        assert "--table NAME" in result.stderr
    assert take_snapshot(database_url) == before


def test_versions_without_a_file_are_shown_and_respected(database_url, at_version_one) -> None:
    folder, _ = at_version_one(database_url)
    run_sql(database_url, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)")
    before = take_snapshot(database_url)
    migrator = Migrator(database_url, folder)

    rows = {row.version: row for row in migrator.status().rows}
    assert rows[99].applied and rows[99].file is None
    with pytest.raises(MigrationError, match="00002_pending.sql"):
        migrator.up()  # 2 is below the highest applied version 99: goose's "missing"
    assert take_snapshot(database_url) == before
    assert [r.version for r in Migrator(database_url, folder, allow_missing=True).up()] == [2]
