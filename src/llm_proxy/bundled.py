"""Where the application's own migrations live: one folder per dialect, inside the package.

They ship in the wheel because the server migrates itself at start-up, wherever it is
installed.
"""

from __future__ import annotations

from pathlib import Path

from llm_proxy.dialects import DIALECTS
from llm_proxy.errors import OptionError



def bundled_migrations(dialect: str = "sqlite") -> Path:
    """The bundled migrations folder for ``dialect`` (``sqlite``, ``postgres`` or ``mysql``)."""
    if dialect not in DIALECTS:
        raise OptionError(f"no bundled migrations for {dialect!r}; expected one of {', '.join(DIALECTS)}")
    return Path(__file__).resolve().parent / "versions_sql" / dialect
