"""Lints for DDL that fails when run twice, and DDL that is not SQL at all (LP201-LP206).

The project's guide asks for IF [NOT] EXISTS everywhere: a migration that failed half-way
on a database without transactional DDL (MySQL) or that was applied by hand can then simply
be run again. Where a dialect lacks the clause (MySQL: CREATE/DROP INDEX and ADD COLUMN;
SQLite: ADD COLUMN) the lint stays quiet for that dialect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.services.lint import rules

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from llm_proxy.services.findings import Finding
    from llm_proxy.services.lint.lexer import SqlStatement
    from llm_proxy.services.lint.source import Source, Unit

IF_NOT_EXISTS = ["IF", "NOT", "EXISTS"]
IF_EXISTS = ["IF", "EXISTS"]
_TEMPORARY = {"GLOBAL", "LOCAL", "TEMP", "TEMPORARY"}
_NOT_A_COLUMN = {
    "CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "EXCLUDE",
    "PARTITION", "SPATIAL", "FULLTEXT", "PERIOD", "SYSTEM", "(",
}


def check(source: Source) -> Iterator[Finding]:
    """All DDL lints of one file."""
    for unit, statement in source.sql():
        words = statement.words
        if words[0] == "CREATE":
            yield from _create(source, unit, statement, words)
        elif words[0] == "DROP":
            yield from _drop(source, unit, statement, words)
        elif words[0] == "ALTER" and source.dialect == "postgres":
            yield from _add_column(source, unit, statement, words)


def _at(words: Sequence[str], index: int, phrase: list[str]) -> bool:
    return list(words[index : index + len(phrase)]) == phrase


def _skip(words: Sequence[str], index: int, optional: set[str]) -> int:
    while index < len(words) and words[index] in optional:
        index += 1
    return index


def _create(source: Source, unit: Unit, statement: SqlStatement, words: list[str]) -> Iterator[Finding]:
    line = unit.line_of(statement.code[0])
    if _at(words, 1, ["OR", "REPLACE"]):
        return
    index = _skip(words, 1, {"UNLOGGED"})
    if words[index : index + 1] == ["TABLE"] and not _at(words, index + 1, IF_NOT_EXISTS):
        yield rules.CREATE_TABLE.finding(
            source.path, line, f"CREATE TABLE {_name(statement, index + 1)} fails if the table exists",
            direction=unit.direction,
        )
        return
    index = _skip(words, 1, {"UNIQUE"})
    if words[index : index + 1] != ["INDEX"] or source.dialect == "mysql":
        return
    index = _skip(words, index + 1, {"CONCURRENTLY"})
    if index < len(words) and words[index] != "ON" and not _at(words, index, IF_NOT_EXISTS):
        yield rules.CREATE_INDEX.finding(
            source.path, line, f"CREATE INDEX {_name(statement, index)} fails if the index exists",
            direction=unit.direction,
        )


def _drop(source: Source, unit: Unit, statement: SqlStatement, words: list[str]) -> Iterator[Finding]:
    line = unit.line_of(statement.code[0])
    bad = next((i for i in range(2, min(len(words), 6)) if _at(words, i, IF_NOT_EXISTS)), None)
    if bad is not None:
        kind = " ".join(words[1:bad])
        yield rules.DROP_IF_NOT_EXISTS.finding(
            source.path, line, f"DROP {kind} IF NOT EXISTS is invalid SQL and fails on every database",
            direction=unit.direction, hint=f"write DROP {kind} IF EXISTS",
        )
        return
    index = _skip(words, 1, _TEMPORARY)
    kind = words[index] if index < len(words) else ""
    if kind == "INDEX":
        index = _skip(words, index + 1, {"CONCURRENTLY"})
        mysql_form = "ON" in words[index + 1 : index + 4]
        if source.dialect == "mysql" or mysql_form:
            return
        rule = rules.DROP_INDEX
    elif kind == "TABLE":
        index += 1
        rule = rules.DROP_TABLE
    else:
        return
    if not _at(words, index, IF_EXISTS):
        yield rule.finding(
            source.path, line, f"DROP {kind} {_name(statement, index)} fails if it does not exist",
            direction=unit.direction,
        )


def _add_column(source: Source, unit: Unit, statement: SqlStatement, words: list[str]) -> Iterator[Finding]:
    depth = 0
    for index, word in enumerate(words):
        depth += (word == "(") - (word == ")")
        if depth or word != "ADD":
            continue
        after = index + 1 + (words[index + 1 : index + 2] == ["COLUMN"])
        if after >= len(words) or words[after] in _NOT_A_COLUMN or words[after] == "IF":
            continue
        yield rules.ADD_COLUMN.finding(
            source.path,
            unit.line_of(statement.code[index]),
            f"ADD COLUMN {_name(statement, after)} fails if the column exists",
            direction=unit.direction,
        )


def _name(statement: SqlStatement, index: int) -> str:
    """The original spelling of the name at ``index`` (the words are upper-cased)."""
    return statement.code[index].text if index < len(statement.code) else ""
