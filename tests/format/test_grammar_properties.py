"""Property tests for the goose grammar (spec §2).

(a) Files are built from the grammar together with the statements they must give: every
statement is generated as a group of lines whose boundaries we know, so the expected text is
computed from how the file was built, not by re-running a parser. (b) Arbitrary text and bytes
never make the parser fail with anything but our own ParseError, reported per direction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.goose_text import split_goose

from llm_proxy.errors import ParseError
from llm_proxy.format.gotext import go_trim
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file, parse_lines

ENVIRON = {"LP_A": "alpha", "LP_B": "", "LP_C": "x y"}

# (text while ENVSUB is off, text while ENVSUB is on)
FRAGMENTS = [
    ("SELECT", "SELECT"),
    ("a,", "a,"),
    ("1", "1"),
    ("FROM t", "FROM t"),
    ("'x y'", "'x y'"),
    ("(b)", "(b)"),
    ("'${LP_A}'", "'alpha'"),
    ("$LP_A", "alpha"),
    ("'$LP_B'", "''"),
    ("'${LP_B:-dflt}'", "'dflt'"),
    ("'${LP_UNSET-other}'", "'other'"),
    ("'${LP_C:2}'", "'y'"),
    ("$$body$$", "$body$"),
    ("'\\\\$LP_A'", "'\\\\alpha'"),
    ("'\\$LP_A'", "'$LP_A'"),
    ("'a\\b'", "'a\\b'"),
    ("'100%'", "'100%'"),
    (":name", ":name"),
]
COMMENTS = ["-- note", "--", "-- a comment; with semicolon", "    -- indented", "--x;", "-- +GOOSE Up"]
WHITESPACE = [" ", "\t", "   \t", "\u00a0", "\u3000 ", "\v"]
ANNOTATION_NAMES = {
    "up": "Up",
    "down": "Down",
    "begin": "StatementBegin",
    "end": "StatementEnd",
    "notx": "NO TRANSACTION",
    "on": "ENVSUB ON",
    "off": "ENVSUB OFF",
}
PREFIXES = ["-- +goose ", "--+goose ", "-- +goose   ", "---- +goose ", "--\t+goose\t", "-- +goose", "--  +goose "]
SUFFIXES = ["", "   ", " --", "\t", " ----"]


@dataclass
class Line:
    kind: str  # blank, ws, comment, sql, ann
    off: str
    on: str = ""
    ann: str = ""


@dataclass
class Built:
    lines: list[Line] = field(default_factory=list)
    up: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)
    use_transaction: bool = True
    has_down: bool = False
    down_at: int = -1  # index of the Down annotation line


def annotation(draw, name: str) -> Line:
    text = ANNOTATION_NAMES[name]
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    prefix = draw(st.sampled_from(PREFIXES))
    suffix = draw(st.sampled_from(SUFFIXES))
    return Line("ann", prefix + cased + suffix, ann=name)


def sql_line(draw, *, last: bool, in_block: bool = False) -> Line:
    parts = draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4))
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    off = indent + " ".join(p[0] for p in parts)
    on = indent + " ".join(p[1] for p in parts)
    if last:
        end = draw(st.sampled_from([";", " ;", "; SELECT 2;", ";  ", "; -- done", ";\t-- done;", ";\u3000"]))
        off, on = off + end, on + end
    elif in_block and draw(st.booleans()):
        off, on = off + ";", on + ";"
    return Line("sql", off, on)


def filler(draw, *, allow_ws_then_comment: bool) -> list[Line]:
    """Lines between statements: empty lines, comments, whitespace-only lines."""
    out: list[Line] = []
    seen_ws = False
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["blank", "comment", "ws"]))
        if kind == "comment" and seen_ws and not allow_ws_then_comment:
            kind = "blank"
        if kind == "blank":
            out.append(Line("blank", ""))
        elif kind == "comment":
            out.append(Line("comment", draw(st.sampled_from(COMMENTS))))
        else:
            seen_ws = True
            out.append(Line("ws", draw(st.sampled_from(WHITESPACE))))
    return out


def maybe_file_wide(draw, lines: list[Line], *, envsub: bool) -> list[Line]:
    """Sprinkle NO TRANSACTION (and ENVSUB switches when allowed) between lines."""
    out: list[Line] = []
    for line in lines:
        if draw(st.integers(0, 6)) == 0:
            out.append(annotation(draw, draw(st.sampled_from(["notx", "on", "off"] if envsub else ["notx"]))))
        out.append(line)
    return out


def statement_group(draw, *, block: bool) -> list[Line]:
    lead = maybe_file_wide(draw, filler(draw, allow_ws_then_comment=True), envsub=True)
    body: list[Line] = []
    if block:
        body.append(annotation(draw, "begin"))
        body += filler(draw, allow_ws_then_comment=True)
        count = draw(st.integers(1, 4))
        for i in range(count):
            body.append(sql_line(draw, last=False, in_block=True))
            if i < count - 1 or draw(st.booleans()):
                body += filler(draw, allow_ws_then_comment=True)
        body = maybe_file_wide(draw, body, envsub=False)
        body.append(annotation(draw, "end"))
    else:
        count = draw(st.integers(1, 3))
        for i in range(count - 1):
            body.append(sql_line(draw, last=False))
            body += filler(draw, allow_ws_then_comment=True)
        body.append(sql_line(draw, last=True))
        body = maybe_file_wide(draw, body, envsub=False)
    return lead + body


def expected_text(group: list[Line], envsub_at_start: bool) -> tuple[str, bool]:
    """The statement a group of lines gives, and the ENVSUB switch after it."""
    envsub = envsub_at_start
    buffer: list[str] = []
    for line in group:
        if line.kind == "ann":
            if line.ann in ("on", "off"):
                envsub = line.ann == "on"
            continue
        if not buffer and line.kind in ("blank", "comment"):
            continue
        buffer.append(line.on if (envsub and line.kind == "sql") else line.off)
    return go_trim("\n".join(buffer)), envsub


@st.composite
def goose_files(draw) -> Built:
    built = Built()
    envsub = False

    def add(lines: list[Line]) -> None:
        nonlocal envsub
        for line in lines:
            if line.kind == "ann" and line.ann in ("on", "off"):
                envsub = line.ann == "on"
            if line.ann == "notx":
                built.use_transaction = False
            built.lines.append(line)

    preamble = filler(draw, allow_ws_then_comment=True)
    add(maybe_file_wide(draw, preamble, envsub=True))
    add([annotation(draw, "up")])
    for direction in ("up", "down"):
        if direction == "down":
            if not draw(st.booleans()):
                break
            built.has_down = True
            built.down_at = len(built.lines)
            add([annotation(draw, "down")])
        for _ in range(draw(st.integers(0, 4))):
            group = statement_group(draw, block=draw(st.booleans()))
            text, _ = expected_text(group, envsub)
            add(group)
            (built.up if direction == "up" else built.down).append(text)
        add(maybe_file_wide(draw, filler(draw, allow_ws_then_comment=False), envsub=True))
    return built


def render(lines: list[str], endings: list[str], final_newline: bool) -> str:
    text = "".join(line + end for line, end in zip(lines, endings))
    if not final_newline and text.endswith("\n"):
        text = text[:-1]
        if text.endswith("\r") and endings[-1] == "\r\n":
            text = text[:-1]
    return text


def statements(parsed, direction: Direction) -> list[str]:
    return [s.text for s in parsed.statements(direction)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goose_files(), st.randoms(use_true_random=False), st.booleans())
def test_generated_files_parse_as_built(built: Built, rnd: random.Random, final_newline: bool) -> None:
    raw = [line.off for line in built.lines]
    lf = render(raw, ["\n"] * len(raw), final_newline)
    crlf = render(raw, ["\r\n"] * len(raw), final_newline)
    mixed = render(raw, [rnd.choice(["\n", "\r\n"]) for _ in raw], final_newline)
    for text in (lf, crlf, mixed):
        parsed = parse_lines(split_goose(text), environ=ENVIRON)
        assert parsed.up_error is None, (text, parsed.up_error)
        assert parsed.down_error is None, (text, parsed.down_error)
        assert statements(parsed, Direction.UP) == built.up, text
        assert statements(parsed, Direction.DOWN) == built.down, text
        assert parsed.use_transaction is built.use_transaction


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goose_files())
def test_a_broken_direction_does_not_affect_the_other(built: Built) -> None:
    raw = [line.off for line in built.lines]
    # An unfinished statement at the very end: in the Down section, or in the Up section
    # when there is no Down.
    broken_end = raw + ["SELECT 'never ends'"]
    parsed = parse_lines(broken_end, environ=ENVIRON)
    if built.has_down:
        assert statements(parsed, Direction.UP) == built.up
        assert parsed.down_error is not None
        assert parsed.down_error.line == len(broken_end)
    else:
        assert parsed.up_error is not None
        assert statements(parsed, Direction.DOWN) == []
    if built.has_down:
        # An unfinished statement right before '-- +goose Down' breaks only the up direction.
        broken_up = raw[: built.down_at] + ["SELECT 'never ends'"] + raw[built.down_at :]
        parsed = parse_lines(broken_up, environ=ENVIRON)
        assert parsed.up_error is not None
        assert statements(parsed, Direction.DOWN) == built.down
        # A Down section that is only garbage annotations-free SQL without ';' still leaves up intact.
        only_up = raw[: built.down_at]
        assert statements(parse_lines(only_up, environ=ENVIRON), Direction.UP) == built.up


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goose_files(), st.booleans())
def test_parse_file_agrees_with_parse_lines(tmp_path_factory: pytest.TempPathFactory, built: Built, crlf: bool) -> None:
    raw = [line.off for line in built.lines]
    text = render(raw, ["\r\n" if crlf else "\n"] * len(raw), True)
    path = tmp_path_factory.mktemp("gen") / "00001_generated.sql"
    path.write_bytes(text.encode("utf-8"))
    parsed = parse_file(path, environ=ENVIRON)
    assert statements(parsed, Direction.UP) == built.up
    assert statements(parsed, Direction.DOWN) == built.down
    assert parsed.use_transaction is built.use_transaction


# ---------------------------------------------------------------- (b) robustness

TOKENS = [
    "-- +goose Up", "-- +goose Down", "-- +goose StatementBegin", "-- +goose StatementEnd",
    "-- +goose NO TRANSACTION", "-- +goose ENVSUB ON", "-- +goose ENVSUB OFF", "--+goose up",
    " -- +goose Up", "-- +goose bogus", "-- see +goose", "SELECT 1;", "SELECT 1", "SELECT 1;-- c",
    "END; -- c", "", "  ", "\t", "\r", "-- comment", "/* c */", "$1", "${LP_A", "${LP_A}",
    "${LP_UNSET?x}", "${LP_A:?x}", "$$", "\\$", "${LP_A:-${LP_B}}", "${LP_A: -1:2}", "\x00", "\u2028",
    "\x85", "\x1c", "\ufeff", ";",
]


def check_result(parsed, line_count: int) -> None:
    for direction in Direction:
        error = parsed.up_error if direction is Direction.UP else parsed.down_error
        if error is None:
            assert all(isinstance(s.text, str) for s in parsed.statements(direction))
            assert all(1 <= s.line <= line_count for s in parsed.statements(direction))
            continue
        assert isinstance(error, ParseError)
        assert isinstance(error.problem, str) and error.problem
        if error.line is not None:
            assert 1 <= error.line <= line_count, (error.line, line_count, str(error))
        with pytest.raises(ParseError):
            parsed.statements(direction)


grammar_text = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)).flatmap(
        lambda t: st.sampled_from([t, t + ";", "  " + t])
    ),
    max_size=25,
).map(lambda parts: "".join(p + random.Random(len(p)).choice(["\n", "\r\n", " "]) for p in parts))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), grammar_text), st.dictionaries(st.sampled_from(["LP_A", "LP_B"]), st.text(max_size=5)))
def test_any_text_gives_only_parse_errors(text: str, environ: dict[str, str]) -> None:
    lines = split_goose(text)
    check_result(parse_lines(lines, environ=environ), len(lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(),
        grammar_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(grammar_text, st.binary(max_size=6), grammar_text).map(
            lambda p: p[0].encode("utf-8", "surrogatepass") + p[1] + p[2].encode("utf-8", "surrogatepass")
        ),
    )
)
def test_any_bytes_give_only_parse_errors(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "00001_fuzz.sql"
    path.write_bytes(data)
    parsed = parse_file(path, environ={"LP_A": "a"})
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    check_result(parsed, len(lines))
