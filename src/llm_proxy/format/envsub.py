"""``-- +goose ENVSUB ON``: environment variable substitution, exactly as goose does it.

goose (v3.18 and later) expands each line with ``github.com/mfridman/interpolate`` v0.0.2, a
fork of ``buildkite/interpolate`` without its later ``${NAME%...}`` / ``${NAME#...}`` removal
operators (those are errors here, as in goose). This is a port of that library's recursive
descent parser, read left to right, the first matching rule winning (spec §2.6):

- ``\\\\`` (two backslashes) is kept as two backslashes, and the pair is consumed: in
  ``\\\\$NAME`` the ``$NAME`` is expanded. Backslashes never disappear except in ``\\$``.
- ``\\$`` and ``$$`` become one ``$`` (so ``$$`` function bodies are mangled while ENVSUB is
  on); ``\\\\\\$`` is therefore ``\\\\`` then ``$``.
- ``$(`` passes through as ``$(``.
- Any other ``$`` followed by something starts an expansion: ``$NAME`` or ``${...}``, where
  NAME is a letter then letters, digits and ``_``; anything else (``$1``, ``$_x``, ``$ 5``,
  ``$\\``) is an error. A ``$`` that ends the line stays.
- A backslash before any other character, or at the end of the line, stays as it is.
- Inside ``${NAME:-...}``, ``${NAME-...}`` and ``${NAME?...}`` the same rules apply up to the
  first ``}``, which always closes (a backslash does not escape ``}``). The default or message
  is parsed at once but only evaluated when used, so a ``${X?...}`` in an unused default is no
  error. ``${NAME:offset[:length]}`` takes Go integers (``strconv.Atoi``, 64-bit) and counts
  bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_proxy.format.gotext import go_trim

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class EnvsubError(ValueError):
    """A line cannot be expanded; the message says which variable or syntax is at fault."""


def expand(line: str, environ: Mapping[str, str]) -> str:
    """``line`` with every ``$NAME`` / ``${...}`` replaced from ``environ``."""
    if "$" not in line:
        return line
    return _evaluate(_Parser(line).expression(stop=""), environ)


@dataclass(frozen=True, slots=True)
class _Variable:
    """``$NAME`` / ``${NAME}``: the value, empty when unset."""

    name: str

    def evaluate(self, environ: Mapping[str, str]) -> str:
        return environ.get(self.name, "")


@dataclass(frozen=True, slots=True)
class _Default:
    """``${NAME:-word}`` (``if_empty``: also when set but empty) and ``${NAME-word}``."""

    name: str
    word: _Expression
    if_empty: bool

    def evaluate(self, environ: Mapping[str, str]) -> str:
        value = environ.get(self.name)
        if value is None or (self.if_empty and value == ""):
            return _evaluate(self.word, environ)
        return value


@dataclass(frozen=True, slots=True)
class _Required:
    """``${NAME?message}``: the value, or an error with the message when unset."""

    name: str
    message: _Expression

    def evaluate(self, environ: Mapping[str, str]) -> str:
        if self.name in environ:
            return environ[self.name]
        message = _evaluate(self.message, environ)
        raise EnvsubError(f"${self.name}: {message or 'not set'}")


@dataclass(frozen=True, slots=True)
class _Substring:
    """``${NAME:offset}`` / ``${NAME:offset:length}`` over the value's UTF-8 bytes."""

    name: str
    offset: int
    length: int | None

    def evaluate(self, environ: Mapping[str, str]) -> str:
        value = environ.get(self.name, "").encode()
        size = len(value)
        start = min(max(self.offset + size if self.offset < 0 else self.offset, 0), size)
        if self.length is None:
            end = size
        elif self.length >= 0:
            end = start + self.length
        else:
            end = max(self.length + size, start)
        return value[start : min(end, size)].decode(errors="replace")


_Expansion = _Variable | _Default | _Required | _Substring
_Expression = tuple[str | _Expansion, ...]


def _evaluate(expression: _Expression, environ: Mapping[str, str]) -> str:
    return "".join(item if isinstance(item, str) else item.evaluate(environ) for item in expression)


