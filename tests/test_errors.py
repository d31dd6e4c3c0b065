"""Every error a user can act on is a MigrationError defined in llm_proxy.errors.

The command line reports exactly the MigrationErrors as messages (anything else is a
traceback), so an error class outside that hierarchy is a bug. Code written against the
modules that defined these classes before keeps importing them from there.
"""

from __future__ import annotations

import importlib

import pytest

from llm_proxy import errors

FORMER_HOMES = [
    ("llm_proxy.selection", "DatabaseSelectionError", errors.DatabaseSelectionError),
    ("llm_proxy.env.locks", "LockTimeout", errors.LockTimeoutError),
    ("llm_proxy.env.commands", "AlembicCommandError", errors.AlembicCommandError),
    ("llm_proxy.database", "StartupError", errors.StartupError),
    ("llm_proxy.services.history", "HistoryError", errors.HistoryError),
    ("llm_proxy.config_file", "ConfigError", errors.ConfigError),
]


@pytest.mark.parametrize(("module", "name", "error"), FORMER_HOMES, ids=[name for _, name, _ in FORMER_HOMES])
def test_moved_errors_are_migration_errors_still_importable_from_their_old_module(
    module: str, name: str, error: type[Exception]
) -> None:
    assert error.__module__ == "llm_proxy.errors"
    assert issubclass(error, errors.MigrationError)
    assert getattr(importlib.import_module(module), name) is error
