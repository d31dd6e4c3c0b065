"""Alembic's own run loop drives every migration, SQL and Python, on every dialect.

The proof is Alembic's ``on_version_apply``: a hook edited into a copy of env.py is called
once per migration with goose's version, whether the run comes from ``llm-proxy migrate``,
the library or the stock ``alembic`` executable. Python revisions sit beside SQL files and
leave goose's rows exactly as SQL files do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llm_proxy.api import Migrator, PartialMigrationError
from llm_proxy.env.revisions import ENV_DIR, ENVIRONMENT_VARIABLE
from llm_proxy.errors import MigrationFailed

BIN = Path(sys.executable).parent

HOOK = '''
def on_version_apply(*, ctx: Any, step: Any, heads: set[str], run_args: dict[str, Any]) -> None:
    """Test hook: one JSON line per migration."""
    import json, os

    with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as log_file:
        log_file.write(json.dumps([step.up_revision_id, step.is_upgrade, sorted(heads), type(ctx).__name__]) + "\\n")
'''

SQL_ONLY = {
    "00001_notes.sql": ("CREATE TABLE notes (id integer PRIMARY KEY, body varchar(40));", "DROP TABLE notes;"),
    "00002_first_note.sql": ("INSERT INTO notes (id, body) VALUES (1, 'hello');", "DELETE FROM notes WHERE id = 1;"),
    "00003_notes_author.sql": ("ALTER TABLE notes ADD COLUMN author varchar(40);", "ALTER TABLE notes DROP COLUMN author;"),
}

PYTHON_SECOND = '''"""First note, from Python."""

import sqlalchemy as sa
from alembic import op

revision = "ignored: the file name gives the version"


def upgrade() -> None:
    notes = sa.table("notes", sa.column("id", sa.Integer), sa.column("body", sa.String))
    op.bulk_insert(notes, [{"id": 1, "body": "hello"}])
    assert op.get_bind().execute(sa.text("SELECT count(*) FROM notes")).scalar() == 1


def downgrade() -> None:
    op.execute("DELETE FROM notes WHERE id = 1")
'''

PYTHON_THIRD = '''from alembic import op
import sqlalchemy as sa


def upgrade() -> None:
    op.add_column("notes", sa.Column("author", sa.String(40)))


def downgrade() -> None:
    op.drop_column("notes", "author")
'''


@pytest.fixture
def hooked_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package's env.py whose on_version_apply writes to $HOOK_LOG."""
    folder = tmp_path / "environment"
    folder.mkdir()
    text = (ENV_DIR / "env.py").read_text(encoding="utf-8")
    start = text.index("def on_version_apply(")
    end = text.index("def run_migrations_offline(")
    (folder / "env.py").write_text(text[:start] + HOOK.lstrip() + "\n\n" + text[end:], encoding="utf-8")
    monkeypatch.setenv("HOOK_LOG", str(tmp_path / "hook.log"))
    return folder


def hook_calls(tmp_path: Path) -> list[list[object]]:
    log_file = tmp_path / "hook.log"
    calls = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()] if log_file.exists() else []
    log_file.unlink(missing_ok=True)
    return calls


def mixed_folder(make_folder) -> Path:
    return make_folder(
        {
            "00001_notes.sql": SQL_ONLY["00001_notes.sql"],
            "00002_first_note.py": PYTHON_SECOND,
            "00003_notes_author.py": PYTHON_THIRD,
        },
        name="mixed",
    )


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_", "GOOSE_"))}
    result = subprocess.run([str(BIN / args[0]), *args[1:]], env={**environ, **env}, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_on_version_apply_runs_once_per_migration_from_every_entry_point(
    database_url, make_folder, hooked_environment, tmp_path, probe
):
    folder = mixed_folder(make_folder)
    env = {ENVIRONMENT_VARIABLE: str(hooked_environment), "HOOK_LOG": os.environ["HOOK_LOG"]}

    run_cli("llm-proxy", "migrate", "up", "--database-url", database_url, "--dir", str(folder), env=env)
    assert hook_calls(tmp_path) == [
        ["1", True, ["1"], "GooseMigrationContext"],
        ["2", True, ["2"], "GooseMigrationContext"],
        ["3", True, ["3"], "GooseMigrationContext"],
    ]

    Migrator(database_url, folder, environment=hooked_environment).down_to(1)
    assert hook_calls(tmp_path) == [
        ["3", False, ["2"], "GooseMigrationContext"],
        ["2", False, ["1"], "GooseMigrationContext"],
    ]

    ini = tmp_path / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = {hooked_environment}\nsqlalchemy.url = {database_url}\n"
        f"goose_migrations = {folder}\n",
        encoding="utf-8",
    )
    run_cli("alembic", "-c", str(ini), "upgrade", "head", env=env)
    assert hook_calls(tmp_path) == [["2", True, ["2"], "GooseMigrationContext"], ["3", True, ["3"], "GooseMigrationContext"]]
    run_cli("alembic", "-c", str(ini), "downgrade", "base", env=env)
    assert [call[:2] for call in hook_calls(tmp_path)] == [["3", False], ["2", False], ["1", False]]
    assert probe(database_url).rows() == [(0, True)]


