"""The ``llm-proxy`` command line: a thin layer over the library.

Commands map options onto one library call and render its result; no SQL and no migration
logic live here. ``migrate status`` and ``migrate version`` are answered before typer is
imported (:mod:`llm_proxy.cli.quick`); everything else goes to the typer application,
``llm_proxy.cli.app`` (built on first use).
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    """Console-script entry point."""
    from llm_proxy.cli.quick import answer

    code = answer(sys.argv[1:])
    if code is not None:
        raise SystemExit(code)
    from llm_proxy.cli.application import app

    app()


def __getattr__(name: str) -> Any:
    """``llm_proxy.cli.app``: the typer application, imported only when asked for."""
    if name == "app":
        from llm_proxy.cli.application import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
