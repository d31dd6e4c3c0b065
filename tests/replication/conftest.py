"""A real streaming replica for the tests: a primary and its hot standby, started once per session.

Both clusters are the tests' own (see :mod:`support.replica`); each test gets a scratch
database made on the primary, which the standby has replayed before the test starts.
Without PostgreSQL's server binaries the tests skip on a developer machine and fail in CI.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest
from support.replica import ReplicaUnavailable, ReplicatedDatabase, Replication, replication
from support.servers import unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator

# trust authentication ignores it; it is there to prove that no message prints it
PASSWORD = "s3cret-standby"


@pytest.fixture(scope="session")
def streaming() -> Iterator[Replication]:
    """The session's primary and standby (about 2 s to start, 0.4 s to stop and remove)."""
    with ExitStack() as stack:
        started = time.monotonic()
        try:
            clusters = stack.enter_context(replication())
        except ReplicaUnavailable as exc:
            unavailable("a PostgreSQL primary with a streaming standby", exc)
        print(f"primary and standby started in {time.monotonic() - started:.2f} s")
        yield clusters


@pytest.fixture
def pair(streaming: Replication) -> Iterator[ReplicatedDatabase]:
    """A new database on the primary, already replayed by the standby; dropped afterwards."""
    from llm_proxy.selection import from_url
    from llm_proxy.services.roundtrip import scratch_database

    with scratch_database(from_url(streaming.primary_url()), prefix="lp_replica_") as target:
        name = target.url.rpartition("/")[2]
        streaming.wait_for_replay()
        yield ReplicatedDatabase(
            target.url,
            streaming.standby_url(name).replace("postgres@", f"postgres:{PASSWORD}@"),
            streaming,
        )
