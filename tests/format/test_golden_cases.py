"""Parser goldens: every folder under ``cases/`` is one migration file and what goose makes of it.

A case folder holds:

- ``input.sql``: the file, byte for byte (CRLF, missing final newline and odd whitespace are
  part of some cases);
- ``up.json`` / ``down.json``: the statements of that direction, in order, exactly as they are
  sent to the database; or ``up.error.json`` / ``down.error.json``: ``{"line": N}`` when goose
  rejects that direction (``null`` when the problem is the file as a whole);
- ``case.json``: the spec section, what the case is about, and optionally ``use_transaction``,
  ``environ`` (the variables ENVSUB sees; an empty environment otherwise) and ``xfail`` (a
  known disagreement between the parser and the spec, with the reason).

Each case is run through ``parse_file`` and through ``parse_lines`` (lines split on ``\\n``
only, as goose's scanner does).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.goose_text import split_goose

from llm_proxy.errors import ParseError
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file, parse_lines

CASES = Path(__file__).parent / "cases"


def load(folder: Path) -> dict:
    meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    expected = {}
    for direction in ("up", "down"):
        ok = folder / f"{direction}.json"
        bad = folder / f"{direction}.error.json"
        assert ok.exists() != bad.exists(), f"{folder.name}: exactly one of {ok.name} / {bad.name}"
        if ok.exists():
            expected[direction] = json.loads(ok.read_text(encoding="utf-8"))
        else:
            expected[direction] = ParseErrorAt(json.loads(bad.read_text(encoding="utf-8"))["line"])
    meta["expected"] = expected
    return meta


class ParseErrorAt:
    def __init__(self, line: int | None) -> None:
        self.line = line

    def __repr__(self) -> str:
        return f"<ParseError at line {self.line}>"


def case_params() -> list:
    params = []
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
        marks = []
        if meta.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=meta["xfail"]))
        params.append(pytest.param(folder, id=folder.name, marks=marks))
    return params


def outcome(parsed, direction: Direction):
    error = parsed.up_error if direction is Direction.UP else parsed.down_error
    if error is not None:
        return ParseErrorAt(error.line)
    return [s.text for s in (parsed.up if direction is Direction.UP else parsed.down)]


def comparable(value):
    return ("error", value.line) if isinstance(value, ParseErrorAt) else ("ok", value)


def check(parsed, meta: dict, path: Path | None) -> None:
    expected = meta["expected"]
    got = {d.value: outcome(parsed, d) for d in Direction}
    assert {k: comparable(v) for k, v in got.items()} == {
        k: comparable(v) for k, v in expected.items()
    }, f"{meta['spec']} {meta['about']}"
    for direction in Direction:
        error = parsed.up_error if direction is Direction.UP else parsed.down_error
        if error is None:
            continue
        assert isinstance(error, ParseError)
        assert error.problem
        if path is not None:
            assert error.path == path
        with pytest.raises(ParseError):
            parsed.statements(direction)
    if any(isinstance(v, ParseErrorAt) for v in expected.values()):
        assert parsed.errors
    else:
        assert parsed.errors == []
        assert [s.text for s in parsed.statements(Direction.UP)] == expected["up"]
        assert [s.text for s in parsed.statements(Direction.DOWN)] == expected["down"]
    if "use_transaction" in meta and not all(isinstance(v, ParseErrorAt) for v in expected.values()):
        assert parsed.use_transaction is meta["use_transaction"]


@pytest.mark.parametrize("folder", case_params())
def test_parse_file(folder: Path) -> None:
    meta = load(folder)
    path = folder / "input.sql"
    check(parse_file(path, environ=meta.get("environ", {})), meta, path)


@pytest.mark.parametrize("folder", case_params())
def test_parse_lines(folder: Path) -> None:
    meta = load(folder)
    lines = split_goose((folder / "input.sql").read_bytes().decode("utf-8"))
    check(parse_lines(lines, environ=meta.get("environ", {})), meta, None)


def test_every_spec_area_has_cases() -> None:
    sections = {json.loads((f / "case.json").read_text(encoding="utf-8"))["spec"] for f in CASES.iterdir()}
    assert {"§2", "§2.1", "§2.2", "§2.3", "§2.4", "§2.5", "§2.6"} <= sections
