"""parse, create and fix through the command line, as a user runs them (validate: test_validate_command.py)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from support.cli import outcome, run_llm_proxy
from support.migrations import GOOD


def test_parse_json_prints_exactly_the_statements_goose_would_send(folder: Path) -> None:
    code, out, _ = outcome("migrate", "parse", str(folder / "00001_create_t.sql"), "--json")
    assert code == 0
    assert json.loads(out) == {
        "file": str(folder / "00001_create_t.sql"),
        "version": 1,
        "use_transaction": True,
        "up": [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT '100%');",
            "INSERT INTO t (id) VALUES (1);\nINSERT INTO t (id) VALUES (2);",
        ],
        "down": ["DROP TABLE t;"],
    }


def test_parse_one_direction_ignores_the_broken_other_one(tmp_path: Path) -> None:
    path = tmp_path / "00002_half_broken.sql"
    path.write_text("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2\n")
    code, out, _ = outcome("migrate", "parse", str(path), "--direction", "up", "--json")
    assert code == 0
    assert json.loads(out) == {"file": str(path), "version": 2, "use_transaction": True, "up": ["SELECT 1;"]}

    code, out, _ = outcome("migrate", "parse", str(path), "--direction", "down", "--json")
    assert code == 1
    error = json.loads(out)
    assert error["file"] == str(path)
    assert error["line"] == 4
    assert "never ends" in error["error"]


def test_parse_error_names_file_line_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "00003_bad.sql"
    path.write_text("-- +goose Up\n  -- +goose StatementBegin\nSELECT 1;\n")
    code, _, err = outcome("migrate", "parse", str(path))
    assert code == 1
    assert f"{path}:2: an annotation must start at the beginning of the line" in err
    assert "remove the spaces or tabs" in err


def test_parse_text_shows_transaction_mode_and_statement_lines(tmp_path: Path) -> None:
    path = tmp_path / "00004_concurrently.sql"
    path.write_text("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);\n")
    code, out, _ = outcome("migrate", "parse", str(path))
    assert code == 0
    assert "without a transaction" in out
    assert "[up 1] line 3" in out
    assert "CREATE INDEX CONCURRENTLY i ON t (x);" in out


def test_create_sequential_then_timestamp_then_fix(tmp_path: Path) -> None:
    code, out, _ = outcome("migrate", "create", "Add users table!", "--sequential", "--dir", str(tmp_path))
    assert code == 0
    assert (tmp_path / "00001_add_users_table_.sql").is_file()
    assert out.strip() == f"Created new file: {tmp_path / '00001_add_users_table_.sql'}"

    before = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    code, out, _ = outcome("migrate", "create", "AddIndex", "sql", "--dir", str(tmp_path))
    after = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    assert code == 0
    stamped = [p for p in tmp_path.iterdir() if p.name.endswith("_addindex.sql")]
    assert len(stamped) == 1
    assert before <= stamped[0].name.split("_")[0] <= after

    code, out, _ = outcome("migrate", "create", "next", "-s", "--dir", str(tmp_path))
    assert code == 0
    assert (tmp_path / "00002_next.sql").is_file()

    code, out, _ = outcome("migrate", "fix", "--dir", str(tmp_path))
    assert code == 0
    assert out.strip() == f"RENAMED {stamped[0].name} => 00003_addindex.sql"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "00001_add_users_table_.sql",
        "00002_next.sql",
        "00003_addindex.sql",
    ]
    # The template parses in both directions.
    code, _, _ = outcome("migrate", "validate", "--dir", str(tmp_path))
    assert code == 0


def test_create_rejects_other_types_as_a_usage_error(tmp_path: Path) -> None:
    code, _, err = outcome("migrate", "create", "x", "go", "--dir", str(tmp_path))
    assert code == 2
    assert "use sql or py" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", [["--py"], ["py"]])
def test_create_py_writes_a_python_revision_that_runs(tmp_path: Path, how: list[str]) -> None:
    code, out, _ = outcome("migrate", "create", "backfill tokens", *how, "--sequential", "--dir", str(tmp_path))
    assert code == 0
    path = tmp_path / "00001_backfill_tokens.py"
    assert f"Created new file: {path}" in out
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"""Backfill tokens.')
    assert "def upgrade() -> None:" in text and "def downgrade() -> None:" in text
    compile(text, str(path), "exec")
    code, _, _ = outcome("migrate", "validate", "--dir", str(tmp_path))
    assert code == 0
    database = tmp_path / "db.sqlite"
    for command in ("up", "down", "up"):
        code, _, err = outcome("migrate", command, "--dir", str(tmp_path), "--db", str(database))
        assert code == 0, err
    code, out, _ = outcome("migrate", "create", "next", "--sequential", "--dir", str(tmp_path))
    assert (tmp_path / "00002_next.sql").exists()


def test_fix_refuses_to_overwrite_and_renames_nothing(tmp_path: Path) -> None:
    (tmp_path / "00001_a.sql").write_text(GOOD)
    (tmp_path / "20240101000000_b.sql").write_text(GOOD)
    (tmp_path / "20240102000000_c.sql").write_text(GOOD)
    # Not a .sql file, so not a migration, but it is in the way of the second rename.
    (tmp_path / "00003_c.sql").mkdir()
    code, _, err = outcome("migrate", "fix", "--dir", str(tmp_path))
    assert code == 1
    assert "nothing was renamed" in err
    assert (tmp_path / "20240101000000_b.sql").is_file()
    assert not (tmp_path / "00002_b.sql").exists()


def test_console_script_exit_codes(folder: Path) -> None:
    """The installed command, as a CI job runs it: 0, 1 on bad input, 2 on bad usage."""
    env = {**os.environ, "GOOSE_MIGRATION_DIR": str(folder)}
    ok = run_llm_proxy("migrate", "validate", env=env)
    assert ok.returncode == 0, ok.stderr
    (folder / "00002_bad.sql").write_text("SELECT 1;\n")
    bad = run_llm_proxy("migrate", "validate", env=env)
    assert bad.returncode == 1
    assert "SQL before '-- +goose Up'" in bad.stderr
    usage = run_llm_proxy("migrate", "parse", env=env)
    assert usage.returncode == 2


def test_create_and_fix_without_dir_work_in_the_current_folder_not_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_proxy.bundled import bundled_migrations

    bundled = sorted(p.name for p in bundled_migrations("sqlite").iterdir())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOOSE_MIGRATION_DIR", raising=False)
    assert outcome("migrate", "create", "first", "--sequential")[0] == 0
    assert outcome("migrate", "create", "second")[0] == 0
    code, out, _ = outcome("migrate", "fix")
    assert code == 0 and "00002_second.sql" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00001_first.sql", "00002_second.sql"]
    assert sorted(p.name for p in bundled_migrations("sqlite").iterdir()) == bundled
