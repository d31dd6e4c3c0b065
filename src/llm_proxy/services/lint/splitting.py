"""Lints where goose's line-based splitting differs from what the SQL says (LP101-LP106).

goose ends a statement at a line whose last word ends with ``;`` (spec §2.3) and knows
nothing about literals or comments; the author thinks in SQL. Every place where the two
disagree either breaks the migration at run time or only works by accident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.format.gotext import go_trim
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import Annotation
from llm_proxy.services.lint import rules
from llm_proxy.services.lint.lexer import Kind

if TYPE_CHECKING:
    from collections.abc import Iterator

    from llm_proxy.errors import ParseError
    from llm_proxy.services.findings import Finding
    from llm_proxy.services.lint.lexer import SqlStatement, Token
    from llm_proxy.services.lint.source import Cut, Source, Unit


def check(source: Source) -> Iterator[Finding]:
    """All splitting lints of one file."""
    for units in source.units.values():
        for unit in units:
            yield from _cuts(source, unit)
            if not unit.in_block:
                yield from _boundaries(source, unit)
                yield from _block_comments(source, unit)
                yield from _whitespace_glue(source, unit)
    yield from _empty_blocks(source)


def explain(error: ParseError) -> str | None:
    """A better hint for an unfinished-statement error caused by a goose quirk, if it is one."""
    first = go_trim(error.text or "")
    if "never ends" not in error.problem:
        return None
    if first.startswith("/*"):
        return (
            "goose does not understand '/* */' comments and reads this one as an unfinished "
            "statement: turn it into '--' comment lines"
        )
    if first.startswith("--"):
        return (
            "a line before this comment holds only spaces or tabs, so goose keeps the comment "
            "lines after it as an unfinished statement: make that line truly empty"
        )
    return None


def _cuts(source: Source, unit: Unit) -> Iterator[Finding]:
    """LP101, once per literal: goose ended statements inside it."""
    by_literal: dict[int, list[Cut]] = {}
    for cut in unit.cuts:
        by_literal.setdefault(cut.opened, []).append(cut)
    for opened, cuts in by_literal.items():
        cut = cuts[0]
        what = cut.literal.kind.value
        where = f"on line {opened}" if opened != cut.line else "on the same line"
        also = f" (and again at line {', '.join(str(c.line) for c in cuts[1:])})" if len(cuts) > 1 else ""
        yield rules.CUT_IN_LITERAL.finding(
            source.path,
            cut.line,
            f"the ';' at the end of line {cut.line} is inside a {what} opened {where}, but goose "
            f"ends the statement there{also} and sends it cut apart",
            direction=unit.direction,
            hint=(
                "wrap the statement in '-- +goose StatementBegin' / '-- +goose StatementEnd'"
                if cut.literal.kind in (Kind.DOLLAR, Kind.BLOCK_COMMENT)
                else "move the ';' away from the end of the line inside the literal, or "
                "wrap the statement in '-- +goose StatementBegin' / '-- +goose StatementEnd'"
            ),
        )


def _boundaries(source: Source, unit: Unit) -> Iterator[Finding]:
    """LP102 and LP104: statement ends inside one execution unit."""
    statements = [s for s in unit.statements if s.code or s.terminator]
    reported: set[int] = set()
    for current, following in zip(statements, statements[1:]):
        if current.terminator is None or not following.code:
            continue
        line = unit.line_of(current.terminator)
        if line in reported:
            continue
        reported.add(line)
        if unit.line_of(following.code[0]) == line:
            yield rules.SAME_LINE.finding(
                source.path,
                line,
                f"line {line} holds more than one statement; goose sends them as one "
                "execution unit, which some drivers refuse and which fails or succeeds as a whole",
                direction=unit.direction,
            )
        else:
            cause = _hidden_semicolon_cause(source, unit, current.terminator, line)
            yield rules.HIDDEN_SEMICOLON.finding(
                source.path,
                line,
                f"line {line} ends a statement, but goose does not see its ';' ({cause}); the "
                f"statement runs on into the next one, up to line {unit.lines[-1]}",
                direction=unit.direction,
            )


def _hidden_semicolon_cause(source: Source, unit: Unit, semicolon: Token, line: int) -> str:
    after = [t for t in unit.tokens if t.start > semicolon.start and unit.line_of(t) == line]
    if after and after[0].kind is Kind.COMMENT and after[0].start == semicolon.end:
        return "no space between ';' and '--'"
    if after and after[0].kind is Kind.BLOCK_COMMENT:
        return "a /* */ comment follows it"
    strings = [t for t in unit.tokens if t.kind is Kind.STRING and t.start < semicolon.start]
    if any("--" in t.text.rsplit("\n", 1)[-1] and unit.line_of(t) + t.text.count("\n") == line for t in strings):
        return "a '--' inside a string literal on the line hides it"
    return f"goose reads {go_trim(source.text(line))!r} word by word"


def _block_comments(source: Source, unit: Unit) -> Iterator[Finding]:
    """LP103: a /* */ comment on a line of its own before a statement's code."""
    for statement in unit.statements:
        for comment in _leading_block_comments(statement):
            line = unit.line_of(comment)
            if go_trim(source.text(line)).startswith("/*"):
                yield rules.BLOCK_COMMENT.finding(
                    source.path,
                    line,
                    f"goose reads the /* */ comment on line {line} as SQL: it becomes the start "
                    "of the next statement",
                    direction=unit.direction,
                )


