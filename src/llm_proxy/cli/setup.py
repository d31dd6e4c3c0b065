"""``llm-proxy setup``: write the configuration file, then migrate the database.

Non-interactive with options and environment variables (CI, containers); on a terminal it
asks for what is missing. A migration failure does not fail setup: the configuration is
written, and a warning gives the command to run once the problem is fixed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from llm_proxy.cli.output import note, say
from llm_proxy.errors import MigrationError


def setup(
    config: Annotated[Path, typer.Option("--config", "-c", help="Where to write the configuration.")] = Path(".env"),
    openai_api_key: Annotated[
        Optional[str],
        typer.Option("--openai-api-key", envvar="OPENAI_API_KEY", help="Upstream API key (required).", show_default=False),
    ] = None,
    management_token: Annotated[
        Optional[str],
        typer.Option(
            "--management-token",
            envvar="MANAGEMENT_TOKEN",
            help="Token for the management API. Default: kept from an existing file, else generated.",
            show_default=False,
        ),
    ] = None,
    database_path: Annotated[
        Path, typer.Option("--db", envvar="DATABASE_PATH", help="SQLite database file.")
    ] = Path("data/llm-proxy.db"),
    listen_addr: Annotated[str, typer.Option("--listen-addr", envvar="LISTEN_ADDR", help="Address to serve on.")] = ":8080",
    log_level: Annotated[
        str, typer.Option("--log-level", envvar="LOG_LEVEL", help="debug, info, warn or error.")
    ] = "info",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing configuration file.")] = False,
    interactive: Annotated[
        Optional[bool],
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for missing values. Default: only when standard input is a terminal.",
            show_default=False,
        ),
    ] = None,
    migrate: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Apply migrations after writing.")] = True,
) -> None:
    """Write llm-proxy's configuration file (mode 0600) and migrate its database.

    Example: OPENAI_API_KEY=sk-... llm-proxy setup --config .env --db data/llm-proxy.db
    """
    from llm_proxy.config_file import (
        ConfigError,
        ProxyConfig,
        mask_secret,
        new_management_token,
        read_config,
        write_config,
    )

    if config.exists() and not force:  # before any question, not after the last one
        raise ConfigError(f"{config} already exists; pass --force to replace it")
    ask = sys.stdin.isatty() if interactive is None else interactive
    if ask:
        openai_api_key = openai_api_key or typer.prompt("OpenAI API key", hide_input=True)
        database_path = Path(typer.prompt("Database file", default=str(database_path)))
        listen_addr = typer.prompt("Listen address", default=listen_addr)
        log_level = typer.prompt("Log level", default=log_level)
    if not (openai_api_key or "").strip():
        raise typer.BadParameter(
            "an upstream API key is required: pass --openai-api-key or set OPENAI_API_KEY",
            param_hint="'--openai-api-key'",
        )
    if management_token is None and force and config.exists():
        management_token = read_config(config).get("MANAGEMENT_TOKEN")
    settings = ProxyConfig(
        openai_api_key=openai_api_key or "",
        management_token=management_token or new_management_token(),
        database_path=str(database_path),
        listen_addr=listen_addr,
        log_level=log_level,
    )
    write_config(settings, config, overwrite=force)
    say(f"Wrote {config} (mode 0600)")
    say(f"  OPENAI_API_KEY={mask_secret(settings.openai_api_key)}")
    say(f"  MANAGEMENT_TOKEN={mask_secret(settings.management_token)} (the full token is in the file)")
    for name, value in settings.items()[2:]:
        say(f"  {name}={value}")
    if migrate:
        _migrate(database_path)


def _migrate(database_path: Path) -> None:
    """Apply the migrations; a failure is a warning with the command to run later."""
    import shlex

    from llm_proxy.api import Migrator

    try:
        results = Migrator(database_path).up()
    except MigrationError as exc:
        note(f"warning: the database migrations failed:\n{exc}")
        command = f"llm-proxy migrate up --db {shlex.quote(str(database_path))}"
        note(f"warning: setup is complete; fix the problem, then run: {command}")
        return
    say(f"Database {database_path}: {len(results)} migration{'s' if len(results) != 1 else ''} applied, up to date")
