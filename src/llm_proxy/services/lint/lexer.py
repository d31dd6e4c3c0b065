"""A small SQL lexer: where statements really end, as opposed to where goose cuts them.

goose splits on lines (spec §2.3) and knows nothing of string literals, quoted identifiers,
comments or dollar quoting. The lints compare its cuts with the ones a SQL lexer makes, so
the lexer needs just enough SQL to find literals, comments and top-level semicolons:
'...' strings with '' escapes (and backslash escapes in E'...' strings, and in every string
on MySQL), "..." and `...` identifiers, -- and /* */ comments, PostgreSQL $tag$ quoting.
It never rejects input: text that ends inside a literal or comment yields a last token with
``closed=False``, which is exactly what a lint wants to know.
"""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


class Kind(enum.Enum):
    WORD = "word"
    QUOTED = "quoted identifier"
    STRING = "string literal"
    DOLLAR = "dollar-quoted body"
    COMMENT = "comment"
    BLOCK_COMMENT = "/* */ comment"
    SEMICOLON = "semicolon"
    OTHER = "other"


COMMENTS = (Kind.COMMENT, Kind.BLOCK_COMMENT)
LITERALS = (Kind.STRING, Kind.DOLLAR, Kind.QUOTED, Kind.BLOCK_COMMENT)


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of SQL as the lexer cuts it (see :class:`Kind`); ``upper`` is the upper-cased
    text of a word (for keyword tests)."""

    kind: Kind
    text: str
    start: int
    closed: bool = True

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind is Kind.WORD else self.text


def _pattern(backslash_strings: bool) -> re.Pattern[str]:
    plain = r"'[^'\\]*+(?:(?:''|\\.)[^'\\]*+)*+" if backslash_strings else r"'[^']*+(?:''[^']*+)*+"
    escaped = r"[eE]'[^'\\]*+(?:(?:''|\\.)[^'\\]*+)*+"
    return re.compile(
        rf"""
        (?P<ws>\s+)
        |(?P<comment>--[^\n]*)
        |(?P<block>/\*.*?(?:\*/|\Z))
        |(?P<string>(?:{escaped}|{plain})(?:(?P<string_end>')|\Z))
        |(?P<quoted>(?:"[^"]*+(?:""[^"]*+)*+(?:(?P<double_end>")|\Z))
                   |(?:`[^`]*+(?:``[^`]*+)*+(?:(?P<back_end>`)|\Z)))
        |(?P<dollar>\$(?:[^\W\d][\w]*)?\$)
        |(?P<word>[^\W\d][\w$]*|\d[\w.]*)
        |(?P<semi>;)
        |(?P<other>.)
        """,
        re.VERBOSE | re.DOTALL,
    )


_GENERIC = _pattern(backslash_strings=False)
_MYSQL = _pattern(backslash_strings=True)


def tokenize(text: str, *, dialect: str | None = None) -> list[Token]:
    """The tokens of ``text`` (whitespace dropped, comments kept).

    ``dialect`` "mysql" turns on backslash escapes in every string and turns off dollar
    quoting, which MySQL does not have.
    """
    pattern = _MYSQL if dialect == "mysql" else _GENERIC
    dollar_quotes = dialect != "mysql"
    tokens: list[Token] = []
    append = tokens.append
    pos, size = 0, len(text)
    match = pattern.match
    while pos < size:
        m = match(text, pos)
        assert m is not None  # (?P<other>.) under DOTALL matches any character
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            pos = end
            continue
        piece = m.group()
        if kind == "word":
            append(Token(Kind.WORD, piece, pos))
        elif kind == "semi":
            append(Token(Kind.SEMICOLON, piece, pos))
        elif kind == "comment":
            append(Token(Kind.COMMENT, piece, pos))
        elif kind == "string":
            append(Token(Kind.STRING, piece, pos, m.group("string_end") is not None))
        elif kind == "quoted":
            closed = m.group("double_end") is not None or m.group("back_end") is not None
            append(Token(Kind.QUOTED, piece, pos, closed))
        elif kind == "block":
            append(Token(Kind.BLOCK_COMMENT, piece, pos, len(piece) >= 4 and piece.endswith("*/")))
        elif kind == "dollar" and dollar_quotes:
            close = text.find(piece, end)
            end = size if close < 0 else close + len(piece)
            append(Token(Kind.DOLLAR, text[pos:end], pos, close >= 0))
        else:
            append(Token(Kind.OTHER, piece, pos))
        pos = end
    return tokens


class LineIndex:
    """Offsets of a text to 0-based line indexes."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        at = find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1


@dataclass(frozen=True, slots=True)
class SqlStatement:
    """One statement as SQL sees it: its tokens without comments, and its comments."""

    code: Sequence[Token]
    comments: Sequence[Token]
    terminator: Token | None

    @property
    def words(self) -> list[str]:
        return [t.upper for t in self.code]


# Statements whose body holds semicolons between BEGIN and END (triggers, MySQL routines,
# PostgreSQL BEGIN ATOMIC functions): their inner semicolons do not end them.
_ROUTINES = {"TRIGGER", "FUNCTION", "PROCEDURE", "EVENT"}
_OPENERS = {"BEGIN", "CASE"}
_NOT_A_BLOCK_END = {"IF", "LOOP", "WHILE", "REPEAT"}


def split(tokens: Sequence[Token]) -> list[SqlStatement]:
    """Cut tokens into statements at top-level semicolons.

    Semicolons inside the BEGIN ... END body of a CREATE TRIGGER / FUNCTION / PROCEDURE /
    EVENT do not end the statement, so ``BEGIN`` in such a body is never mistaken for a
    transaction.
    """
    statements: list[SqlStatement] = []
    code: list[Token] = []
    comments: list[Token] = []
    depth = 0
    routine = False
    for index, token in enumerate(tokens):
        kind = token.kind
        if kind in COMMENTS:
            comments.append(token)
            continue
        if kind is Kind.SEMICOLON and depth <= 0:
            statements.append(SqlStatement(code, comments, token))
            code, comments, depth, routine = [], [], 0, False
            continue
        code.append(token)
        if kind is not Kind.WORD:
            continue
        word = token.upper
        if len(code) <= 6 and code[0].upper == "CREATE" and word in _ROUTINES:
            routine = True
        elif routine and word in _OPENERS:
            depth += 1
        elif routine and word == "END" and _next_word(tokens, index) not in _NOT_A_BLOCK_END:
            depth -= 1
    if code or comments:
        statements.append(SqlStatement(code, comments, None))
    return statements


def _next_word(tokens: Sequence[Token], index: int) -> str:
    for token in tokens[index + 1 :]:
        if token.kind not in COMMENTS:
            return token.upper
    return ""
