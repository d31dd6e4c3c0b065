"""Every error a user can act on is a MigrationError defined in llm_proxy.errors.

The command line reports exactly the MigrationErrors as messages (anything else is a
traceback), so an error class outside that hierarchy is a bug. Code written against the
modules that defined these classes before keeps importing them from there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from llm_proxy import errors
from llm_proxy.bundled import bundled_migrations
from llm_proxy.dialects import dialect_name
from llm_proxy.errors import MigrationFailed, StatementRef
from llm_proxy.env.locks import LockOptions
from llm_proxy.services.validate import ValidateOptions

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


@pytest.mark.parametrize(
    "bad_option",
    [
        lambda: ValidateOptions(dialect="oracle"),
        lambda: ValidateOptions(database_url="postgresql://h/db"),
        lambda: bundled_migrations("oracle"),
        lambda: dialect_name("mssql"),
        lambda: LockOptions(timeout=-1),
    ],
    ids=["validate-dialect", "validate-url-without-roundtrip", "bundled", "dialect", "lock-timeout"],
)
def test_option_errors_are_migration_errors_and_value_errors(bad_option: Callable[[], object]) -> None:
    with pytest.raises(errors.OptionError) as caught:
        bad_option()
    assert isinstance(caught.value, errors.MigrationError) and isinstance(caught.value, ValueError)


def test_a_failure_that_kept_many_statements_lists_ten_lines_of_them() -> None:
    kept = tuple(StatementRef(line, f"INSERT INTO t VALUES ({line});") for line in range(2, 200_002))
    failure = MigrationFailed(
        path=Path("00002_fill.sql"),
        direction="up",
        statement=StatementRef(200_002, "INSERT INTO nowhere VALUES (1);"),
        database_message="(1146) Table 'nowhere' doesn't exist",
        kept=kept,
        kept_reason="MySQL commits DDL statements implicitly, and with each one what ran before it",
    )
    message = str(failure).splitlines()
    assert message[4:14] == [*(f"    line {n}: INSERT INTO t VALUES ({n});" for n in range(2, 11)),
                             "    ... 199991 more, the last of them line 200001: INSERT INTO t VALUES (200001);"]
    assert len(message) == 15 and failure.kept == kept
