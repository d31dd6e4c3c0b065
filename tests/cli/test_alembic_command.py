"""``llm-proxy alembic``: Alembic's commands on the bundled goose files, through the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from support.bundled import assert_schema_at
from support.cli import invoke

if TYPE_CHECKING:
    from pathlib import Path


def test_upgrade_downgrade_current_and_history(database_url: str) -> None:
    url = ("-x", f"url={database_url}")
    upgrade = invoke("alembic", *url, "upgrade", "head")
    assert upgrade.exit_code == 0, upgrade.output
    assert_schema_at(database_url, 6)
    assert invoke("alembic", *url, "downgrade", "-1").exit_code == 0
    assert_schema_at(database_url, 5)
    current = invoke("alembic", *url, "current")
    assert (current.exit_code, current.stdout.split()) == (0, ["5"])
    history = invoke("alembic", *url, "history")
    assert history.stdout.splitlines()[0] == "5 -> 6 (head), widen audit outcome"
    assert invoke("migrate", "version", "--database-url", database_url).stdout == "5\n"


def test_alembic_failures_exit_1_with_a_message(tmp_path: Path) -> None:
    result = invoke("alembic", "-x", f"url=sqlite:///{tmp_path / 'x.db'}", "upgrade", "no-such-revision")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "no-such-revision" in result.stderr
