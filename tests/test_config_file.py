"""The configuration file setup writes: secret-safe mode, quoting, no accidental overwrite."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from llm_proxy.config_file import ConfigError, ProxyConfig, new_management_token, read_config, write_config


def config(**overrides: str) -> ProxyConfig:
    values = {
        "openai_api_key": "sk-test-123",
        "management_token": "tok",
        "database_path": "data/llm-proxy.db",
    }
    values.update(overrides)
    return ProxyConfig(**values)


def test_written_with_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = write_config(config(openai_api_key='sk "quoted" $HOME \\ x'), tmp_path / "sub" / ".env")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_config(path) == {
        "OPENAI_API_KEY": 'sk "quoted" $HOME \\ x',
        "MANAGEMENT_TOKEN": "tok",
        "DATABASE_PATH": "data/llm-proxy.db",
        "LISTEN_ADDR": ":8080",
        "LOG_LEVEL": "info",
    }
    assert [p.name for p in path.parent.iterdir()] == [".env"]


def test_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("KEEP=1\n")
    with pytest.raises(ConfigError, match="--force"):
        write_config(config(), path)
    assert path.read_text() == "KEEP=1\n"
    write_config(config(), path, overwrite=True)
    assert read_config(path)["OPENAI_API_KEY"] == "sk-test-123"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"openai_api_key": " "}, "OPENAI_API_KEY is required"), ({"log_level": "loud"}, "LOG_LEVEL"), ({"listen_addr": "a\nb"}, "single line")],
)
def test_bad_values_are_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(**overrides)


def test_management_tokens_are_random_and_long() -> None:
    tokens = {new_management_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 40 for t in tokens)
