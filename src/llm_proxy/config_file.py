"""The ``.env``-style configuration file that ``llm-proxy setup`` writes.

It holds secrets (the upstream API key, the management token), so it is created with mode
0600 from the first byte (never written world-readable and chmod-ed afterwards), and an
existing file is only replaced on request, atomically.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from llm_proxy.errors import ConfigError

DEFAULT_LISTEN_ADDR = ":8080"
DEFAULT_LOG_LEVEL = "info"
LOG_LEVELS = ("debug", "info", "warn", "error")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_./:@+,=-]*")


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """llm-proxy's settings, as ``setup`` writes them."""

    openai_api_key: str
    management_token: str
    database_path: str
    listen_addr: str = DEFAULT_LISTEN_ADDR
    log_level: str = DEFAULT_LOG_LEVEL

    def __post_init__(self) -> None:
        if not self.openai_api_key.strip():
            raise ConfigError("OPENAI_API_KEY is required: pass --openai-api-key or set OPENAI_API_KEY")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        for name, value in self.items():
            if "\n" in value or "\r" in value:
                raise ConfigError(f"{name} must be a single line")

    def items(self) -> list[tuple[str, str]]:
        return [
            ("OPENAI_API_KEY", self.openai_api_key),
            ("MANAGEMENT_TOKEN", self.management_token),
            ("DATABASE_PATH", self.database_path),
            ("LISTEN_ADDR", self.listen_addr),
            ("LOG_LEVEL", self.log_level),
        ]

    def render(self) -> str:
        lines = ["# llm-proxy configuration, written by 'llm-proxy setup'. Keep it secret (mode 0600)."]
        lines += [f"{name}={_quote(value)}" for name, value in self.items()]
        return "\n".join(lines) + "\n"


def new_management_token() -> str:
    """A fresh random token for the management API."""
    return secrets.token_urlsafe(32)


def mask_secret(value: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    return f"{value[:4]}…" if len(value) > 8 else "…"


def _quote(value: str) -> str:
    if _PLAIN_VALUE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def write_config(config: ProxyConfig, path: Path | str, *, overwrite: bool = False) -> Path:
    """Write ``config`` to ``path`` with mode 0600; refuses to replace a file unless asked."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} already exists; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(config.render())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"{target}: cannot write the configuration: {exc.strerror or exc}") from exc
    return target


def read_config(path: Path | str) -> dict[str, str]:
    """The settings of an existing file (for ``setup`` to keep a management token)."""
    values: dict[str, str] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        values[name.strip()] = value
    return values
