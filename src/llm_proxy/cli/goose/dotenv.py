"""goose's ``.env`` loading (``godotenv.Load``, goose >= 3.24): variables from a file that
never override the process environment.

goose reads ``.env`` in the working directory when it exists (a missing default file is
not an error), the file named by ``-env FILE`` (then a missing file is fatal), or nothing
with ``-env=none``. The syntax is godotenv's: ``KEY=value`` or ``KEY: value``, an optional
``export``, ``#`` comments (after a value only when a space precedes them), single quotes
taken literally, double quotes with ``\\n`` escapes, and ``$VAR``/``${VAR}`` expanded in
unquoted and double-quoted values from the file's earlier keys, then the environment.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import MutableMapping

_KEY = re.compile(r"[\w.-]+")
_EXPAND = re.compile(r"(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?")
_UNESCAPE = re.compile(r"\\([^$])")
_SPACE = "\t\v\f\r \x85\xa0"


class EnvFileError(Exception):
    """The file cannot be read or parsed; the message is godotenv's."""


def load(path: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Set each variable of the file that the environment does not have yet (even empty)."""
    env = os.environ if environ is None else environ
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
    except OSError as exc:
        raise EnvFileError(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None
    for key, value in parse(text, env).items():
        if key not in env:
            env[key] = value


def parse(text: str, environ: MutableMapping[str, str]) -> dict[str, str]:
    """The variables of a ``.env`` text, in godotenv's syntax."""
    found: dict[str, str] = {}
    rest = text.replace("\r\n", "\n")
    while True:
        rest = rest.lstrip()
        if not rest:
            return found
        if rest[0] == "#":
            newline = rest.find("\n")
            if newline < 0:
                return found
            rest = rest[newline:]
            continue
        key, rest = _key(rest)
        value, rest = _value(rest, found, environ)
        found[key] = value


def _key(text: str) -> tuple[str, str]:
    body = text.removeprefix("export").lstrip(_SPACE)
    for index, char in enumerate(body):
        if char in "=:":
            key = body[:index].rstrip()
            if not key or not _KEY.fullmatch(key):
                break
            return key, body[index + 1 :].lstrip(_SPACE)
        if char not in _SPACE and not _KEY.fullmatch(char):
            raise EnvFileError(f"unexpected character {char!r} in variable name near {body.partition(chr(10))[0]!r}")
    raise EnvFileError(f"unexpected character in variable name near {body.partition(chr(10))[0]!r}")


def _value(text: str, found: dict[str, str], environ: MutableMapping[str, str]) -> tuple[str, str]:
    if not text or text[0] not in "'\"":
        line, newline, rest = text.partition("\n")
        end = len(line)
        for index in range(len(line) - 1, 0, -1):
            if line[index] == "#" and line[index - 1] in _SPACE:
                end = index
                break
        return _expand(line[:end].strip(_SPACE), found, environ), newline + rest
    quote = text[0]
    for index in range(1, len(text)):
        if text[index] == quote and text[index - 1] != "\\":
            value = text[1:index]
            if quote == '"':
                value = _expand(_UNESCAPE.sub(r"\1", value.replace("\\n", "\n").replace("\\r", "\r")), found, environ)
            return value, text[index + 1 :]
    raise EnvFileError(f"unterminated quoted value {text.partition(chr(10))[0]}")


def _expand(value: str, found: dict[str, str], environ: MutableMapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match[1] == "\\" or match[3] == "(":
            return match[0][1:]
        name = match[4]
        if name:
            return found[name] if name in found else environ.get(name, "")
        return match[0]

    return _EXPAND.sub(replace, value)
