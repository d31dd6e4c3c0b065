"""Fixtures for the engine tests: migration folders written on the fly, raw reads of a database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.databases import Probe
from support.migrations import write_migrations

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture
def probe() -> Iterator[Callable[[str], Probe]]:
    """``probe(url)``: a :class:`Probe` of that database, disposed after the test."""
    made: list[Probe] = []

    def make(url: str) -> Probe:
        made.append(Probe(url))
        return made[-1]

    yield make
    for each in made:
        each.engine.dispose()


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[..., Path]:
    """``make_folder({"00001_a.sql": ("up SQL", "down SQL") or full text, ...})``: a folder.

    Calling it again adds files to the same folder.
    """

    def make(files: dict[str, str | tuple[str, str]], name: str = "migrations") -> Path:
        return write_migrations(tmp_path / name, files)

    return make
