"""``llm-proxy goose ARGS``: goose's command line, step for step as its ``main()`` runs.

1. flags (anywhere on the line); ``-version``;
2. the ``.env`` file (``-env FILE``, default ``.env``, ``-env=none``), never overriding
   the environment; then ``GOOSE_DRIVER``, ``GOOSE_DBSTRING``, ``GOOSE_MIGRATION_DIR``,
   ``GOOSE_TABLE``, ``NO_COLOR``;
3. ``-h``; no arguments: the usage and exit 1;
4. the commands that need no database when they come first: ``init``, ``create``,
   ``fix``, ``env``, ``validate``, ``beta``;
5. otherwise ``DRIVER DBSTRING COMMAND [ARGS]``, where the environment fills in the
   driver and the string when the command comes first (``GOOSE_DRIVER=... goose up``) or
   the string when only the driver is given (``goose postgres up``).

Every message goes through Go's logger format to stderr; an error is ``goose run: ...``
and exit 1, a flag error exit 2, as goose's ``log.Fatalf`` and ``flag.ExitOnError``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from llm_proxy.cli.goose import files
from llm_proxy.cli.goose.dotenv import EnvFileError, load
from llm_proxy.cli.goose.flags import DEFAULT_DIR, FlagError, parse
from llm_proxy.cli.goose.gotext import log_line, parse_bool
from llm_proxy.cli.goose.report import Fatal
from llm_proxy.cli.goose.usage import usage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from llm_proxy.cli.goose.flags import Options

DB_COMMANDS = ("up", "up-by-one", "up-to", "down", "down-to", "redo", "reset", "status", "version")


def main(arguments: Sequence[str]) -> int:
    """Run goose's command line; the exit code."""
    try:
        options = parse(arguments, usage)
    except FlagError as exc:
        return exc.code
    if options.on("version"):
        from importlib.metadata import version

        print(f"goose version: llm-proxy {version('llm-proxy-migrations')}")
        return 0
    try:
        _run(options)
    except Fatal as exc:
        log_line(str(exc))
        return 1
    except _Usage as exc:
        usage()
        return exc.code
    return 0


class _Usage(Exception):
    """Print the usage and exit with ``code`` (goose: 0 after ``-h``, 1 when arguments are missing)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _run(options: Options) -> None:
    _load_env_file(options.text("env"))
    env = _environment()
    args = options.args
    if options.on("h"):
        raise _Usage(0)
    if not args:
        raise _Usage(1)
    folder = options.text("dir")
    if folder == DEFAULT_DIR and env["GOOSE_MIGRATION_DIR"]:
        folder = env["GOOSE_MIGRATION_DIR"]
    first = args[0]
    if first in files.FILE_COMMANDS:
        files.FILE_COMMANDS[first](folder, args[1:], options, env)
        return
    args = merge_args(args, env["GOOSE_DRIVER"], env["GOOSE_DBSTRING"])
    if len(args) < 3:
        raise _Usage(1)
    driver, dbstring, command = args[0], args[1], args[2]
    from llm_proxy.cli.goose.database import open_target, run_command

    target = open_target(driver, dbstring, options)
    table = options.text("table") or env["GOOSE_TABLE"] or "goose_db_version"
    run_command(command, args[3:], target, folder, table, options)


def merge_args(args: list[str], driver: str, dbstring: str) -> list[str]:
    """goose's ``mergeArgs``: explicit positional arguments win over the environment.

    Three or more arguments are taken as they are; ``COMMAND [ARGS]`` gets both
    variables in front, ``DRIVER COMMAND`` gets ``GOOSE_DBSTRING`` in between.
    """
    if len(args) >= 3:
        return args
    if args[0] in DB_COMMANDS:
        merged = [driver, *args] if driver else list(args)
        return [merged[0], dbstring, *merged[1:]] if dbstring else merged
    if len(args) == 2 and args[1] in DB_COMMANDS and dbstring:
        return [args[0], dbstring, args[1]]
    return args


def _load_env_file(choice: str) -> None:
    if choice == "none":
        return
    try:
        load(choice or ".env")
    except EnvFileError as exc:
        if choice:
            raise Fatal(f"failed to load env file: {exc}") from None


def _environment() -> dict[str, str]:
    """goose's ``loadEnvConfig``: each variable, an empty one counting as unset."""
    no_color = parse_bool(os.environ.get("NO_COLOR") or "false") or False
    return {
        "GOOSE_DRIVER": os.environ.get("GOOSE_DRIVER", ""),
        "GOOSE_DBSTRING": os.environ.get("GOOSE_DBSTRING", ""),
        "GOOSE_MIGRATION_DIR": os.environ.get("GOOSE_MIGRATION_DIR") or DEFAULT_DIR,
        "GOOSE_TABLE": os.environ.get("GOOSE_TABLE", ""),
        "NO_COLOR": "true" if no_color else "false",
    }
