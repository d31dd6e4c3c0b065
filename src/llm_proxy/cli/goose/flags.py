"""goose's options, parsed the way its binary parses them: Go's ``flag`` package, then
``xflag.ParseToEnd`` (goose >= 3.22), which also takes flags placed after the positional
arguments.

Go's rules, which argparse and click cannot express: ``-dir x``, ``-dir=x``, ``--dir x`` and
``--dir=x`` are the same; a boolean flag takes no separate value (``-v=false`` only); ``--``
ends the flags; an undefined flag is ``flag provided but not defined: -x``, followed by the
usage and exit code 2; ``-h``/``-help`` print the usage and exit 0.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from llm_proxy.cli.goose.gotext import duration_string, go_quote, parse_bool, parse_duration

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULT_DIR = "."


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag of goose's FlagSet: its name, kind (``bool``, ``string``, ``duration``),
    default and usage text, as ``flag.PrintDefaults`` shows them."""

    name: str
    kind: str
    default: str
    usage: str


FLAGS = {
    f.name: f
    for f in (
        Flag("dir", "string", DEFAULT_DIR, "directory with migration files, (GOOSE_MIGRATION_DIR env variable supported)"),
        Flag("table", "string", "", "migrations table name"),
        Flag("v", "bool", "false", "enable verbose mode"),
        Flag("h", "bool", "false", "print help"),
        Flag("version", "bool", "false", "print version"),
        Flag("certfile", "string", "", "file path to root CA's certificates in pem format (only support on mysql)"),
        Flag("s", "bool", "false", "use sequential numbering for new migrations"),
        Flag("allow-missing", "bool", "false", "applies missing (out-of-order) migrations"),
        Flag("ssl-cert", "string", "", "file path to SSL certificates in pem format (only support on mysql)"),
        Flag("ssl-key", "string", "", "file path to SSL key in pem format (only support on mysql)"),
        Flag(
            "no-versioning",
            "bool",
            "false",
            "apply migration commands with no versioning, in file order, from directory pointed to",
        ),
        Flag("no-color", "bool", "false", "disable color output (NO_COLOR env variable supported)"),
        Flag("timeout", "duration", "0s", "maximum allowed duration for queries to run; e.g., 1h13m"),
        Flag("env", "string", "", "load environment variables from file (default .env)"),
    )
}


class FlagError(Exception):
    """The command line is not valid for Go's flag package; ``code`` is Go's exit code
    (2 for an error, 0 after ``-help``). The message and usage are already printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(slots=True)
class Options:
    """The flag values after parsing, and the positional arguments in order."""

    values: dict[str, str] = field(default_factory=lambda: {n: f.default for n, f in FLAGS.items()})
    args: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        return self.values[name]

    def on(self, name: str) -> bool:
        return self.values[name] == "true"

    @property
    def timeout(self) -> int:
        """``-timeout`` in nanoseconds (0: none)."""
        return parse_duration(self.values["timeout"]) or 0


def parse(arguments: Sequence[str], usage: Callable[[], None]) -> Options:
    """``xflag.ParseToEnd(flags, arguments)``: every flag, wherever it stands.

    After Go's ``Parse`` stops at the first positional argument, each later argument that
    looks like a flag (``-`` and at least one more character) restarts the parse there;
    a later ``--`` makes itself and everything after it positional.
    """
    options = Options()
    rest = _parse_flags(list(arguments), options, usage)
    positional: list[str] = []
    index = 0
    while index < len(rest):
        arg = rest[index]
        if len(arg) > 1 and arg[0] == "-":
            if arg == "--":
                positional.extend(rest[index:])
                break
            rest = _parse_flags(rest[index:], options, usage)
            index = 0
            continue
        positional.append(arg)
        index += 1
    options.args = positional
    return options


def _parse_flags(args: list[str], options: Options, usage: Callable[[], None]) -> list[str]:
    """``FlagSet.Parse``: flags up to the first non-flag or ``--``; returns what is left."""
    while args:
        arg = args[0]
        if len(arg) < 2 or arg[0] != "-":
            return args
        minuses = 2 if arg[1] == "-" else 1
        if arg == "--":
            return args[1:]
        name = arg[minuses:]
        if not name or name[0] in "-=":
            _fail(f"bad flag syntax: {arg}", usage)
        args = args[1:]
        name, equals, value = name.partition("=") if "=" in name[1:] else (name, "", "")
        has_value = bool(equals)
        flag = FLAGS.get(name)
        if flag is None:
            if name in ("help", "h"):
                usage()
                raise FlagError(0)
            _fail(f"flag provided but not defined: -{name}", usage)
        if flag.kind == "bool":
            parsed = parse_bool(value if has_value else "true")
            if parsed is None:
                _fail(f"invalid boolean value {go_quote(value)} for -{name}: parse error", usage)
            options.values[name] = "true" if parsed else "false"
            continue
        if not has_value:
            if not args:
                _fail(f"flag needs an argument: -{name}", usage)
            value, args = args[0], args[1:]
        if flag.kind == "duration" and parse_duration(value) is None:
            _fail(f"invalid value {go_quote(value)} for flag -{name}: parse error", usage)
        options.values[name] = value
    return args


def _fail(message: str, usage: Callable[[], None]) -> NoReturn:
    """``FlagSet.failf`` under ``ExitOnError``: the message, the usage, exit 2."""
    sys.stderr.write(message + "\n")
    usage()
    raise FlagError(2)


def print_defaults() -> None:
    """``flag.PrintDefaults`` (to stderr, as the flag package writes it): sorted by name,
    a type word for valued flags, the default when it is not the zero value."""
    lines = []
    for name in sorted(FLAGS):
        flag = FLAGS[name]
        head = f"  -{name}" + ("" if flag.kind == "bool" else f" {flag.kind}")
        head += "\t" if len(head) <= 4 else "\n    \t"
        text = head + flag.usage
        if flag.kind == "string" and flag.default:
            text += f" (default {go_quote(flag.default)})"
        elif flag.kind == "duration" and flag.default != duration_string(0):
            text += f" (default {flag.default})"
        lines.append(text + "\n")
    sys.stderr.write("".join(lines))
