"""``run_alembic``: any ``alembic`` command on goose migrations, including the ones the stock
executable cannot serve.

The stock ``alembic`` builds Alembic's own ScriptDirectory, which only loads ``.py`` files:
``env.py`` can swap in the goose revisions for the commands that run it (upgrade,
downgrade, current, stamp, ``history -i``), but ``heads``, ``history``, ``show`` and
``branches`` never run ``env.py``. Here ``alembic.command`` is handed our ScriptDirectory
subclass for the duration of the command, so every command sees the goose files.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from llm_proxy.env._alembic_compat import goose_script_directory, ini_files
from llm_proxy.env.revisions import ENV_DIR, GooseScriptDirectory
from llm_proxy.env.runtime import ENVIRONMENT_LOCK
from llm_proxy.env.settings import SETTINGS_KEY, resolve_settings
from llm_proxy.errors import AlembicCommandError, MigrationError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import TextIO

    from llm_proxy.selection import DatabaseTarget

# Commands that write Python revision files or need SQLAlchemy models.
_UNSUPPORTED = {"revision", "merge", "init", "check", "list_templates"}


def run_alembic(
    argv: Sequence[str],
    *,
    target: DatabaseTarget | None = None,
    migrations: Path | str | None = None,
    table: str | None = None,
    allow_missing: bool | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Run ``alembic ARGV`` (e.g. ``["upgrade", "head"]``, ``["history"]``) on goose migrations.

    ``target``, ``migrations``, ``table`` and ``allow_missing`` override what ``-x``
    arguments, ``alembic.ini`` (``-c``, default ``./alembic.ini`` if present) and the
    environment say. Alembic's output goes to ``stdout``; failures raise
    :class:`MigrationError`. ``--help`` and argument errors exit through argparse, as the
    ``alembic`` command does.
    """
    from alembic.config import CommandLine, Config
    from alembic.util import CommandError

    cli = CommandLine(prog="llm-proxy alembic")
    options = cli.parser.parse_args(list(argv))
    if not hasattr(options, "cmd"):
        raise AlembicCommandError("no alembic command given; see 'llm-proxy alembic --help'")
    fn, positional, keywords = options.cmd
    if fn.__name__ in _UNSUPPORTED:
        raise AlembicCommandError(
            f"'alembic {fn.__name__}' is not available for goose migrations: they are SQL files; "
            "create one with 'llm-proxy migrate create NAME'"
        )
    toml, ini = ini_files(cli, options)
    out = stdout or sys.stdout
    config = Config(
        file_=ini, toml_file=toml, ini_section=options.name, cmd_opts=options, stdout=out, output_buffer=out
    )
    if not config.file_config.has_option(config.config_ini_section, "script_location"):
        config.set_main_option("script_location", str(ENV_DIR))  # this package's env.py
    config.attributes["configure_logger"] = False
    config.attributes[SETTINGS_KEY] = resolve_settings(
        config, target=target, folder=migrations, table=table, allow_missing=allow_missing
    )
    try:
        with ENVIRONMENT_LOCK, goose_script_directory(GooseScriptDirectory):
            fn(config, *[getattr(options, k, None) for k in positional], **{k: getattr(options, k, None) for k in keywords})
    except CommandError as exc:
        if isinstance(exc.__cause__, MigrationError):
            raise exc.__cause__ from None
        raise AlembicCommandError(str(exc)) from exc
