"""Fixtures for command-line tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_args(database_url: str) -> tuple[str, str]:
    """``--database-url URL`` of a scratch database, once per dialect."""
    return ("--database-url", database_url)
