"""A PgBouncer in transaction pooling mode in front of each test's scratch PostgreSQL database.

The fixture starts it (``support.pgbouncer``) when nothing listens on its port yet, so
``pytest`` alone works wherever pgbouncer is installed. Outside CI a machine without it
skips these tests; in CI (``CI=true``) they fail, as every database test does.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from support import pgbouncer

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def pgbouncer_url(postgres_url: str) -> str:
    """The scratch database of ``postgres_url``, reached through PgBouncer (transaction pooling)."""
    try:
        pgbouncer.start()
    except (RuntimeError, OSError) as exc:
        message = f"PgBouncer is not available: {exc}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: these tests must run; .ci/run installs and starts it)")
        pytest.skip(message)
    return make_url(postgres_url).set(port=pgbouncer.PORT).render_as_string(hide_password=False)
