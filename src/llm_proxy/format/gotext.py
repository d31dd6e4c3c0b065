"""Go's notion of whitespace and case, which goose's grammar is defined in.

Python's ``str.isspace()``/``str.strip()`` also treat U+001C..U+001F as whitespace and
``str.lower()`` turns U+0130 into two characters; goose (Go's ``unicode`` package) does
neither. Using these helpers keeps our parse identical to goose's on every input.
"""

from __future__ import annotations

import re

GO_WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_WORD = re.compile(f"[^{re.escape(GO_WHITESPACE)}]+")


def go_trim(text: str) -> str:
    """strings.TrimSpace."""
    return text.strip(GO_WHITESPACE)


def go_fields(text: str) -> list[str]:
    """strings.Fields / bufio.ScanWords: the whitespace-separated words."""
    return _WORD.findall(text)


def go_lower(text: str) -> str:
    """strings.ToLower (simple case mapping: one character in, one character out)."""
    return text.replace("\u0130", "i").lower()
