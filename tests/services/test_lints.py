"""Every lint fires on a migration that has its problem, stays quiet on one without it, and
is silenced by a '-- llm-proxy: ignore' comment; findings name the right file and line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_proxy.services.lint import RULES
from llm_proxy.services.lint.lexer import Kind, split, tokenize
from llm_proxy.services.validate import ValidateOptions, check_folder

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.services.findings import Finding

DOWN = "-- +goose Down\nSELECT 0;\n"

# id, dialect, failing migration, line the finding points at, passing migration
CASES = [
    ("LP101", None, "-- +goose Up\nINSERT INTO t VALUES ('a;\nb');\n" + DOWN, 2,
     "-- +goose Up\nINSERT INTO t VALUES ('a;b');\n" + DOWN),
    ("LP101", "postgres",
     "-- +goose Up\nCREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE plpgsql;\n" + DOWN, 4,
     "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n"
     "$body$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n" + DOWN),
    ("LP101", None, "-- +goose Up\nSELECT 1 /* a;\nb */;\n" + DOWN, 2, "-- +goose Up\nSELECT 1 /* a; b */;\n" + DOWN),
    ("LP102", None, "-- +goose Up\nINSERT INTO t VALUES ('x -- y');\nSELECT 2;\n" + DOWN, 2,
     "-- +goose Up\nINSERT INTO t VALUES ('x--y');\nSELECT 2;\n" + DOWN),
    ("LP102", None, "-- +goose Up\nSELECT 1;-- note\nSELECT 2;\n" + DOWN, 2,
     "-- +goose Up\nSELECT 1; -- note\nSELECT 2;\n" + DOWN),
    ("LP103", None, "-- +goose Up\n/* the table */\nCREATE TABLE IF NOT EXISTS t (id int);\n" + DOWN, 2,
     "-- +goose Up\n-- the table\nCREATE TABLE IF NOT EXISTS t (id int);\n" + DOWN),
    ("LP104", None, "-- +goose Up\nSELECT 1; SELECT 2;\n" + DOWN, 2, "-- +goose Up\nSELECT 1;\nSELECT 2;\n" + DOWN),
    ("LP105", None, "-- +goose Up\nSELECT 1;\n-- +goose StatementBegin\n-- +goose StatementEnd\n" + DOWN, 3,
     "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n" + DOWN),
    ("LP106", None, "-- +goose Up\nSELECT 1;\n \t\n-- about the next one\nSELECT 2;\n" + DOWN, 3,
     "-- +goose Up\nSELECT 1;\n\n-- about the next one\nSELECT 2;\n" + DOWN),
    ("LP201", None, "-- +goose Up\nCREATE TABLE t (id int);\n" + DOWN, 2,
     "-- +goose Up\nCREATE TABLE IF NOT EXISTS t (id int);\n" + DOWN),
    ("LP202", None, "-- +goose Up\nCREATE UNIQUE INDEX i ON t (id);\n" + DOWN, 2,
     "-- +goose Up\nCREATE UNIQUE INDEX IF NOT EXISTS i ON t (id);\n" + DOWN),
    ("LP203", None, "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE t;\n", 4,
     "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE IF EXISTS t;\n"),
    ("LP204", None, "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP INDEX i;\n", 4,
     "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP INDEX IF EXISTS i;\n"),
    ("LP205", "postgres", "-- +goose Up\nALTER TABLE t\n  ADD COLUMN c text;\n" + DOWN, 3,
     "-- +goose Up\nALTER TABLE t ADD COLUMN IF NOT EXISTS c text, ADD CONSTRAINT k UNIQUE (c);\n" + DOWN),
    ("LP206", None, "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE IF NOT EXISTS projects;\n", 4,
     "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE IF EXISTS projects;\n"),
    ("LP301", None, "-- +goose Up\nBEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\n" + DOWN, 2,
     "-- +goose Up\nUPDATE t SET a = 1;\n" + DOWN),
    ("LP301", "sqlite",
     "-- +goose Up\nSTART TRANSACTION;\nSELECT 1;\n" + DOWN, 2,
     "-- +goose Up\n-- +goose StatementBegin\nCREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN\n"
     "  UPDATE t SET n = CASE WHEN n IS NULL THEN 0 ELSE n END;\nEND;\n-- +goose StatementEnd\n" + DOWN),
    ("LP302", None, "-- +goose Up\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (id);\n" + DOWN, 2,
     "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (id);\n" + DOWN),
    ("LP302", "postgres",
     "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nDROP INDEX CONCURRENTLY IF EXISTS i;\n"
     "SELECT 1;\n-- +goose StatementEnd\n" + DOWN, 4,
     "-- +goose NO TRANSACTION\n-- +goose Up\nDROP INDEX CONCURRENTLY IF EXISTS i;\nSELECT 1;\n" + DOWN),
    ("LP303", None, "-- +goose Up\nVACUUM;\n" + DOWN, 2, "-- +goose NO TRANSACTION\n-- +goose Up\nVACUUM;\n" + DOWN),
    ("LP303", "postgres", "-- +goose Up\nCREATE DATABASE other;\n" + DOWN, 2,
     "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE DATABASE other;\n" + DOWN),
    ("LP304", "mysql",
     "-- +goose Up\nALTER TABLE t ADD COLUMN a INT;\nALTER TABLE t ADD COLUMN b INT;\n" + DOWN, 2,
     "-- +goose Up\nALTER TABLE t ADD COLUMN a INT, ADD COLUMN b INT;\n" + DOWN),
    ("LP401", None, "-- +goose Up\nSELECT 1;\n", None, "-- +goose Up\nSELECT 1;\n" + DOWN),
    ("LP402", None, "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- SQLite cannot drop a column\n", 3,
     "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n"),
]


def lint(folder: Path, text: str, dialect: str | None = None) -> list[Finding]:
    (folder / "00001_m.sql").write_text(text)
    return list(check_folder(folder, ValidateOptions(dialect=dialect)).findings)


@pytest.mark.parametrize(("lint_id", "dialect", "bad", "line", "good"), CASES)
def test_lint_fires_on_the_bad_migration_at_its_line(
    tmp_path: Path, lint_id: str, dialect: str | None, bad: str, line: int | None, good: str
) -> None:
    findings = lint(tmp_path, bad, dialect)
    mine = [f for f in findings if f.code == lint_id]
    assert [(f.file, f.line) for f in mine][:1] == [(tmp_path / "00001_m.sql", line)], findings
    assert mine[0].severity == RULES[lint_id].severity
    assert mine[0].message and mine[0].hint


@pytest.mark.parametrize(("lint_id", "dialect", "bad", "line", "good"), CASES)
def test_lint_stays_quiet_on_the_good_migration(
    tmp_path: Path, lint_id: str, dialect: str | None, bad: str, line: int | None, good: str
) -> None:
    assert lint_id not in {f.code for f in lint(tmp_path, good, dialect)}


@pytest.mark.parametrize(("lint_id", "dialect", "bad", "line", "good"), CASES)
def test_lint_is_silenced_by_an_ignore_comment(
    tmp_path: Path, lint_id: str, dialect: str | None, bad: str, line: int | None, good: str
) -> None:
    silenced = f"-- llm-proxy: ignore LP999x {lint_id}, LP000\n{bad}"
    codes = {f.code for f in lint(tmp_path, silenced, dialect)}
    assert lint_id not in codes
    assert "LP001" in codes  # LP000 is not a lint id


def test_every_lint_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(RULES) - {"LP001"}


def test_semicolon_in_a_multi_line_string_names_file_line_and_fix(tmp_path: Path) -> None:
    (tmp_path / "00001_ok.sql").write_text("-- +goose Up\nSELECT 1;\n" + DOWN)
    (tmp_path / "00002_notes.sql").write_text(
        "-- +goose Up\n"
        "CREATE TABLE IF NOT EXISTS notes (body TEXT);\n"
        "\n"
        "INSERT INTO notes (body) VALUES ('first line\n"
        "second line;\n"
        "third line');\n" + DOWN
    )
    report = check_folder(tmp_path)
    assert not report.ok
    (cut,) = report.errors
    assert (cut.code, cut.file, cut.line) == ("LP101", tmp_path / "00002_notes.sql", 5)
    assert "line 5" in cut.message and "opened on line 4" in cut.message
    assert "StatementBegin" in (cut.hint or "")
    # The pieces goose sends are read as the one statement the author wrote: no other noise.
    assert [f.code for f in report.findings] == ["LP101"]


def test_begin_inside_a_dollar_quoted_body_is_not_a_transaction(tmp_path: Path) -> None:
    text = (
        "-- +goose Up\n-- +goose StatementBegin\nDO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;\n"
        "-- +goose StatementEnd\n" + DOWN
    )
    assert lint(tmp_path, text) == []


def test_no_transaction_allows_transaction_control(tmp_path: Path) -> None:
    text = "-- +goose NO TRANSACTION\n-- +goose Up\nBEGIN;\nSELECT 1;\nCOMMIT;\n" + DOWN
    assert "LP301" not in {f.code for f in lint(tmp_path, text)}


def test_dialect_specific_lints_stay_quiet_where_the_dialect_lacks_the_clause(tmp_path: Path) -> None:
    text = "-- +goose Up\nCREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN c INT;\n-- +goose Down\nDROP INDEX i ON t;\n"
    assert {f.code for f in lint(tmp_path, text, "mysql")} & {"LP202", "LP204", "LP205"} == set()
    assert {f.code for f in lint(tmp_path, text, "sqlite")} & {"LP205"} == set()
    assert "LP205" in {f.code for f in lint(tmp_path, text, "postgres")}


def test_empty_block_before_a_blank_line_only_warns(tmp_path: Path) -> None:
    text = "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\n  \nSELECT 1;\n" + DOWN
    (finding,) = [f for f in lint(tmp_path, text) if f.code == "LP105"]
    assert finding.severity == "warning"


def test_empty_block_that_swallows_sql_is_an_error_naming_the_line(tmp_path: Path) -> None:
    text = "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\nSELECT 1;\nSELECT 2;\n" + DOWN
    (finding,) = [f for f in lint(tmp_path, text) if f.code == "LP105"]
    assert finding.severity == "error"
    assert "drops line 4 ('SELECT 1;')" in finding.message


def test_trailing_block_comment_parse_error_explains_the_quirk(tmp_path: Path) -> None:
    (finding,) = lint(tmp_path, "-- +goose Up\nSELECT 1;\n/* done */\n" + DOWN)
    assert (finding.code, finding.line) == ("parse", 3)
    assert "'/* */' comments" in (finding.hint or "")


def test_no_lint_keeps_only_names_and_grammar(tmp_path: Path) -> None:
    (tmp_path / "00001_m.sql").write_text("-- +goose Up\nCREATE TABLE t (id int);\n")
    assert check_folder(tmp_path, ValidateOptions(lint=False)).findings == ()


def test_options_refuse_an_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="oracle"):
        ValidateOptions(dialect="oracle")


@pytest.mark.parametrize(
    ("text", "kind", "closed"),
    [
        ("'it''s'", Kind.STRING, True),
        ("'it''", Kind.STRING, False),
        ("E'it\\'s'", Kind.STRING, True),
        ('"a""b"', Kind.QUOTED, True),
        ("$tag$ $$ ; $tag$", Kind.DOLLAR, True),
        ("$tag$ body", Kind.DOLLAR, False),
        ("/* a ; */", Kind.BLOCK_COMMENT, True),
        ("/*/", Kind.BLOCK_COMMENT, False),
    ],
)
def test_lexer_literals(text: str, kind: Kind, closed: bool) -> None:
    (token,) = tokenize(text)
    assert (token.kind, token.text, token.closed) == (kind, text, closed)


def test_lexer_mysql_strings_take_backslash_escapes_and_have_no_dollar_quotes() -> None:
    assert [t.kind for t in tokenize("'a\\';'", dialect="mysql")] == [Kind.STRING]
    assert Kind.DOLLAR not in {t.kind for t in tokenize("$$ x $$", dialect="mysql")}


def test_split_keeps_trigger_bodies_whole() -> None:
    tokens = tokenize("CREATE TRIGGER t BEGIN UPDATE x SET a = 1; END; COMMIT;")
    assert [s.words[0] for s in split(tokens)] == ["CREATE", "COMMIT"]


@given(st.text(alphabet="ab ;'\"$-*/\nEe`\\", max_size=60), st.sampled_from([None, "mysql"]))
def test_lexer_covers_every_non_space_character_once(text: str, dialect: str | None) -> None:
    tokens = tokenize(text, dialect=dialect)
    position = 0
    for token in tokens:
        assert token.start >= position and not text[position : token.start].strip()
        assert text[token.start : token.end] == token.text
        position = token.end
    assert not text[position:].strip()
    assert all(t.closed for t in tokens[:-1])
