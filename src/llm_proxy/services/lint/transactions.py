"""Lints about transactions (LP301-LP304).

The runner wraps each migration in one transaction unless the file says
``-- +goose NO TRANSACTION``. Statements that manage transactions themselves, or that a
database refuses to run inside one, break that promise; on MySQL every DDL statement
commits on its own, so a multi-statement migration cannot be undone as a whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.format.direction import Direction
from llm_proxy.services.lint import rules

if TYPE_CHECKING:
    from collections.abc import Iterator

    from llm_proxy.services.findings import Finding
    from llm_proxy.services.lint.lexer import SqlStatement
    from llm_proxy.services.lint.source import Source, Unit

_DDL = {"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"}
# Statements PostgreSQL refuses inside a transaction block; the second set is PostgreSQL-only
# syntax, so it is checked when the dialect is unknown too.
_PG_ONLY_OUTSIDE = {("ALTER", "SYSTEM")}
_PG_OUTSIDE = {("CREATE", "DATABASE"), ("DROP", "DATABASE"), ("CREATE", "TABLESPACE"), ("DROP", "TABLESPACE")}


def check(source: Source) -> Iterator[Finding]:
    """All transaction lints of one file."""
    in_transaction = source.parsed.use_transaction
    postgres_like = source.dialect in (None, "postgres")
    for unit, statement in source.sql():
        words = statement.words
        if in_transaction:
            control = _transaction_control(words)
            if control:
                yield rules.TRANSACTION_CONTROL.finding(
                    source.path, unit.line_of(statement.code[0]),
                    f"{control} inside a migration that already runs in a transaction",
                    direction=unit.direction,
                )
        if postgres_like and _concurrently(words):
            yield from _outside_transaction(source, unit, statement, rules.CONCURRENTLY, f"{words[0]} ... CONCURRENTLY")
        elif _refused_in_transaction(words, source.dialect):
            yield from _outside_transaction(source, unit, statement, rules.NOT_IN_TRANSACTION, " ".join(words[:2]))
    if source.dialect == "mysql" and in_transaction:
        for direction in Direction:
            yield from _implicit_commits(source, direction)


def _transaction_control(words: list[str]) -> str:
    first = words[0]
    if first in ("BEGIN", "COMMIT", "ABORT") or (first == "ROLLBACK" and "TO" not in words[1:3]):
        return first
    if first == "START" and words[1:2] == ["TRANSACTION"]:
        return "START TRANSACTION"
    if first == "END" and len(words) <= 2:
        return "END"
    return ""


def _concurrently(words: list[str]) -> bool:
    head = words[:6]
    if "CONCURRENTLY" not in head:
        return False
    return words[0] == "REINDEX" or (words[0] in ("CREATE", "DROP") and "INDEX" in head[:3])


def _refused_in_transaction(words: list[str], dialect: str | None) -> bool:
    if words[0] == "VACUUM":
        return dialect != "mysql"
    pair = (words[0], words[1] if len(words) > 1 else "")
    if pair in _PG_ONLY_OUTSIDE:
        return dialect in (None, "postgres")
    return pair in _PG_OUTSIDE and dialect == "postgres"


def _outside_transaction(
    source: Source, unit: Unit, statement: SqlStatement, rule: rules.Rule, what: str
) -> Iterator[Finding]:
    line = unit.line_of(statement.code[0])
    if source.parsed.use_transaction:
        yield rule.finding(
            source.path, line, f"{what} cannot run inside a transaction block, and this migration runs in one",
            direction=unit.direction,
        )
    elif source.dialect != "sqlite" and sum(1 for s in unit.statements if s.code) > 1:
        yield rule.finding(
            source.path, line,
            f"{what} shares its execution unit with other statements; PostgreSQL runs such a "
            "unit as one transaction",
            direction=unit.direction,
            hint="give the statement a line of its own outside any StatementBegin block",
        )


def _implicit_commits(source: Source, direction: Direction) -> Iterator[Finding]:
    statements = [(u, s) for u in source.units[direction] for s in u.statements if s.code]
    ddl = next(((u, s) for u, s in statements if s.words[0] in _DDL), None)
    if ddl is None or len(statements) < 2:
        return
    unit, statement = ddl
    yield rules.MYSQL_IMPLICIT_COMMIT.finding(
        source.path, unit.line_of(statement.code[0]),
        f"this {direction.value} section has {len(statements)} statements and MySQL commits each "
        "DDL statement at once: if a later one fails, the earlier ones stay applied and the "
        "migration is not recorded",
        direction=direction,
    )
