"""The script Alembic runs for every command of this environment (``script_location``).

It only hands over to :mod:`llm_proxy.env.runtime`: the database, the migrations folder and
the version table come from ``-x`` arguments, ``alembic.ini`` and the environment (see
:mod:`llm_proxy.env.settings`). Errors reach the stock ``alembic`` command as its own
CommandError, so it prints them as ``FAILED: ...`` instead of a traceback.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError

from llm_proxy.env.intent import goose_steps
from llm_proxy.env.runtime import run
from llm_proxy.errors import MigrationError

# ``alembic.context`` is a module of proxies to the running command's EnvironmentContext,
# which Alembic keeps there as ``_proxy``; the runtime needs the object itself.
environment = context._proxy

config = environment.config
if config.config_file_name and config.file_config.has_section("loggers") and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

try:
    run(environment, goose_steps(environment.context_opts["fn"]))
except MigrationError as exc:
    raise CommandError(str(exc)) from exc
