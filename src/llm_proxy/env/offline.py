"""``--sql`` mode: the text a run writes instead of executing, for the database's own shell.

Alembic's run loop writes ``BEGIN;``/``COMMIT;`` around each migration (the environment
sets ``transactional_ddl`` so that it does on every dialect) and ``autocommit_block()``
closes and reopens them around a NO TRANSACTION migration. This module supplies goose's
part: the version table and its version-0 row when the script starts from nothing, and
each statement as a shell must see it. Scripts apply with ``psql -v ON_ERROR_STOP=1``, the
``sqlite3`` shell and the ``mysql`` client.

Statements are written as parsed; one whose last line does not end the statement for a
shell (a StatementBegin block without a final ``;``) gets a ``;`` on a line of its own. The
``mysql`` client cuts input at every ``;``, so a MySQL unit with inner semicolons (a stored
procedure) is wrapped in ``DELIMITER``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.format.grammar import ends_with_semicolon

if TYPE_CHECKING:
    from collections.abc import Callable

    from llm_proxy.goose.table import VersionTable

_MYSQL_DELIMITERS = ("//", "$$", "@@", ";;")


def emit_version_table(out: Callable[[str], None], table: VersionTable) -> None:
    """goose's version table and its version-0 row, in one transaction."""
    out(f"-- goose version table {table.name}")
    out("BEGIN;")
    out(table.create() + ";")
    out(table.insert(0) + ";")
    out("COMMIT;")


def terminated(sql: str, dialect: str) -> str:
    """``sql`` as a shell must see it to run it as one unit."""
    body = sql if ends_with_semicolon(sql.rsplit("\n", 1)[-1]) else sql + "\n;"
    if dialect == "mysql" and ";" in body.rstrip().rstrip(";"):
        delimiter = next(d for d in _MYSQL_DELIMITERS if d not in body)
        return f"DELIMITER {delimiter}\n{body}\n{delimiter}\nDELIMITER ;"
    return body
