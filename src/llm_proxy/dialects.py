"""The three databases, each by one name: ``sqlite``, ``postgres`` and ``mysql`` (MariaDB too).

goose calls them so (its ``-dialect`` names), the bundled migrations' folders are named so,
and every part of this project says them the same way; SQLAlchemy's names (``postgresql``,
``mariadb``) are translated here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from llm_proxy.errors import OptionError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect as SQLAlchemyDialect, Engine

Dialect = Literal["sqlite", "postgres", "mysql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres", "mysql")

_FROM_SQLALCHEMY: dict[str, Dialect] = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


def dialect_name(sqlalchemy_name: str) -> Dialect:
    """Our name for a SQLAlchemy dialect name (``postgresql`` is ``postgres``)."""
    try:
        return _FROM_SQLALCHEMY[sqlalchemy_name]
    except KeyError:
        raise OptionError(f"unsupported database {sqlalchemy_name!r}; expected one of {', '.join(DIALECTS)}") from None


def dialect_of(bind: Connection | Engine | SQLAlchemyDialect | object) -> Dialect:
    """Our name for the dialect of a SQLAlchemy connection, engine, dialect or migration context."""
    dialect = getattr(bind, "dialect", bind)
    return dialect_name(dialect.name)  # type: ignore[attr-defined]
