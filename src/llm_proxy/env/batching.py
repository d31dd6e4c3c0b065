"""A transactional migration's execution units in batches: one query for many units.

Sending every unit with its own driver call costs one round trip per unit; 200,000
single-row INSERTs wait for the network 200,000 times. A batch joins consecutive units
into one multi-statement query, each unit made a complete statement, so the server reads
them as it reads them one at a time. Only a unit whose boundaries are certain joins a
batch; any other unit is a batch of its own and runs as written, as it always did:

- PostgreSQL: the unit must leave nothing open (a string, a quoted name, a dollar-quoted
  body, a comment), else the next unit would continue it and a migration that fails on
  goose (a function body cut at a ``;`` without StatementBegin) would pass here. A string
  holding a backslash stays alone: how it reads depends on
  ``standard_conforming_strings``. A statement that controls the transaction (BEGIN,
  COMMIT, SAVEPOINT, SET TRANSACTION ...) stays alone, because a batch runs inside a
  savepoint, which the runner rolls back to when it looks for the failing unit.
- MySQL: the failing unit is found by counting the result sets that came back, so the
  number of statements the server sees in each unit must be exact: no ``;`` inside a
  string or a comment, no compound statement (``BEGIN ... END``, ``IF ... END IF``: their
  inner ``;`` do not end them), no executable comment (``/*! */``), no backslash in a
  string (``NO_BACKSLASH_ESCAPES`` changes what it means).
- SQLite: sqlite3 runs several statements only through ``executescript()``, which first
  commits whatever transaction is open. At the start of a migration's own transaction
  (nothing has run in it yet) that commit is empty, so the leading units of the direction
  make one script that opens a transaction of its own; the units after the first one that
  cannot join it run alone, with ``execute()``, which commits nothing. A unit joins when
  :func:`sqlite3.complete_statement` says it ends with nothing open, and no statement of
  it controls the transaction.

NO TRANSACTION migrations are never batched: each statement commits on its own, and a
failure must list exactly what stayed applied.
"""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from itertools import accumulate, groupby
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_proxy.env.offline import terminated

from llm_proxy.format.statements import Statements

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from llm_proxy.format.statements import Statement

SAVEPOINT = "llm_proxy_batch"
"""The savepoint a PostgreSQL or SQLite batch runs in, for the runner to roll back to when
the batch fails and it looks for the failing unit."""

MAX_BATCH_BYTES = 1_000_000
MAX_BATCH_UNITS = 10_000
"""Bounds of one batch. On W2 (200,000 single-row INSERTs, 22 MB; PostgreSQL 15 and
MariaDB 10.11 on the same host) any bound from 100 KB or 1,000 units up runs within a few
percent of the others: the round trips are gone. Both stay far below MySQL's
``max_allowed_packet`` (16 MB by default on MariaDB)."""

POSTGRES_BATCHES = 64
"""On PostgreSQL a batch is a subtransaction, and a transaction with more than 64 of them
slows every other session's snapshots until it ends (the backend's subtransaction cache
overflows into pg_subtrans). A migration that would make more batches gets its bounds
doubled until it makes at most 64. (A unit that must run alone splits the batch it sits
in: the joinable units on either side of it are a batch each.)"""

_ANY = r"\x80-\U0010FFFF"  # PostgreSQL takes every non-ASCII character as a letter
_PG_TAG = rf"(?:[A-Za-z_{_ANY}][A-Za-z0-9_{_ANY}]*+)?"
_WORD_CHAR = rf"A-Za-z0-9_${_ANY}"  # in a name, on both servers
# A statement that controls the transaction, after spaces and comments.
_BEFORE_KEYWORD = r"\s*+(?:(?:--[^\n]*+|/\*.*?\*/)\s*+)*+"  # spaces and comments
_PG_CONTROL = rf"""{_BEFORE_KEYWORD}
    (?i:BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION
       |SET\s+(?:SESSION\s+|LOCAL\s+)?(?:TRANSACTION|CHARACTERISTICS))\b"""
