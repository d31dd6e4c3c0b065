"""``-- +goose ENVSUB ON``: environment variable substitution, exactly as goose does it.

goose expands lines with a small shell-like interpolator (spec §2.6). This is a port of its
grammar, including the corners people trip over: ``$$`` and ``\\$`` become ``$`` (which
mangles ``$$`` function bodies while ENVSUB is on), ``$(`` passes through, a ``$`` at the end of
the line stays, ``$1`` / ``$_x`` / ``$ 5`` are errors, and substring offsets count bytes.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from llm_proxy.format.gotext import go_trim

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class EnvsubError(ValueError):
    """A line cannot be expanded; the message says which variable or syntax is at fault."""


def expand(line: str, environ: Mapping[str, str]) -> str:
    """``line`` with every ``$NAME`` / ``${...}`` replaced from ``environ``."""
    if "$" not in line and "\\" not in line:
        return line
    parser = _Parser(line, environ)
    text = parser.expression(stop="")
    return text


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def _is_identifier_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char) in _IDENTIFIER_CATEGORIES


_IDENTIFIER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"})


def _go_atoi(text: str) -> int:
    """strconv.Atoi after strings.TrimSpace: an optional sign and ASCII digits."""
    digits = go_trim(text)
    body = digits[1:] if digits[:1] in ("+", "-") else digits
    if not body or not body.isascii() or not body.isdigit():
        raise EnvsubError(f"{text!r} is not a number")
    return int(digits)


class _Parser:
    """A recursive-descent reader over one line; every method consumes from ``pos``."""

    def __init__(self, text: str, environ: Mapping[str, str]) -> None:
        self.text = text
        self.pos = 0
        self.environ = environ

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        char = self.peek()
        self.pos += 1 if char else 0
        return char

    def scan_until(self, stop: Callable[[str], bool]) -> str:
        start = self.pos
        while self.pos < len(self.text) and not stop(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def expression(self, stop: str) -> str:
        """Text and expansions up to a character in ``stop`` (or the end)."""
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in stop and stop:
                break
            rest = text.startswith
            if rest("\\$", self.pos) or rest("$$", self.pos):
                self.pos += 2
                out.append("$")
                continue
            if rest("$(", self.pos):
                self.pos += 2
                out.append("$(")
                continue
            if char == "$" and self.pos < len(text) - 1:
                out.append(self.expansion())
                continue
            if char in ("\\", "$"):
                self.pos += 1
                out.append(char)
                continue
            out.append(self.scan_until(lambda c: c in "$\\" or (bool(stop) and c in stop)))
        return "".join(out)

    def identifier(self) -> str:
        char = self.peek()
        if not char or not _is_letter(char):
            shown = repr(char) if char else "the end of the line"
            raise EnvsubError(
                f"a variable name must start with a letter, found {shown}; "
                "write $$ for a literal $, or turn ENVSUB OFF around this SQL"
            )
        return self.scan_until(lambda c: not _is_identifier_char(c))

    def expansion(self) -> str:
        self.next()  # the "$"
        if self.peek() == "{":
            return self.braces()
        return self.environ.get(self.identifier(), "")

    def braces(self) -> str:
        self.next()  # the "{"
        name = self.identifier()
        if self.peek() == "}":
            self.next()
            return self.environ.get(name, "")
        operator = self.next()
        if operator == ":":
            if self.peek() == "-":
                self.next()
                operator = ":-"
        elif operator not in ("?", "-"):
            shown = repr(operator) if operator else "the end of the line"
            raise EnvsubError(
                f"${{{name}...}}: expected '}}', ':-', '-', '?' or ':' after the name, "
                f"found {shown}"
            )
        value = self._apply(name, operator)
        closing = self.next()
        if closing != "}":
            raise EnvsubError(f"${{{name}...}} is not closed with '}}'")
        return value

    def _apply(self, name: str, operator: str) -> str:
        if operator == ":-":
            default = self.expression(stop="}")
            value = self.environ.get(name, "")
            return value if value != "" else default
        if operator == "-":
            default = self.expression(stop="}")
            return self.environ[name] if name in self.environ else default
        if operator == "?":
            message = self.expression(stop="}")
            if name not in self.environ:
                raise EnvsubError(f"${name}: {message or 'not set'}")
            return self.environ[name]
        return self._substring(name)

    def _substring(self, name: str) -> str:
        offset = _go_atoi(self.scan_until(lambda c: c in ":}"))
        length: int | None = None
        if self.peek() != "}":
            self.next()
            length = _go_atoi(self.scan_until(lambda c: c == "}"))
        value = self.environ.get(name, "").encode()
        start = min(max(offset + len(value) if offset < 0 else offset, 0), len(value))
        if length is None:
            end = len(value)
        elif length >= 0:
            end = start + length
        else:
            end = max(length + len(value), start)
        return value[start : min(end, len(value))].decode(errors="replace")
