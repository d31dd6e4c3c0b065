"""``migrate status`` and ``migrate version`` answered without typer print exactly what the
typer commands print, and fall back to typer for everything they do not read themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import env_without_database, invoke, run_llm_proxy
from support.migrations import write_migrations

from llm_proxy.cli.quick import answer


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with two migrations, one applied, in ``tmp_path``."""
    write_migrations(
        tmp_path / "migrations",
        {"00001_a.sql": ("CREATE TABLE a (x integer);", "DROP TABLE a;"), "00002_b.sql": ("CREATE TABLE b (x integer);", "DROP TABLE b;")},
    )
    code = invoke("migrate", "up-to", "1", "--db", str(tmp_path / "app.db"), "--dir", str(tmp_path / "migrations")).exit_code
    assert code == 0
    return tmp_path


CASES = [
    ["status", "--db", "{db}", "--dir", "{dir}"],
    ["status", "--json", "--db={db}", "--dir={dir}"],
    ["version", "--db", "{db}"],
    ["version", "--db", "{db}", "--json"],
    ["status", "--database-url", "sqlite:///{db}", "--dir", "{dir}", "--table", "goose_db_version"],
    ["status", "--db", "{db}", "--dir", "{root}/missing"],
    ["status", "--json", "--db", "{db}", "--dir", "{root}/missing"],
    ["status", "--db", "{db}", "--dir", "{dir}", "--table", "not a table"],
    ["version", "--db", "{root}/new.db"],
    ["status", "--database-url", "postgresql://u:secret@127.0.0.1:notaport/db"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a) for a in CASES])
def test_the_quick_path_prints_what_typer_prints(project: Path, args: list[str]) -> None:
    argv = ["migrate", *(a.format(db=project / "app.db", dir=project / "migrations", root=project) for a in args)]
    quick = run_llm_proxy(*argv)
    typer = invoke(*argv, env=env_without_database())
    assert (quick.returncode, quick.stdout, quick.stderr) == (typer.exit_code, typer.stdout, typer.stderr)
    assert "secret" not in quick.stdout + quick.stderr
    assert not (project / "new.db").exists()


def test_environment_defaults_as_typer_reads_them(project: Path) -> None:
    env = {**env_without_database(), "GOOSE_MIGRATION_DIR": str(project / "migrations"), "GOOSE_TABLE": "goose_db_version"}
    quick = run_llm_proxy("migrate", "status", "--db", str(project / "app.db"), env=env)
    typer = invoke("migrate", "status", "--db", str(project / "app.db"), env=env)
    assert quick.returncode == typer.exit_code == 0
    assert quick.stdout == typer.stdout
    assert "00002_b.sql" in quick.stdout and "Pending" in quick.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "status", "--help"],
        ["migrate", "status", "--db"],
        ["migrate", "status", "--db", "a.db", "--db", "b.db"],
        ["migrate", "status", "--db", "a.db", "--database-url", "sqlite:///b.db"],
        ["migrate", "status", "--json", "--json"],
        ["migrate", "status", "--dbx", "a.db"],
        ["migrate", "status", "--db="],
        ["migrate", "status", "extra"],
        ["migrate", "up"],
        ["status"],
        [],
    ],
)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert answer(argv) is None


def test_status_and_version_do_not_import_typer(project: Path) -> None:
    for command in ("status", "version"):
        code = (
            "import sys; from llm_proxy.cli import main\n"
            f"sys.argv = ['llm-proxy', 'migrate', '{command}', '--db', {str(project / 'app.db')!r}]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('typer', 'pydantic', 'alembic', 'rich')]\n"
            "assert not loaded, loaded\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, env=env_without_database(), capture_output=True)
