"""migrate validate through the command line: text, JSON, JUnit XML, exit codes, options."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.cli import outcome
from support.git import git
from support.migrations import GOOD

CLEAN = "-- +goose Up\nCREATE TABLE IF NOT EXISTS t (id int);\n-- +goose Down\nDROP TABLE IF EXISTS t;\n"
CUT = "-- +goose Up\nINSERT INTO t VALUES ('one;\ntwo');\n-- +goose Down\nDELETE FROM t;\n"


def run(*args: str) -> tuple[int, str, str]:
    return outcome("migrate", "validate", *args)


def test_validate_lists_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "00001_ok.sql").write_text(GOOD)
    (tmp_path / "00002_unfinished.sql").write_text("-- +goose Up\nSELECT 1\n")
    (tmp_path / "00003_a.sql").write_text(GOOD)
    (tmp_path / "003_b.sql").write_text(GOOD)
    (tmp_path / "schema.sql").write_text("CREATE TABLE x (id int);\n")
    (tmp_path / "00004_broken_down.sql").write_text("-- +goose Up\nSELECT 1;\n-- +goose Down\n-- +goose Down\n")
    code, out, _ = run("--dir", str(tmp_path), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    found = {(Path(e["file"]).name, e["line"], e["code"]) for e in report["errors"]}
    assert found == {
        ("schema.sql", None, "source"),
        ("00003_a.sql", None, "source"),
        ("00002_unfinished.sql", 2, "parse"),
        ("00004_broken_down.sql", 4, "parse"),
    }
    duplicate = next(e for e in report["errors"] if Path(e["file"]).name == "00003_a.sql")
    assert "003_b.sql" in duplicate["message"] and "00003_a.sql" in duplicate["message"]


def test_validate_ignore_passes_over_a_non_migration(folder: Path) -> None:
    (folder / "schema.sql").write_text("CREATE TABLE x (id int);\n")
    code, _, err = run("--dir", str(folder))
    assert code == 1
    assert "--ignore schema.sql" in err
    code, out, _ = run("--dir", str(folder), "--ignore", "schema.sql")
    assert code == 0
    assert "OK: 1 migration" in out


def test_validate_missing_and_empty_folders_fail(tmp_path: Path) -> None:
    code, _, err = run("--dir", str(tmp_path / "nope"))
    assert code == 1
    assert "does not exist" in err
    code, _, err = run("--dir", str(tmp_path))
    assert code == 1
    assert "no migrations" in err


def test_text_output_names_file_line_id_and_fix(tmp_path: Path) -> None:
    (tmp_path / "00001_cut.sql").write_text(CUT)
    code, out, err = run("--dir", str(tmp_path), "--no-roundtrip")
    assert code == 1
    assert f"{tmp_path / '00001_cut.sql'}:2: error LP101: the ';' at the end of line 2" in err
    assert "hint: move the ';'" in err
    assert "FAILED: 1 error, 0 warnings" in err
    assert out == ""


def test_json_document_has_counts_and_findings_with_ids(folder: Path) -> None:
    (folder / "00002_cut.sql").write_text(CUT)
    code, out, _ = run("--dir", str(folder), "--json", "--no-roundtrip")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["checks"] == ["files", "lint"]
    assert report["counts"] == {"errors": 1, "warnings": 2}
    (error,) = report["errors"]
    assert {k: error[k] for k in ("id", "file", "line", "severity")} == {
        "id": "LP101", "file": str(folder / "00002_cut.sql"), "line": 2, "severity": "error",
    }
    assert error["message"] and error["hint"]
    assert sorted((w["id"], w["line"]) for w in report["warnings"]) == [("LP201", 3), ("LP203", 11)]


def test_warnings_pass_unless_strict(folder: Path) -> None:
    code, out, _ = run("--dir", str(folder))
    assert code == 0
    assert "OK: 1 migration" in out and "2 warnings" in out
    code, out, _ = run("--dir", str(folder), "--strict", "--json")
    assert code == 1
    assert json.loads(out)["ok"] is False


def test_no_lint_checks_grammar_only(folder: Path) -> None:
    (folder / "00002_cut.sql").write_text(CUT)
    code, out, _ = run("--dir", str(folder), "--no-lint", "--strict", "--json", "--no-roundtrip")
    assert code == 0
    assert json.loads(out)["counts"] == {"errors": 0, "warnings": 0}


def test_dialect_turns_on_its_lints_and_picks_the_bundled_folder(tmp_path: Path) -> None:
    (tmp_path / "00001_add.sql").write_text(
        "-- +goose Up\nALTER TABLE t ADD COLUMN c int;\n-- +goose Down\nALTER TABLE t DROP COLUMN IF EXISTS c;\n"
    )
    _, out, _ = run("--dir", str(tmp_path), "--json")
    assert json.loads(out)["warnings"] == []
    _, out, _ = run("--dir", str(tmp_path), "--json", "--dialect", "postgres")
    assert [w["id"] for w in json.loads(out)["warnings"]] == ["LP205"]
    code, out, _ = run("--dialect", "postgres", "--strict")
    assert code == 0, out
    assert "versions_sql/postgres" in out


def test_junit_xml_has_a_case_per_migration_failures_and_warnings(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (folder / "00002_cut.sql").write_text(CUT)
    (folder / "00003_clean.sql").write_text(CLEAN)
    (folder / "notes.sql").write_text("SELECT 1;\n")
    report = tmp_path_factory.mktemp("out") / "report.xml"
    code, _, _ = run("--dir", str(folder), "--junit-xml", str(report))
    assert code == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "2"
    (suite,) = root
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["00001_create_t.sql", "00002_cut.sql", "00003_clean.sql", "notes.sql"]
    assert cases["00001_create_t.sql"].find("failure") is None
    assert "LP201" in cases["00001_create_t.sql"].findtext("system-out")
    failure = cases["00002_cut.sql"].find("failure")
    assert failure.get("type") == "LP101" and failure.get("message").startswith("LP101:2: ")
    assert cases["notes.sql"].find("failure").get("type") == "source"
    assert list(cases["00003_clean.sql"]) == []


def test_junit_xml_with_strict_fails_on_warnings(folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "strict.xml"
    run("--dir", str(folder), "--strict", "--junit-xml", str(report))
    (case,) = ET.parse(report).getroot().iter("testcase")
    assert case.find("failure").get("message").endswith("(and 1 more)")


def test_since_compares_with_git_and_reports_errors_cleanly(tmp_path: Path) -> None:
    (tmp_path / "00002_two.sql").write_text(CLEAN)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    (tmp_path / "00001_one.sql").write_text(CLEAN)
    code, out, _ = run("--dir", str(tmp_path), "--since", "HEAD", "--json", "--no-roundtrip")
    assert code == 1
    report = json.loads(out)
    assert report["checks"] == ["files", "lint", "history"]
    assert [e["id"] for e in report["errors"]] == ["LP503"]
    code, _, err = run("--dir", str(tmp_path), "--since", "no-such-branch")
    assert code == 1
    assert "git does not know the reference 'no-such-branch'" in err


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_bundled_migrations_pass_validate_with_the_round_trip(dialect: str, request: pytest.FixtureRequest) -> None:
    server = [] if dialect == "sqlite" else ["--database-url", request.getfixturevalue(f"{dialect}_url")]
    code, out, err = run(*server, "--json")
    assert code == 0, err + out
    report = json.loads(out)
    assert report["folder"].endswith(f"versions_sql/{dialect}")
    assert report["checks"] == ["files", "lint", "roundtrip"]
    assert report["roundtrip"]["dialect"] == dialect
    assert report["roundtrip"]["checked"] == report["migrations"] == 6
    assert report["errors"] == []


def test_round_trip_failure_in_text_and_junit(tmp_path: Path) -> None:
    (tmp_path / "00001_create_t.sql").write_text(GOOD)
    (tmp_path / "00002_add_col.sql").write_text(
        "-- +goose Up\nALTER TABLE t ADD COLUMN c INTEGER;\n\n-- +goose Down\n-- SQLite cannot drop a column\n"
    )
    report = tmp_path / "report.xml"
    code, out, err = run("--dir", str(tmp_path), "--no-lint", "--junit-xml", str(report))
    assert code == 1 and out == ""
    assert f"{tmp_path / '00002_add_col.sql'}:4: error LP601: after Down, column t.c is still there (added by Up)" in err
    assert f"{tmp_path / '00002_add_col.sql'}:2: error LP604: Up fails after Down: duplicate column name: c" in err
    assert "round trip on sqlite (temporary SQLite file): 1 of 2 migrations up, down and up again, stopped at 00002_add_col.sql" in err
    failure = {c.get("name"): c for c in ET.parse(report).getroot().iter("testcase")}["00002_add_col.sql"].find("failure")
    assert failure.get("type") == "LP601" and "(and 1 more)" in failure.get("message")
    code, out, _ = run("--dir", str(tmp_path), "--no-lint", "--no-roundtrip")
    assert code == 0 and "OK: 2 migrations" in out


def test_round_trip_options_are_refused_by_name(tmp_path: Path) -> None:
    code, _, err = run("--dir", str(tmp_path), "--no-roundtrip", "--database-url", "postgresql://h/db")
    assert code == 2 and "--database-url" in err and "--no-roundtrip" in err
    code, _, err = run("--dir", str(tmp_path), "--dialect", "mysql", "--database-url", "postgresql://h/db")
    assert code == 2 and "--dialect 'mysql' conflicts with --database-url" in err
    (tmp_path / "00001_pg.sql").write_text("-- +goose Up\nCREATE TABLE t (id serial);\n-- +goose Down\nDROP TABLE t;\n")
    code, _, err = run("--dir", str(tmp_path), "--dialect", "postgres")
    assert code == 0
    assert "round trip not run: --dialect postgres needs --database-url" in err
