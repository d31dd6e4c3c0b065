"""What a test does when a server it needs is missing: skip on a developer machine, fail in CI.

With ``CI=true`` a green run must mean that every database test really ran, so a server
that cannot be reached (or, for the replication tests, started) is a failure there.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(server: str, exc: Exception) -> NoReturn:
    """Skip the test (fail it in CI) because ``server`` is not there; ``exc`` says why."""
    message = f"{server} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: database tests must run, start the server)")
    pytest.skip(message)
