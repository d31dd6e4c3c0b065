"""src/llm_proxy type-checks under the [tool.mypy] settings in pyproject.toml.

The suite runs mypy itself so that a type error fails CI like any other broken promise,
against the same installed alembic, SQLAlchemy and typer the other tests run on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors_in_the_package() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "src/llm_proxy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"