_IDENTIFIER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"})
_INT64 = 1 << 63
# Go's scanner stops at utf8.RuneError, which a valid U+FFFD in the text also decodes to.
_RUNE_ERROR = "\ufffd"
# Where plain text ends: a "$", a backslash, the stop character, or a RuneError.
_TEXT_END = {stop: re.compile(f"[$\\\\{_RUNE_ERROR}{stop}]") for stop in ("", "}")}


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def _is_identifier_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char) in _IDENTIFIER_CATEGORIES


def _go_atoi(text: str, what: str) -> int:
    """strconv.Atoi after strings.TrimSpace: an optional sign, ASCII digits, 64 bits."""
    digits = go_trim(text)
    body = digits[1:] if digits[:1] in ("+", "-") else digits
    if not body or not body.isascii() or not body.isdigit():
        raise EnvsubError(f"the substring {what} {text!r} is not a number")
    value = int(digits)
    if not -_INT64 <= value < _INT64:
        raise EnvsubError(f"the substring {what} {text!r} is out of range (64-bit integers)")
    return value


class _Parser:
    """A recursive-descent reader over one line; every method consumes from ``pos``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        char = self.peek()
        self.pos += 1 if char else 0
        return char

    def scan_until(self, stop: Callable[[str], bool]) -> str:
        start, text = self.pos, self.text
        while self.pos < len(text) and text[self.pos] != _RUNE_ERROR and not stop(text[self.pos]):
            self.pos += 1
        return text[start : self.pos]

    def expression(self, stop: str) -> _Expression:
        """Text and expansions up to the character ``stop`` (or the end, when empty)."""
        out: list[str | _Expansion] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == stop:
                break
            pair = text[self.pos : self.pos + 2]
            if pair == "\\\\":
                self.pos += 2
                out.append(pair)
            elif pair in ("\\$", "$$"):
                self.pos += 2
                out.append("$")
            elif pair == "$(":
                self.pos += 2
                out.append(pair)
            elif char == "$" and self.pos < len(text) - 1:
                out.append(self.expansion())
            else:
                # One character whatever it is, then everything up to the next special one.
                end = _TEXT_END[stop].search(text, self.pos + 1)
                start, self.pos = self.pos, end.start() if end else len(text)
                out.append(text[start : self.pos])
        return tuple(out)

    def identifier(self) -> str:
        char = self.peek()
        if not char or not _is_letter(char):
            shown = repr(char) if char else "the end of the line"
            raise EnvsubError(
                f"a variable name must start with a letter, found {shown}; "
                "write $$ for a literal $, or turn ENVSUB OFF around this SQL"
            )
        return self.scan_until(lambda c: not _is_identifier_char(c))

    def expansion(self) -> _Expansion:
        self.next()  # the "$"
        if self.peek() == "{":
            return self.braces()
        return _Variable(self.identifier())

    def braces(self) -> _Expansion:
        self.next()  # the "{"
        name = self.identifier()
        if self.peek() == "}":
            self.next()
            return _Variable(name)
        operator = self.next()
        if operator == ":" and self.peek() == "-":
            self.next()
            operator = ":-"
        expansion: _Expansion
        if operator in (":-", "-"):
            expansion = _Default(name, self.expression(stop="}"), if_empty=operator == ":-")
        elif operator == "?":
            expansion = _Required(name, self.expression(stop="}"))
        elif operator == ":":
            expansion = self.substring(name)
        else:
            shown = repr(operator) if operator else "the end of the line"
            raise EnvsubError(
                f"${{{name}...}}: expected '}}', ':-', '-', '?' or ':' after the name, "
                f"found {shown}"
            )
        if self.next() != "}":
            raise EnvsubError(f"${{{name}...}} is not closed with '}}'")
        return expansion

    def substring(self, name: str) -> _Substring:
        offset = _go_atoi(self.scan_until(lambda c: c in ":}"), "offset")
        if self.peek() == "}":
            return _Substring(name, offset, None)
        self.next()  # the ":" (or whatever stopped the offset)
        return _Substring(name, offset, _go_atoi(self.scan_until(lambda c: c == "}"), "length"))
