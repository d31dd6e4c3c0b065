"""The script Alembic runs for every command of this environment (``script_location``).

Every way of migrating runs this file: ``llm-proxy migrate``, the library
(``llm_proxy.api.Migrator``, ``open_database()``), ``llm-proxy alembic`` and the stock
``alembic`` executable through ``alembic.ini``. It is Alembic's usual env.py; to customise
it, copy this folder's env.py into a folder of your own, point ``script_location`` at it
(``alembic.ini``, or ``Migrator(..., environment=FOLDER)``) and edit the hooks:

- ``on_version_apply``: called by Alembic after each migration, inside its transaction,
  with ``ctx`` (the migration context), ``step`` (Alembic's MigrationInfo: ``up_revision_id``
  is goose's version), ``heads`` (goose's current version) and ``run_args``;
- logging: the ini file's ``[loggers]`` sections, as in any Alembic project.

The database, the migrations folder and the version table come from ``-x`` arguments,
``alembic.ini`` and the environment (see ``llm_proxy.env.settings``); the migration lock,
goose's version table and goose's rules for what to run come from ``llm_proxy.env.runtime``.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context

from llm_proxy.env import runtime

config = context.config
if config.config_file_name and config.file_config.has_section("loggers") and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

log = logging.getLogger("llm_proxy.migrate")


def on_version_apply(*, ctx: Any, step: Any, heads: set[str], run_args: dict[str, Any]) -> None:
    """After each migration, before its transaction commits: log it (add your own here)."""
    log.info("%s %s (now at version %s)", "applied" if step.is_upgrade else "rolled back", step.up_revision_id, *heads)


def run_migrations_offline() -> None:
    """``--sql``: write the script instead of running it."""
    runtime.configure(context, on_version_apply=[on_version_apply])
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the database, holding the migration lock."""
    with runtime.goose_connection(context) as connection:
        runtime.configure(context, connection=connection, on_version_apply=[on_version_apply])
        with context.begin_transaction():
            context.run_migrations()


with runtime.alembic_errors():
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
