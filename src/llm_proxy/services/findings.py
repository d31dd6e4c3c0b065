"""A problem found in a migrations folder, as data: what, where, how bad, how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.format.direction import Direction

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where it is, what it is, how to fix it.

    ``code`` is a stable id: a lint id such as ``LP101``, or the name of a check
    (``parse``, ``source``, ``empty``).
    """

    code: str
    message: str
    file: Path | None = None
    line: int | None = None
    hint: str | None = None
    severity: Severity = "error"
    direction: Direction | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file is not None else "<folder>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.severity} {self.code}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        """The finding for JSON; ``id`` and ``code`` carry the same value."""
        return {
            "severity": self.severity,
            "id": self.code,
            "code": self.code,
            "file": str(self.file) if self.file is not None else None,
            "line": self.line,
            "direction": self.direction.value if self.direction else None,
            "message": self.message,
            "hint": self.hint,
        }