# Units joined by NUL (which no query may hold), each leaving nothing open, with only
# plain strings, quoted names and -- comments, and no statement (a unit's first, or one
# after a ";") that controls the transaction. One match checks a whole batch of the
# common case. ('a''b' reads as two adjacent strings, which leaves as much open.)
_PG_PLAIN_UNITS = re.compile(
    rf"""(?!{_PG_CONTROL})(?:
        [^'"$/\\;\x00-]++
      | '[^'\\\x00]*+'
      | "[^"\x00]*+"
      | --[^\n\x00]*+
      | [;\x00](?!{_PG_CONTROL})
      | -(?!-)
      | /(?!\*)
    )*+""",
    re.VERBOSE | re.DOTALL,
)
# One unit that leaves nothing open: every string, quoted name, dollar-quoted body and
# comment that starts in it ends in it. What is unsure fails the match (a nested
# /* comment */, a backslash outside an E'' string), and the unit runs alone.
_PG_CLOSED = rf"""(?:
        [^'"$/-]++
      | '[^'\\]*+'
      | (?<=[eE])(?<![{_WORD_CHAR}][eE])'(?:[^'\\]|\\.)*+'
      | "[^"]*+"
      | --[^\n]*+
      | /\*(?:[^*/]|\*(?!/)|/(?!\*))*+\*/
      | (?<![{_WORD_CHAR}])\$(?P<tag>{_PG_TAG})\$.*?\$(?P=tag)\$
      | (?<=[{_WORD_CHAR}])\$
      | \$(?!{_PG_TAG}\$)
      | -(?!-)
      | /(?!\*)
    )*+"""
_PG_CONTROLS_TRANSACTION = re.compile(rf"(?:\A|;){_PG_CONTROL}", re.VERBOSE | re.DOTALL)