def _leading_block_comments(statement: SqlStatement) -> list[Token]:
    first = statement.code[0].start if statement.code else None
    return [
        c
        for c in statement.comments
        if c.kind is Kind.BLOCK_COMMENT and (first is None or c.start < first)
    ]


def _whitespace_glue(source: Source, unit: Unit) -> Iterator[Finding]:
    """LP106: a whitespace-only line made goose keep the comment lines after it."""
    if not unit.text.startswith("--"):
        return
    number = unit.lines[0] - 1
    while number > 0 and not go_trim(source.text(number)):
        if source.text(number):
            yield rules.WHITESPACE_GLUE.finding(
                source.path,
                number,
                f"line {number} holds only spaces or tabs, so goose glues the comment lines "
                f"after it onto the statement that follows (at line {_first_code_line(unit)})",
                direction=unit.direction,
            )
            return
        number -= 1


def _first_code_line(unit: Unit) -> int:
    code = next((t for t in unit.tokens if t.kind not in (Kind.COMMENT, Kind.BLOCK_COMMENT)), None)
    return unit.line_of(code) if code is not None else unit.lines[-1]


def _empty_blocks(source: Source) -> Iterator[Finding]:
    """LP105: a block with no SQL yields an empty statement and may swallow the next line."""
    down = source.down_line()
    for begin, end in source.blocks():
        inside = [source.text(n) for n in range(begin + 1, end) if n not in source.annotations]
        if any(go_trim(line) and not go_trim(line).startswith("--") for line in inside):
            continue
        direction = Direction.DOWN if down is not None and begin > down else Direction.UP
        swallowed = None if any(line and not go_trim(line) for line in inside) else _swallowed(source, end)
        if swallowed is not None and go_trim(source.text(swallowed)):
            yield rules.EMPTY_BLOCK.finding(
                source.path,
                begin,
                f"the block at lines {begin}-{end} is empty: goose sends an empty statement and "
                f"silently drops line {swallowed} ({go_trim(source.text(swallowed))!r})",
                direction=direction,
                severity="error",
            )
        else:
            yield rules.EMPTY_BLOCK.finding(
                source.path,
                begin,
                f"the block at lines {begin}-{end} is empty: goose sends an empty statement",
                direction=direction,
            )


def _swallowed(source: Source, end: int) -> int | None:
    """The line goose drops after an empty block: the next one that is not a comment."""
    for number in range(end + 1, len(source.lines) + 1):
        annotation = source.annotations.get(number)
        if annotation in (Annotation.UP, Annotation.DOWN, Annotation.STATEMENT_BEGIN):
            return None
        line = source.text(number)
        if annotation is not None or line == "" or go_trim(line).startswith("--"):
            continue
        return number
    return None
