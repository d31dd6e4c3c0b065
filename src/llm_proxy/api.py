"""Migrate a database from Python: the library under ``llm-proxy migrate``.

    from llm_proxy.api import Migrator

    migrator = Migrator("postgresql://app@db/llm_proxy")      # or a SQLite path
    for result in migrator.up():
        print(result)                                         # OK   00001_initial_schema.sql (3.10ms)

Every command returns data and raises a :class:`~llm_proxy.errors.MigrationError` a person
can act on; nothing is printed. A run that stops at a failing migration raises
:class:`~llm_proxy.errors.PartialMigrationError`: ``applied`` lists what was committed
before it, ``failed`` the step that failed, ``cause`` the error. For start-up, see
:func:`llm_proxy.database.open_database`.

One database per tenant: :func:`read_databases` reads a list file or a glob of SQLite
files, :func:`migrate_each` and :func:`status_each` run ``up`` and ``status`` on each (in
worker processes with ``parallel=N``) and return one outcome per database, failures
included, instead of stopping at the first one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_proxy.env.locks import LockMode
from llm_proxy.errors import MigrationError, PartialMigrationError
from llm_proxy.goose.results import MigrationResult, PlannedStep, Status, StatusRow
from llm_proxy.services.runner import Migrator, MigratorOptions

if TYPE_CHECKING:
    from llm_proxy.services.database_list import read_databases
    from llm_proxy.services.fleet import StatusOutcome, UpOutcome, migrate_each, status_each

# Imported on first use: ``migrate status`` loads this module, and must not pay for them.
_LAZY = {
    "read_databases": "llm_proxy.services.database_list",
    **dict.fromkeys(("StatusOutcome", "UpOutcome", "migrate_each", "status_each"), "llm_proxy.services.fleet"),
}

__all__ = [
    "LockMode",
    "MigrationError",
    "MigrationResult",
    "Migrator",
    "MigratorOptions",
    "PartialMigrationError",
    "PlannedStep",
    "Status",
    "StatusOutcome",
    "StatusRow",
    "UpOutcome",
    "migrate_each",
    "read_databases",
    "status_each",
]


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY`, imported when first asked for."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
