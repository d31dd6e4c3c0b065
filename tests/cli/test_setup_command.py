"""``llm-proxy setup``: options, environment, prompts, the 0600 file, and a migration failure that only warns."""

from __future__ import annotations

import stat
from pathlib import Path

from support.cli import invoke

from llm_proxy.api import Migrator
from llm_proxy.config_file import read_config

KEY = "sk-test-0123456789abcdef"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_non_interactive_with_options_writes_0600_and_migrates(tmp_path: Path) -> None:
    config, db = tmp_path / "conf" / ".env", tmp_path / "data" / "proxy.db"
    result = invoke(
        "setup", "--no-interactive", "--config", str(config), "--db", str(db),
        "--openai-api-key", KEY, "--listen-addr", "127.0.0.1:9000", "--log-level", "debug",
    )
    assert result.exit_code == 0, result.output
    assert mode(config) == 0o600
    values = read_config(config)
    assert values["OPENAI_API_KEY"] == KEY and values["DATABASE_PATH"] == str(db)
    assert (values["LISTEN_ADDR"], values["LOG_LEVEL"]) == ("127.0.0.1:9000", "debug")
    assert len(values["MANAGEMENT_TOKEN"]) >= 32
    assert KEY not in result.output and values["MANAGEMENT_TOKEN"] not in result.output
    assert f"Database {db}: 6 migrations applied" in result.stdout
    assert Migrator(db).version() == 6


def test_non_interactive_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {"OPENAI_API_KEY": KEY, "DATABASE_PATH": str(db), "LOG_LEVEL": "warn", "MANAGEMENT_TOKEN": "m" * 40}
    result = invoke("setup", "--no-interactive", "--config", str(tmp_path / ".env"), env=env)
    assert result.exit_code == 0, result.output
    values = read_config(tmp_path / ".env")
    assert (values["DATABASE_PATH"], values["LOG_LEVEL"], values["MANAGEMENT_TOKEN"]) == (str(db), "warn", "m" * 40)
    assert Migrator(db).version() == 6


def test_interactive_asks_for_what_is_missing(tmp_path: Path) -> None:
    db = tmp_path / "asked.db"
    answers = f"{KEY}\n{db}\n:7070\nerror\n"
    result = invoke("setup", "--interactive", "--config", str(tmp_path / ".env"), input=answers,
                    env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    for prompt in ("OpenAI API key", "Database file", "Listen address", "Log level"):
        assert prompt in result.stdout
    assert KEY not in result.stdout  # the key is typed without echo
    values = read_config(tmp_path / ".env")
    assert (values["OPENAI_API_KEY"], values["DATABASE_PATH"]) == (KEY, str(db))
    assert (values["LISTEN_ADDR"], values["LOG_LEVEL"]) == (":7070", "error")
    assert Migrator(db).version() == 6


def test_an_existing_file_is_refused_before_any_question_and_replaced_with_force(tmp_path: Path) -> None:
    config = tmp_path / ".env"
    args = ["setup", "--config", str(config), "--openai-api-key", KEY, "--db", str(tmp_path / "x.db")]
    assert invoke(*args, "--no-interactive", "--management-token", "t" * 40).exit_code == 0
    before = config.read_text()

    refused = invoke(*args, "--interactive", input="\n\n\n")
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {config} already exists; pass --force to replace it\n"
    assert "Database file" not in refused.stdout
    assert config.read_text() == before

    forced = invoke(*args, "--no-interactive", "--force", "--log-level", "error")
    assert forced.exit_code == 0, forced.output
    values = read_config(config)
    assert (values["LOG_LEVEL"], values["MANAGEMENT_TOKEN"]) == ("error", "t" * 40)
    assert mode(config) == 0o600


def test_a_migration_failure_is_a_warning_with_the_command_and_exit_0(tmp_path: Path) -> None:
    db = tmp_path / "my data" / "proxy.db"
    db.parent.mkdir()
    db.write_bytes(b"this is not a SQLite database" * 100)
    result = invoke("setup", "--no-interactive", "--config", str(tmp_path / ".env"),
                    "--openai-api-key", KEY, "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "warning: the database migrations failed" in result.stderr
    assert f"then run: llm-proxy migrate up --db '{db}'" in result.stderr
    assert read_config(tmp_path / ".env")["DATABASE_PATH"] == str(db)


def test_no_migration_with_no_migrate(tmp_path: Path) -> None:
    db = tmp_path / "untouched.db"
    result = invoke("setup", "--no-interactive", "--no-migrate", "--config", str(tmp_path / ".env"),
                    "--openai-api-key", KEY, "--db", str(db))
    assert result.exit_code == 0, result.output
    assert not db.exists()
