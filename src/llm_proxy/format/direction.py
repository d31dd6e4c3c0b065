"""Which way a migration runs: goose's Up and Down sections.

A module of its own, so that what only needs the word (plans, results, status) does not
load the grammar and its patterns.
"""

from __future__ import annotations

import enum


class Direction(enum.Enum):
    UP = "up"
    DOWN = "down"
