"""One migration file as the lints see it: raw lines, annotations, and execution units.

The grammar gives goose's statements (each with its first line); a lint also needs to know
which file line each part of a statement came from, whether it sits in a StatementBegin
block, and how a SQL lexer reads it. A statement that goose cut in the middle of a literal
is joined again with the pieces that follow until the literal closes, so that the other
lints see the statement the author wrote, and the cut is recorded once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llm_proxy.errors import ParseError
from llm_proxy.format.gotext import go_trim
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import Annotation, parse_annotation
from llm_proxy.services.lint.lexer import LITERALS, LineIndex, SqlStatement, Token, split, tokenize

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from llm_proxy.format.grammar import ParsedSQL, Statement

IGNORE_COMMENT = re.compile(r"--\s*llm-proxy:\s*ignore\b([^\n]*)", re.IGNORECASE)
_ID = re.compile(r"[A-Za-z]+\d+")


@dataclass(frozen=True, slots=True)
class Cut:
    """goose ended a statement at ``line`` while a literal opened on ``opened`` was open."""

    line: int
    opened: int
    literal: Token


@dataclass(slots=True)
class Unit:
    """One execution unit (or several goose cut apart, joined again) with its line map."""

    direction: Direction
    text: str
    lines: list[int]
    in_block: bool
    tokens: list[Token] = field(default_factory=list)
    cuts: list[Cut] = field(default_factory=list)
    _index: LineIndex | None = None
    _statements: list[SqlStatement] | None = None

    def line_of(self, token: Token) -> int:
        """The file line where ``token`` starts."""
        if self._index is None:
            self._index = LineIndex(self.text)
        return self.lines[min(self._index.line(token.start), len(self.lines) - 1)]

    @property
    def statements(self) -> list[SqlStatement]:
        """The unit's SQL statements as the lexer cuts them."""
        if self._statements is None:
            self._statements = split(self.tokens)
        return self._statements

    @property
    def unclosed(self) -> Token | None:
        last = self.tokens[-1] if self.tokens else None
        return last if last is not None and not last.closed and last.kind in LITERALS else None


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed migration file and everything the lints read from it."""

    path: Path
    lines: Sequence[str]
    annotations: dict[int, Annotation]
    parsed: ParsedSQL
    dialect: str | None
    units: dict[Direction, list[Unit]]
    ignored: dict[str, int]

    def text(self, line: int) -> str:
        return self.lines[line - 1]

    def blocks(self) -> list[tuple[int, int]]:
        """(StatementBegin line, StatementEnd line) of every block, in order."""
        pairs, begin = [], 0
        for line, annotation in sorted(self.annotations.items()):
            if annotation is Annotation.STATEMENT_BEGIN:
                begin = line
            elif annotation is Annotation.STATEMENT_END and begin:
                pairs.append((begin, line))
                begin = 0
        return pairs

    def sql(self) -> Iterator[tuple[Unit, SqlStatement]]:
        """Every SQL statement with code, of both directions, with its unit."""
        for units in self.units.values():
            for unit in units:
                for statement in unit.statements:
                    if statement.code:
                        yield unit, statement

    def down_line(self) -> int | None:
        return next((n for n, a in sorted(self.annotations.items()) if a is Annotation.DOWN), None)


def read_source(path: Path, parsed: ParsedSQL, dialect: str | None) -> Source | None:
    """The lint view of ``path``, or None when the file cannot be read as UTF-8 text.

    (Such a file already has a parse error; there is nothing to lint.)
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    annotations: dict[int, Annotation] = {}
    ignored: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if "+goose" in line and go_trim(line).startswith("--"):
            try:
                annotations[number] = parse_annotation(line)
            except ParseError:
                continue
        elif "llm-proxy" in line:
            match = IGNORE_COMMENT.search(line)
            if match:
                for name in _ID.findall(match.group(1)):
                    ignored.setdefault(name.upper(), number)
    source = Source(path, lines, annotations, parsed, dialect, {}, ignored)
    blocks = source.blocks()
    for direction in Direction:
        statements = parsed.up if direction is Direction.UP else parsed.down
        source.units[direction] = _join_cuts(
            [_unit(source, direction, s, blocks) for s in statements if s.text], dialect
        )
    return source


def _unit(source: Source, direction: Direction, statement: Statement, blocks: list[tuple[int, int]]) -> Unit:
    """Map each line of a statement's text to its file line.

    The text is the buffer trimmed: leading whitespace-only lines are gone, and annotation
    lines (ENVSUB, NO TRANSACTION) never enter the buffer.
    """
    wanted = statement.text.count("\n") + 1
    number, last = statement.line, len(source.lines)
    while number < last and not go_trim(source.text(number)):
        number += 1
    mapped: list[int] = []
    while len(mapped) < wanted and number <= last:
        if number not in source.annotations:
            mapped.append(number)
        number += 1
    first = mapped[0] if mapped else statement.line
    in_block = any(begin < first < end for begin, end in blocks)
    return Unit(direction, statement.text, mapped, in_block)


def _join_cuts(units: list[Unit], dialect: str | None) -> list[Unit]:
    """Lex every unit; join a unit that ends inside a literal with the ones after it."""
    joined: list[Unit] = []
    for unit in units:
        previous = joined[-1] if joined else None
        if previous is not None and previous.unclosed is not None and not unit.in_block:
            previous.text = f"{previous.text}\n{unit.text}"
            previous.lines = previous.lines + unit.lines
            previous._index = None
            unit = previous
        else:
            joined.append(unit)
        unit.tokens = tokenize(unit.text, dialect=dialect)
        literal = unit.unclosed
        if literal is not None and not unit.in_block:
            unit.cuts.append(Cut(unit.lines[-1], unit.line_of(literal), literal))
    return joined
