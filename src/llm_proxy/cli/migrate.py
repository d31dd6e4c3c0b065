"""The ``migrate`` sub-app: every migration command, mountable in any typer CLI.

    import typer
    from llm_proxy.cli.migrate import app as migrate_app

    cli = typer.Typer()
    cli.add_typer(migrate_app, name="migrate")

A command's module is imported only when that command runs (or help lists it), so
``migrate status`` does not pay for the lint engine of ``validate`` or the locks of ``up``.
"""

from __future__ import annotations

import importlib
from functools import cache

import typer
from typer.core import TyperCommand

from llm_proxy.cli.errors import ReportingGroup

# command name -> (module under llm_proxy.cli, function), in the order help lists them
COMMANDS = {
    "up": ("changes", "up"),
    "up-by-one": ("changes", "up_by_one"),
    "up-to": ("changes", "up_to"),
    "down": ("changes", "down"),
    "down-to": ("changes", "down_to"),
    "redo": ("changes", "redo"),
    "reset": ("changes", "reset"),
    "status": ("state", "status"),
    "version": ("state", "version"),
    "create": ("files", "create"),
    "fix": ("files", "fix"),
    "validate": ("validate", "validate"),
    "parse": ("files", "parse"),
}


class MigrateGroup(ReportingGroup):
    """The ``migrate`` group: its commands are built from their modules on first use.

    ``ctx`` is typed ``object`` because it is unused and click's ``Context`` has no one
    public name across the typer releases in range (later ones vendor click as
    ``typer._click``); ``object`` is a valid override of either.
    """

    def list_commands(self, ctx: object) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: object, cmd_name: str) -> TyperCommand | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


@cache
def load_command(name: str) -> TyperCommand:
    """The click command ``name``, built by typer from its function (and the module's EPILOG)."""
    module_name, function = COMMANDS[name]
    module = importlib.import_module(f"llm_proxy.cli.{module_name}")
    single = typer.Typer(pretty_exceptions_show_locals=False)
    single.command(name, epilog=getattr(module, "EPILOG", None))(getattr(module, function))
    command = typer.main.get_command(single)
    # typer declares click's Command; a Typer with one command and no callback builds a TyperCommand.
    assert isinstance(command, TyperCommand)
    return command


app = typer.Typer(
    name="migrate",
    cls=MigrateGroup,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def migrate() -> None:
    """Run and manage goose-format SQL migrations."""