def test_mixed_folder_leaves_goose_rows_identical_to_an_all_sql_folder(database_url, make_folder, probe):
    db = probe(database_url)
    histories = []
    for folder in (make_folder(SQL_ONLY, name="sql"), mixed_folder(make_folder)):
        migrator = Migrator(database_url, folder)
        assert [r.version for r in migrator.up()] == [1, 2, 3]
        after_up = (db.rows(), db.query("SELECT id, body, author FROM notes"))
        assert [r.version for r in migrator.down_to(0)] == [3, 2, 1]
        after_down = db.rows()
        assert "notes" not in db.tables()
        assert [r.version for r in migrator.up()] == [1, 2, 3]
        histories.append((after_up, after_down, db.rows(), db.query("SELECT id, body, author FROM notes")))
        migrator.down_to(0)
        db.execute("DELETE FROM goose_db_version WHERE version_id <> 0")
    assert histories[0] == histories[1]
    assert histories[0][0][1] == [(1, "hello", None)]


def test_python_revision_results_are_not_counted_as_statements(sqlite_url, make_folder):
    results = Migrator(sqlite_url, mixed_folder(make_folder)).up()
    assert [(r.file.suffix, r.statement_count) for r in results] == [(".sql", 1), (".py", None), (".py", None)]
    assert not any(r.empty for r in results)


def test_failing_python_revision_rolls_back_and_records_nothing(database_url, make_folder, probe):
    broken = (
        "from alembic import op\n\n\ndef upgrade() -> None:\n"
        "    op.execute(\"INSERT INTO notes (id, body) VALUES (7, 'kept?')\")\n"
        "    op.execute('INSERT INTO no_such_table VALUES (1)')\n"
    )
    folder = make_folder({"00001_notes.sql": SQL_ONLY["00001_notes.sql"], "00002_broken.py": broken})
    with pytest.raises(PartialMigrationError) as caught:
        Migrator(database_url, folder).up()
    error = caught.value
    assert [r.version for r in error.applied] == [1]
    assert error.failed.version == 2
    assert "no_such_table" in str(error)
    assert "00002_broken.py:6: migrating up failed" in str(error)
    assert "6 | op.execute('INSERT INTO no_such_table VALUES (1)')" in str(error)
    db = probe(database_url)
    assert db.rows() == [(0, True), (1, True)]
    assert db.query("SELECT id FROM notes") == []


def test_failing_sql_migration_is_a_partial_error_naming_what_was_applied(database_url, make_folder, probe):
    folder = make_folder(
        {**{k: SQL_ONLY[k] for k in ("00001_notes.sql", "00002_first_note.sql")}, "00003_bad.sql": ("INSERT INTO nowhere VALUES (1);", "")}
    )
    with pytest.raises(PartialMigrationError) as caught:
        Migrator(database_url, folder).up()
    assert [r.version for r in caught.value.applied] == [1, 2]
    assert caught.value.failed.version == 3
    assert isinstance(caught.value.cause, MigrationFailed)
    assert caught.value.cause.path.name == "00003_bad.sql"
    assert probe(database_url).rows() == [(0, True), (1, True), (2, True)]


def test_python_revision_without_transaction_runs_in_autocommit(postgres_url, make_folder, probe):
    concurrently = (
        "from alembic import op\n\nno_transaction = True\n\n\ndef upgrade() -> None:\n"
        "    op.execute('CREATE INDEX CONCURRENTLY notes_body ON notes (body)')\n\n\n"
        "def downgrade() -> None:\n    op.execute('DROP INDEX CONCURRENTLY notes_body')\n"
    )
    folder = make_folder({"00001_notes.sql": SQL_ONLY["00001_notes.sql"], "00002_index.py": concurrently})
    migrator = Migrator(postgres_url, folder)
    migrator.up()
    db = probe(postgres_url)
    assert db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'notes' AND indexname = 'notes_body'")
    migrator.down()
    assert db.rows() == [(0, True), (1, True)]


def test_python_revision_import_error_names_the_file_and_changes_nothing(sqlite_url, make_folder, probe):
    typo = "from alembic import op\n\ndef upgrade(:\n    pass\n"
    folder = make_folder({"00001_notes.sql": SQL_ONLY["00001_notes.sql"], "00002_typo.py": typo})
    with pytest.raises(Exception) as caught:
        Migrator(sqlite_url, folder).up()
    assert "00002_typo.py:3" in str(caught.value)
    assert "not valid Python" in str(caught.value)
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_offline_script_of_a_mixed_folder(sqlite_url, make_folder, tmp_path):
    """Python revisions write their op.* SQL to the script (without op.get_bind(), as in Alembic)."""
    import io

    from llm_proxy.env.commands import run_alembic
    from llm_proxy.selection import from_url

    folder = mixed_folder(make_folder)
    offline_second = PYTHON_SECOND.replace('    assert op.get_bind().execute(sa.text("SELECT count(*) FROM notes")).scalar() == 1\n', "")
    assert offline_second != PYTHON_SECOND
    (folder / "00002_first_note.py").write_text(offline_second, encoding="utf-8")
    out = io.StringIO()
    run_alembic(["upgrade", "head", "--sql"], target=from_url(sqlite_url), migrations=folder, stdout=out)
    script = out.getvalue()
    assert "CREATE TABLE notes" in script
    assert "INSERT INTO notes (id, body) VALUES (1, 'hello')" in script
    assert "ALTER TABLE notes ADD COLUMN author VARCHAR(40)" in script
    assert "alembic_version" not in script
    database = tmp_path / "offline.db"
    subprocess.run(["sqlite3", str(database)], input=script, text=True, check=True)
    assert shutil.which("sqlite3")
    rows = subprocess.run(
        ["sqlite3", str(database), "SELECT version_id FROM goose_db_version ORDER BY id"], capture_output=True, text=True, check=True
    )
    assert rows.stdout.split() == ["0", "1", "2", "3"]
