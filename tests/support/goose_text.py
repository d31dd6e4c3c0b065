"""Text as goose's line scanner cuts it."""

from __future__ import annotations


def split_goose(text: str) -> list[str]:
    """The lines goose's scanner sees (before dropping one trailing ``\\r`` each): split on
    ``\\n`` only, no line after a final newline."""
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
