"""Fixtures for command-line tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.migrations import GOOD, write_migrations

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A migrations folder holding :data:`~support.migrations.GOOD` as ``00001_create_t.sql``."""
    return write_migrations(tmp_path, {"00001_create_t.sql": GOOD})


@pytest.fixture
def db_args(database_url: str) -> tuple[str, str]:
    """``--database-url URL`` of a scratch database, once per dialect."""
    return ("--database-url", database_url)
