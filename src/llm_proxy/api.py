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
"""

from __future__ import annotations

from llm_proxy.errors import MigrationError, PartialMigrationError
from llm_proxy.goose.results import MigrationResult, PlannedStep, Status, StatusRow
from llm_proxy.services.runner import Migrator

__all__ = [
    "MigrationError",
    "MigrationResult",
    "Migrator",
    "PartialMigrationError",
    "PlannedStep",
    "Status",
    "StatusRow",
]
