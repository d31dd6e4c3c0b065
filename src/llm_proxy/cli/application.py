"""The ``llm-proxy`` typer application: ``migrate``, ``setup``, ``alembic`` and ``goose``."""

from __future__ import annotations

import typer

from llm_proxy.cli.alembic import alembic
from llm_proxy.cli.errors import ReportingGroup
from llm_proxy.cli.goose import goose
from llm_proxy.cli.migrate import app as migrate_app
from llm_proxy.cli.setup import setup

app = typer.Typer(
    name="llm-proxy",
    cls=ReportingGroup,
    help="llm-proxy: database migrations and setup.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(migrate_app, name="migrate")
app.command("setup")(setup)
app.command(
    "alembic",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)(alembic)

app.command(
    "goose",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)(goose)
