"""``--sql`` mode: the SQL a run would send, as a script for the database's own shell.

goose's table and its version-0 row when the script starts from nothing, then per migration
``BEGIN;``, its statements, goose's INSERT/DELETE and ``COMMIT;`` (NO TRANSACTION
migrations run outside a transaction, their row after them). Scripts apply with
``psql -v ON_ERROR_STOP=1``, the ``sqlite3`` shell and the ``mysql`` client.

Statements are written as parsed; one whose last line does not end the statement for a
shell (a StatementBegin block without a final ``;``) gets a ``;`` on a line of its own. The
``mysql`` client cuts input at every ``;``, so a MySQL unit with inner semicolons (a stored
procedure) is wrapped in ``DELIMITER``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.format.grammar import Direction, ends_with_semicolon

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from llm_proxy.env.context import GooseMigrationContext
    from llm_proxy.env.scripts import GooseUnit
    from llm_proxy.services.results import PlannedStep

_MYSQL_DELIMITERS = ("//", "$$", "@@", ";;")


def emit(context: GooseMigrationContext, steps: Sequence[PlannedStep], units: Mapping[int, GooseUnit]) -> None:
    """Write the script of ``steps`` to the context's output buffer."""
    out = context.impl.static_output
    table = context.goose_table
    if steps and not context.get_current_heads() and steps[0].direction is Direction.UP:
        out(f"-- goose version table {table.name}")
        _transaction(out, [table.create() + ";", table.insert(0) + ";"])
    for step in steps:
        out(f"-- {step}")
        record = context.record_sql(step) + ";"
        unit = units.get(step.version)
        if unit is None:
            _transaction(out, [record])
            continue
        statements = [terminated(s.text, table.dialect) for s in unit.statements(step.direction) if s.text]
        if unit.parsed.use_transaction:
            _transaction(out, [*statements, record])
        else:
            for text in [*statements, record]:
                out(text)


def terminated(sql: str, dialect: str) -> str:
    """``sql`` as a shell must see it to run it as one unit."""
    body = sql if ends_with_semicolon(sql.rsplit("\n", 1)[-1]) else sql + "\n;"
    if dialect == "mysql" and ";" in body.rstrip().rstrip(";"):
        delimiter = next(d for d in _MYSQL_DELIMITERS if d not in body)
        return f"DELIMITER {delimiter}\n{body}\n{delimiter}\nDELIMITER ;"
    return body


def _transaction(out: Callable[[str], None], texts: Sequence[str]) -> None:
    out("BEGIN;")
    for text in texts:
        out(text)
    out("COMMIT;")
