"""goose's version table on a live connection: does it exist, what does it say, create it.

The SQL text is :mod:`llm_proxy.goose.table`'s; the rules for reading the rows are
:mod:`llm_proxy.goose.state`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.errors import VersionTableError
from llm_proxy.goose.state import GooseState, state_from_rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from llm_proxy.goose.table import VersionTable

_NO_PARAMETERS = {"no_parameters": True}


def table_exists(connection: Connection, table: VersionTable) -> bool:
    return bool(connection.exec_driver_sql(table.exists(), execution_options=_NO_PARAMETERS).scalar())


def read_state(connection: Connection, table: VersionTable) -> GooseState:
    """The version table's state; an absent table reads as "nothing applied"."""
    if not table_exists(connection, table):
        return GooseState.absent()
    from sqlalchemy.exc import DBAPIError

    try:
        rows = connection.exec_driver_sql(table.select(), execution_options=_NO_PARAMETERS).all()
    except DBAPIError as exc:
        # A table of that name that is not goose's (another tool's, another shape): say so,
        # instead of a bare "no such column" that reads like a bug of ours.
        from llm_proxy.env.engine import database_message

        message = database_message(exc).splitlines()[0]
        raise VersionTableError(
            f"{table.name} exists but cannot be read as goose's version table ({message}); "
            "goose's table has the columns id, version_id, is_applied, tstamp. If another tool "
            "owns a table of that name, give llm-proxy a table of its own with --table NAME"
        ) from exc
    return state_from_rows(rows)


def create_table(connection: Connection, table: VersionTable) -> None:
    """Create the table and its version-0 row in one transaction, as goose does.

    The caller's connection must not be inside a transaction; MySQL commits the CREATE
    implicitly, so there the row follows in a transaction of its own.
    """
    with connection.begin():
        connection.exec_driver_sql(table.create(), execution_options=_NO_PARAMETERS)
        connection.exec_driver_sql(table.insert(0), execution_options=_NO_PARAMETERS)
