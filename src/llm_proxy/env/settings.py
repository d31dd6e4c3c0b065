"""Which database, migrations folder and version table an Alembic command works on.

From the most to the least specific: ``-x key=value`` on the alembic command line
(``url``, ``migrations``, ``table``, ``allow_missing``, ``lock_mode``), then ``alembic.ini``
(``sqlalchemy.url``, ``goose_migrations``, ``goose_table``, ``goose_allow_missing``,
``goose_lock_mode``; empty means unset), then the environment (the database variables every
llm-proxy command reads, see :func:`llm_proxy.selection.select_database`, goose's
``GOOSE_MIGRATION_DIR`` and ``GOOSE_TABLE``, and ``LLM_PROXY_LOCK_MODE``), and finally the
defaults: SQLite ``data/llm-proxy.db``, the bundled migrations of the database's dialect,
``goose_db_version``, the ``session`` lock.

The library API hands its settings over ready-made (``config.attributes``), so nothing
here overrides what a caller chose explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_proxy.bundled import bundled_migrations
from llm_proxy.env.locks import LOCK_MODE_VARIABLE, LockOptions, lock_mode
from llm_proxy.goose.table import DEFAULT_TABLE, validate_table_name
from llm_proxy.errors import MigrationError
from llm_proxy.selection import from_url, select_database

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from alembic.config import Config

    from llm_proxy.selection import DatabaseTarget

SETTINGS_KEY = "llm_proxy.settings"
PLANNER_KEY = "llm_proxy.planner"
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class EnvSettings:
    """Everything the environment needs besides Alembic's own options.

    ``progress`` is called with each step before it runs and with its result once it has
    committed; ``on_lock_wait`` with a sentence
    naming the holder while another migrator holds the migration lock.
    """

    target: DatabaseTarget
    folder: Path
    table: str = DEFAULT_TABLE
    allow_missing: bool = False
    resume_interrupted: bool = False
    lock: LockOptions | None = None
    progress: Callable[[Any], None] | None = None
    on_lock_wait: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        validate_table_name(self.table)


def settings_from_config(config: Config) -> EnvSettings:
    """The settings for ``config``: ready-made ones if the caller attached them, else resolved."""
    ready = config.attributes.get(SETTINGS_KEY)
    return ready if ready is not None else resolve_settings(config)


def resolve_settings(
    config: Config,
    *,
    target: DatabaseTarget | None = None,
    folder: Path | str | None = None,
    table: str | None = None,
    allow_missing: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> EnvSettings:
    """Settings from ``-x`` arguments, the ini file and the environment; explicit ones win."""
    env = os.environ if environ is None else environ
    x_args = _x_arguments(config)

    def pick(x_key: str, ini_key: str, env_key: str | None = None) -> str | None:
        value = x_args.get(x_key) or config.get_main_option(ini_key) or (env.get(env_key) if env_key else None)
        return value or None

    if target is None:
        url = pick("url", "sqlalchemy.url")
        target = from_url(url) if url else select_database(environ=env)
    folder = folder or pick("migrations", "goose_migrations", "GOOSE_MIGRATION_DIR")
    if allow_missing is None:
        allow_missing = (pick("allow_missing", "goose_allow_missing") or "").lower() in _TRUE
    mode = lock_mode(pick("lock_mode", "goose_lock_mode", LOCK_MODE_VARIABLE), environ=env)
    return EnvSettings(
        target=target,
        folder=Path(folder) if folder else bundled_migrations(target.dialect),
        table=table or pick("table", "goose_table", "GOOSE_TABLE") or DEFAULT_TABLE,
        allow_missing=allow_missing,
        lock=LockOptions(mode=mode).check(target.dialect),
    )


def _x_arguments(config: Config) -> dict[str, str]:
    pairs = getattr(config.cmd_opts, "x", None) or []
    arguments = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise MigrationError(f"-x {pair}: expected -x key=value (url, migrations, table, allow_missing, lock_mode)")
        arguments[key.strip()] = value.strip()
    return arguments
