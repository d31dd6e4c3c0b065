"""Go's text forms that goose's output is made of: ``%q`` quoting, ``time.Duration``'s
``String()``, ``strconv.ParseBool``, ``time.ParseDuration`` and the ``log`` package's line.

Scripts match goose's lines byte for byte (``OK   00001_x.sql (12.34ms)``,
``GOOSE_DBSTRING="..."``), so these follow Go's rules rather than Python's look-alikes:
Python's ``repr`` quotes differently and Python has no ``1m30s`` durations.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime

_NANOSECONDS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)")
_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\"}
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def go_quote(text: str) -> str:
    """``strconv.Quote`` (``fmt``'s ``%q``): printable characters as they are, the rest escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.environ's surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char == " " or char.isprintable():
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def parse_bool(text: str) -> bool | None:
    """``strconv.ParseBool``: the value, or None when Go would return an error."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def parse_duration(text: str) -> int | None:
    """``time.ParseDuration`` in nanoseconds (``1h13m``, ``1.5s``, ``-300ms``); None when invalid."""
    body = text
    sign = 1
    if body[:1] in ("-", "+"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        return None
    total = 0
    position = 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None or not (match[1] or match[2]):
            return None
        whole, fraction, unit = match[1] or "0", match[2] or "", match[3]
        scale = _NANOSECONDS[unit]
        total += int(whole) * scale
        if fraction:
            total += int(fraction) * scale // 10 ** len(fraction)
        position = match.end()
    if total > 2**63 - 1:
        return None
    return sign * total


def duration_string(nanoseconds: int) -> str:
    """``time.Duration.String``: ``0s``, ``1.5µs``, ``12.34ms``, ``2.5s``, ``1h2m3.5s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 10**9:
        for unit, scale in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if value < scale * 1000:
                return f"{sign}{_decimal(value, scale)}{unit}"
    hours, rest = divmod(value, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    text = f"{_decimal(rest, 10**9)}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def goose_duration(seconds: float) -> str:
    """How goose prints a migration's duration: ``truncateDuration`` (rounded to a
    hundredth of its largest unit), then ``Duration.String``."""
    nanoseconds = round(seconds * 10**9)
    for unit in (10**9, 10**6, 10**3):
        if nanoseconds > unit:
            step = unit // 100
            nanoseconds = (nanoseconds + step // 2) // step * step
            break
    return duration_string(nanoseconds)


def log_line(message: str, *, now: datetime | None = None) -> None:
    """One line of Go's standard logger (``log.Printf``): local date and time, then the
    message, on stderr, with a newline added unless it already ends with one."""
    moment = now or datetime.now()
    text = message if message.endswith("\n") else message + "\n"
    sys.stderr.write(f"{moment:%Y/%m/%d %H:%M:%S} {text}")
    sys.stderr.flush()


def _decimal(value: int, scale: int) -> str:
    """``value / scale`` with the fraction's trailing zeros dropped, as Go writes it."""
    whole, fraction = divmod(value, scale)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
