"""The grammar's building blocks and file reading (spec §2, §2.1, §2.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from llm_proxy.errors import ParseError
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import Annotation, ends_with_semicolon, parse_annotation, parse_file, parse_lines

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("SELECT 1;", True),
        ("SELECT 1; -- note", True),
        ("END   ; -- c", True),
        ("SELECT 1;-- c", False),
        ("END -- comment ;", False),
        ("SELECT 1; SELECT 2;", True),
        ("SELECT 1", False),
        (";", True),
        ("", False),
        ("   ", False),
        ("-- x;", False),
        ("SELECT 'a -- b;';", False),
        ("SELECT 1 ;--", False),
        ("SELECT 1;\t", True),
        ("SELECT 1;\u3000-- c", True),
        ("SELECT 1;\u00a0", True),
        ("SELECT 1;\x85", True),
        ("SELECT 1;\x1c", False),
        ("SELECT 1; /* c */", False),
        ("x;\u2003--c", True),
    ],
)
def test_ends_with_semicolon(line: str, ends: bool) -> None:
    assert ends_with_semicolon(line) is ends


@pytest.mark.parametrize(
    ("line", "annotation"),
    [
        ("-- +goose Up", Annotation.UP),
        ("--+goose Up", Annotation.UP),
        ("-- +goose up", Annotation.UP),
        ("-- +goose   UP   ", Annotation.UP),
        ("-- +gooseUp", Annotation.UP),
        ("---- +goose Up", Annotation.UP),
        ("-- +goose Up --", Annotation.UP),
        ("-- +goose Down", Annotation.DOWN),
        ("-- +goose StatementBegin", Annotation.STATEMENT_BEGIN),
        ("-- +goose statementend", Annotation.STATEMENT_END),
        ("-- +goose NO TRANSACTION", Annotation.NO_TRANSACTION),
        ("-- +goose no transaction", Annotation.NO_TRANSACTION),
        ("-- +goose ENVSUB ON", Annotation.ENVSUB_ON),
        ("-- +goose envsub off", Annotation.ENVSUB_OFF),
        ("\v-- +goose Up", Annotation.UP),
    ],
)
def test_valid_annotations(line: str, annotation: Annotation) -> None:
    assert parse_annotation(line) is annotation


@pytest.mark.parametrize(
    "line",
    [
        " -- +goose Up",
        "\t-- +goose Up",
        "--- +goose Up",
        "-- +goose Up -- note",
        "-- see +goose docs",
        "-- +goose",
        "-- +goose +goose Up",
        "-- +goose NO  TRANSACTION",
        "-- +goose NOTRANSACTION",
        "-- +goose ENVSUB",
        "-- +goose Up;",
        "-- +goose Statement Begin",
    ],
)
def test_invalid_annotations(line: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_annotation(line, lineno=7)
    assert info.value.problem
    assert info.value.line == 7


def test_statement_lines_are_where_statements_start() -> None:
    parsed = parse_lines(
        [
            "-- +goose Up",  # 1
            "-- leading comment",  # 2
            "CREATE TABLE t (",  # 3
            "  id int",  # 4
            ");",  # 5
            "",  # 6
            "-- +goose StatementBegin",  # 7
            "SELECT 1;",  # 8
            "-- +goose StatementEnd",  # 9
            "-- +goose Down",  # 10
            "DROP TABLE t;",  # 11
        ],
        environ={},
    )
    assert [(s.text, s.line) for s in parsed.up] == [("CREATE TABLE t (\n  id int\n);", 3), ("SELECT 1;", 8)]
    assert [(s.text, s.line) for s in parsed.down] == [("DROP TABLE t;", 11)]


def test_error_line_and_text_name_the_same_line() -> None:
    lines = ["-- +goose Up", "SELECT 1;", "-- see +goose docs"]
    error = parse_lines(lines, environ={}).up_error
    assert error is not None
    assert error.line == 3
    assert error.text == lines[2]


def test_envsub_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LP_TEST_GRAMMAR_VAR", "from-env")
    parsed = parse_lines(["-- +goose ENVSUB ON", "-- +goose Up", "SELECT '$LP_TEST_GRAMMAR_VAR';"])
    assert [s.text for s in parsed.statements(Direction.UP)] == ["SELECT 'from-env';"]


def test_environ_argument_replaces_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LP_TEST_GRAMMAR_VAR", "from-env")
    parsed = parse_lines(["-- +goose ENVSUB ON", "-- +goose Up", "SELECT '$LP_TEST_GRAMMAR_VAR';"], environ={})
    assert [s.text for s in parsed.statements(Direction.UP)] == ["SELECT '';"]


def test_lines_keep_their_own_carriage_return_only_once() -> None:
    parsed = parse_lines(["-- +goose Up\r", "SELECT 1;\r\r", "SELECT 2;\r"], environ={})
    assert [s.text for s in parsed.up] == ["SELECT 1;", "SELECT 2;"]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\xef\xbb\xbf-- +goose Up\nSELECT 1;\n", 1),
        (b"-- +goose Up\nSELECT 1;\nSELECT '\x00';\n", 3),
        (b"-- +goose Up\nSELECT 1;\nSELECT '\xff';\n", 3),
        (b"-- +goose Up\nSELECT '\xc3';\n", 2),
    ],
    ids=["bom", "nul", "invalid-utf8", "truncated-utf8"],
)
def test_bytes_that_are_not_text_fail_both_directions(tmp_path: Path, data: bytes, line: int) -> None:
    path = tmp_path / "00001_x.sql"
    path.write_bytes(data)
    parsed = parse_file(path, environ={})
    assert parsed.up_error is not None
    assert parsed.down_error is not None
    assert parsed.up_error.line == line
    assert parsed.up_error.path == path
    assert parsed.up == () and parsed.down == ()


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "00001_missing.sql", environ={})
    assert parsed.up_error is not None and parsed.down_error is not None
    assert parsed.up_error.problem


def test_long_file_across_read_chunks(tmp_path: Path) -> None:
    """Statements spanning the reader's internal block boundaries come out whole."""
    body = [f"INSERT INTO t VALUES ({i}, '{'x' * (i % 97)}');" for i in range(40_000)]
    path = tmp_path / "00001_big.sql"
    path.write_bytes(("-- +goose Up\r\n" + "\r\n".join(body) + "\r\n-- +goose Down\r\nDELETE FROM t;").encode())
    parsed = parse_file(path, environ={})
    assert [s.text for s in parsed.statements(Direction.UP)] == body
    assert [s.text for s in parsed.statements(Direction.DOWN)] == ["DELETE FROM t;"]
    assert parsed.up[-1].line == 40_001


def test_a_line_longer_than_goose_limit_is_accepted(tmp_path: Path) -> None:
    """goose refuses lines of 4 MiB or more; we accept them (spec §2)."""
    big = "SELECT '" + "x" * (4 * 1024 * 1024 + 10) + "';"
    path = tmp_path / "00001_big.sql"
    path.write_text("-- +goose Up\n" + big + "\n")
    assert [s.text for s in parse_file(path, environ={}).statements(Direction.UP)] == [big]