_MY_COMMENT = r"(?:\#|--(?=[\s\x00-\x1f]))"
_MY_NO_EMPTY_STATEMENT = rf"(?!(?:\s++|{_MY_COMMENT}[^\n;\x00]*+)*+;)"
# Units joined by NUL with only strings, quoted names, # and -- comments, none holding a
# ";" or a backslash, and no empty statement: every ";" ends a statement. One match
# checks a whole batch of the common case (compound statements are looked for apart).
_MY_PLAIN_UNITS = re.compile(
    rf"""{_MY_NO_EMPTY_STATEMENT}(?:
        [^'"`\#/\\;\x00-]++
      | '[^'\\;\x00]*+'
      | "[^"\\;\x00]*+"
      | `[^`;\x00]*+`
      | {_MY_COMMENT}[^\n;\x00]*+
      | -(?!-[\s\x00-\x1f])
      | /(?!\*)
      | [;\x00]{_MY_NO_EMPTY_STATEMENT}
    )*+""",
    re.VERBOSE,
)
_MY_SPACE = rf"(?:\s++|{_MY_COMMENT}[^\n;]*+|/\*(?![!M])(?:[^;*]|\*(?!/))*+\*/)"
_MY_TOKEN = rf"""(?:
    '(?:[^';\\]|'')*+'
  | "(?:[^";\\]|"")*+"
  | `(?:[^`;]|``)*+`
  | (?!(?i:begin|end)\b)[{_WORD_CHAR}]++
  | [^\s;'"`\#/\-{_WORD_CHAR}]
  | -(?!-[\s\x00-\x1f])
  | /(?!\*)
)"""
_MY_STATEMENT = rf"{_MY_SPACE}*+{_MY_TOKEN}(?:{_MY_SPACE}|{_MY_TOKEN})*+"
# One unit whose statements the server counts as we do: each ended by a ";" that no
# string or comment holds, then perhaps one without its ";" (the end of a StatementBegin
# block), then spaces and comments; no BEGIN or END outside strings, no /*! */.
_MY_COUNTABLE = rf"(?:{_MY_STATEMENT};)*+(?P<tail>{_MY_STATEMENT})?{_MY_SPACE}*+"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """The patterns only units that are not plain need, compiled on first use:
    _PG_CLOSED and _MY_COUNTABLE take about 20 ms each to compile, which every run, on
    every dialect, would otherwise pay at import."""
    return re.compile(pattern, re.VERBOSE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive units of one direction; several run as the one query ``sql``.

    ``sql`` holds each non-empty unit made a complete statement, one per line (empty for
    a unit that runs alone, as written); on PostgreSQL and SQLite it runs them inside the
    savepoint :data:`SAVEPOINT`, and SQLite's first opens the transaction it runs in. ``ends[i]`` counts the statements the server
    sees in units ``0..i``, for a runner that tells the failing unit by counting (MySQL).
    """

    units: Sequence[Statement]
    sql: str = ""
    ends: Sequence[int] = ()

    @classmethod
    def alone(cls, unit: Statement) -> Batch:
        return cls([unit])


def batches(statements: Sequence[Statement], dialect: str, *, transactional: bool) -> Iterator[Batch]:
    """``statements`` in order, in batches; every unit alone where batching cannot apply.

    ``transactional``: the units run in a transaction of the migration's own, which
    nothing has used yet (on SQLite, the first batch's script commits it).
    """
    if not transactional:
        yield from map(Batch.alone, statements)
        return
    units = statements if isinstance(statements, Statements) else Statements(statements)
    if dialect == "sqlite":
        yield from _sqlite(units)
    else:
        groups = _groups(units, dialect)
        made = (batch for group in groups for batch in _JOINERS[dialect](group))
        yield from _made_ahead(made) if len(groups) > 1 else made


def _groups(units: Statements, dialect: str) -> list[Statements]:
    """``units`` cut within the batch bounds (on PostgreSQL, see :data:`POSTGRES_BATCHES`);
    cutting is cheap (no text is read), so it is done again with larger bounds if need be."""
    max_chars, max_units = MAX_BATCH_BYTES, MAX_BATCH_UNITS
    groups = list(units.spans(max_chars, max_units))
    while dialect == "postgres" and len(groups) > POSTGRES_BATCHES:
        max_chars, max_units = 2 * max_chars, 2 * max_units
        groups = list(units.spans(max_chars, max_units))
    return groups


def _made_ahead(made: Iterator[Batch]) -> Iterator[Batch]:
    """``made``, each batch made in a worker thread while the caller runs the one before.

    A server runs a batch in about ten times what making it costs (W2 on PostgreSQL: 2.9 s
    against 0.3 s), and the caller waits for it with the GIL released, so the making costs
    no time. Making only reads the parsed statements; the connection stays with the caller.
    When the caller stops early (a batch failed), the batch being made is finished first.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-proxy-batches") as worker:
        coming = worker.submit(next, made, None)
        while (batch := coming.result()) is not None:
            coming = worker.submit(next, made, None)
            yield batch


def _postgres(group: Statements) -> Iterator[Batch]:
    texts = list(group.texts())
    if _PG_PLAIN_UNITS.fullmatch("\x00".join(texts)):
        yield Batch(group, _postgres_sql(texts))
        return
    yield from _runs(group, _postgres_joinable, lambda run: Batch(run, _postgres_sql(unit.text for unit in run)))


def _postgres_joinable(sql: str) -> bool:
    return _compiled(_PG_CLOSED).fullmatch(sql) is not None and _PG_CONTROLS_TRANSACTION.search(sql) is None


def _postgres_sql(texts: Iterable[str]) -> str:
    return _in_savepoint(_lines([_complete(text, "postgres") for text in texts if text]))


def _in_savepoint(parts: Iterable[str], *, begin: bool = False) -> str:
    """The statements of ``parts`` (pieces that each end with a newline) inside the batch's
    savepoint; with ``begin``, in a transaction the script opens itself (SQLite's).

    The script grows by ``+=``, which CPython does in place while the string has no other
    reference (a large one grows by ``mremap``, not by copying): SQLite's script of a data
    migration is the one copy of its statements, where a join would first hold every piece
    as well (on W2, 23 MB more at its peak).
    """
    script = ("BEGIN;\n" if begin else "") + f"SAVEPOINT {SAVEPOINT};\n"
    for part in parts:
        script += part
    script += f"RELEASE SAVEPOINT {SAVEPOINT};"
    return script


def _lines(pieces: list[str]) -> list[str]:
    """``pieces`` one per line, as parts for :func:`_in_savepoint`."""
    return ["\n".join(pieces), "\n"] if pieces else []


def _complete(sql: str, dialect: str) -> str:
    """:func:`terminated`, without its line-by-line look where ``sql`` plainly ends."""
    return sql if sql.endswith(";") and "--" not in sql else terminated(sql, dialect)


def _sqlite(units: Statements) -> Iterator[Batch]:
    """The leading units that may join one script, as one batch; then the others alone.

    Unbounded: a second script would commit the first one's work. When every unit is a
    complete statement as written (the usual case), the script is made of the parsed
    texts' own chunks: the only copy of a data migration's statements it makes is itself.
    """
    count = 0
    as_written = True
    for text in units.texts():
        if text:
            piece = _complete(text, "sqlite")
            if not _sqlite_joinable(text, piece):
                break
            as_written = as_written and piece is text
        count += 1
    if count > 1:
        script = units[:count]
        parts = script.script_parts() if as_written else _lines([_complete(text, "sqlite") for text in script.texts() if text])
        yield Batch(script, _in_savepoint(parts, begin=True))
    else:
        count = 0
    yield from map(Batch.alone, units[count:])


_SQLITE_CONTROL = re.compile(rf"{_BEFORE_KEYWORD}(?i:BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.DOTALL)


def _sqlite_joinable(sql: str, completed: str) -> bool:
    """True when ``sql`` (made a complete statement: ``completed``) leaves nothing open and
    none of its statements controls the transaction (a trigger's inner ``END;`` is part of
    its CREATE TRIGGER)."""
    if not sqlite3.complete_statement(completed):
        return False
    if sql.count(";") <= 1:
        return _SQLITE_CONTROL.match(sql) is None
    return not any(_SQLITE_CONTROL.match(piece) for piece in complete_statements(sql))


def complete_statements(sql: str) -> list[str]:
    """``sql`` cut where :func:`sqlite3.complete_statement` sees a statement end, as SQLite's
    shell cuts its input (a trigger body's inner ``;`` does not end the trigger)."""
    pieces = []
    start = 0
    end = sql.find(";")
    while end >= 0:
        if sqlite3.complete_statement(sql[start : end + 1]):
            pieces.append(sql[start : end + 1])
            start = end + 1
        end = sql.find(";", end + 1)
    rest = sql[start:]
    if rest.strip():
        pieces.append(rest)
    return pieces


def _mysql(group: Statements) -> Iterator[Batch]:
    texts = list(group.texts())
    joined = "\x00".join(texts)
    if all(not text or text.endswith(";") for text in texts) and _MY_PLAIN_UNITS.fullmatch(joined):
        upper = joined.upper()
        if "BEGIN" not in upper and "END" not in upper:
            yield _mysql_batch(group, [(text, text.count(";")) for text in texts])
            return
    yield from _runs(group, _mysql_countable, lambda run: _mysql_batch(run, [_mysql_piece(unit.text) for unit in run]))


def _mysql_countable(sql: str) -> bool:
    return _compiled(_MY_COUNTABLE).fullmatch(sql) is not None


def _mysql_piece(sql: str) -> tuple[str, int]:
    """A countable unit as a batch holds it, and the number of statements it holds."""
    match = _compiled(_MY_COUNTABLE).fullmatch(sql)
    assert match is not None
    if match["tail"] is None:
        return sql, sql.count(";")
    return sql + "\n;", sql.count(";") + 1


def _mysql_batch(units: Sequence[Statement], pieces: Sequence[tuple[str, int]]) -> Batch:
    ends = list(accumulate(count for _, count in pieces))
    return Batch(units, "\n".join(piece for piece, _ in pieces if piece), ends)


def _runs(group: Sequence[Statement], joinable: Callable[[str], bool], batch: Callable[[list[Statement]], Batch]) -> Iterator[Batch]:
    """``group`` cut into batches of consecutive units that may join one, and units alone
    between them (the empty unit always joins: it adds nothing)."""
    for joins, run in groupby(group, key=lambda unit: not unit.text or joinable(unit.text)):
        units = list(run)
        if joins and len(units) > 1:
            yield batch(units)
        else:
            yield from map(Batch.alone, units)


_JOINERS: dict[str, Callable[[Statements], Iterator[Batch]]] = {"postgres": _postgres, "mysql": _mysql}
