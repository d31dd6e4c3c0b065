"""The ``migrate`` sub-app: every migration command, mountable in any typer CLI.

    import typer
    from llm_proxy.cli.migrate import app as migrate_app

    cli = typer.Typer()
    cli.add_typer(migrate_app, name="migrate")
"""

from __future__ import annotations

import typer

from llm_proxy.cli import changes, files, state, validate
from llm_proxy.cli.errors import ReportingGroup

app = typer.Typer(
    name="migrate",
    cls=ReportingGroup,
    help="Run and manage goose-format SQL migrations.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.command("up")(changes.up)
app.command("up-by-one")(changes.up_by_one)
app.command("up-to")(changes.up_to)
app.command("down")(changes.down)
app.command("down-to")(changes.down_to)
app.command("redo")(changes.redo)
app.command("reset")(changes.reset)
app.command("status")(state.status)
app.command("version")(state.version)
app.command("create")(files.create)
app.command("fix")(files.fix)
app.command("validate", epilog=validate.EPILOG)(validate.validate)
app.command("parse")(files.parse)
