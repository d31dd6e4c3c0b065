"""create, fix and validate: goose's file commands that need no database (spec §4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from llm_proxy.errors import MigrationError, ScaffoldError
from llm_proxy.format.direction import Direction
from llm_proxy.format.grammar import parse_file
from llm_proxy.format.scaffold import create, fix, snake_name
from llm_proxy.services import validate as validate_service



def validate(folder: Path):
    """Names and grammar only (no lints), with an empty environment for ENVSUB."""
    if hasattr(validate_service, "check_folder"):
        options = validate_service.ValidateOptions(lint=False, environ={})
        return validate_service.check_folder(folder, options)
    return validate_service.check_files(folder, environ={})


NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
UP = "-- +goose Up\nSELECT 1;\n"


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("add_users", "add_users"),
        ("Add Users", "add_users"),
        ("AddUsers", "addusers"),
        ("add  users -- table", "add_users_table"),
        ("__add__users__", "add_users_"),
        ("  add users!", "add_users_"),
        ("v2 schema", "v2_schema"),
        ("123", "123"),
        ("Caf\u00e9 cr\u00e8me", "caf\u00e9_cr\u00e8me"),
    ],
)
def test_snake_name(name: str, snake: str) -> None:
    assert snake_name(name) == snake


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_create_timestamped_uses_utc(tmp_path: Path) -> None:
    path = create(tmp_path, "Add Users", now=NOW)
    assert path.name == "20240102030405_add_users.sql"
    local = NOW.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert create(tmp_path / "other", "x", now=local).name == "20240102030405_x.sql"


def test_create_sequential_in_empty_folder(tmp_path: Path) -> None:
    assert create(tmp_path, "first", sequential=True).name == "00001_first.sql"


def test_create_sequential_follows_last_sequential_ignoring_timestamps(tmp_path: Path) -> None:
    for name in ("00001_a.sql", "7_b.sql", "20240102030405_c.sql"):
        (tmp_path / name).write_text(UP)
    assert create(tmp_path, "next", sequential=True).name == "00008_next.sql"


def test_create_sequential_with_only_timestamps(tmp_path: Path) -> None:
    (tmp_path / "20240102030405_c.sql").write_text(UP)
    assert create(tmp_path, "next", sequential=True).name == "00001_next.sql"


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = create(tmp_path, "once", now=NOW)
    path.write_text("-- +goose Up\nSELECT 'mine';\n")
    with pytest.raises(ScaffoldError):
        create(tmp_path, "once", now=NOW)
    assert path.read_text() == "-- +goose Up\nSELECT 'mine';\n"
    assert names(tmp_path) == ["20240102030405_once.sql"]


def test_create_refuses_a_used_version(tmp_path: Path) -> None:
    create(tmp_path, "one", now=NOW)
    with pytest.raises(ScaffoldError):
        create(tmp_path, "two", now=NOW)
    assert names(tmp_path) == ["20240102030405_one.sql"]


def test_template_has_an_up_and_a_down_section(tmp_path: Path) -> None:
    path = create(tmp_path, "tmpl", now=NOW)
    text = path.read_text()
    assert "-- +goose Up" in text and "-- +goose Down" in text
    assert text.index("-- +goose Up") < text.index("-- +goose Down")
    parsed = parse_file(path, environ={})
    assert parsed.errors == []
    assert parsed.statements(Direction.UP) and parsed.statements(Direction.DOWN)


def test_fix_renames_timestamps_in_ascending_order_after_the_last_sequential(tmp_path: Path) -> None:
    for name in ("00001_a.sql", "00002_b.sql", "20240102030405_late.sql", "20230102030405_early.sql"):
        (tmp_path / name).write_text(UP)
    renames = fix(tmp_path)
    assert [(r.old.name, r.new.name) for r in renames] == [
        ("20230102030405_early.sql", "00003_early.sql"),
        ("20240102030405_late.sql", "00004_late.sql"),
    ]
    assert names(tmp_path) == ["00001_a.sql", "00002_b.sql", "00003_early.sql", "00004_late.sql"]
    assert all(str(r) for r in renames)


def test_fix_with_only_timestamps_starts_at_one(tmp_path: Path) -> None:
    for name in ("20240102030405_b_c.sql", "20230102030405_a.sql"):
        (tmp_path / name).write_text(UP)
    fix(tmp_path)
    assert names(tmp_path) == ["00001_a.sql", "00002_b_c.sql"]


def test_fix_with_nothing_to_do(tmp_path: Path) -> None:
    for name in ("00001_a.sql", "00002_b.sql"):
        (tmp_path / name).write_text(UP)
    assert fix(tmp_path) == []
    assert names(tmp_path) == ["00001_a.sql", "00002_b.sql"]


def test_fix_treats_a_14_digit_non_date_as_sequential(tmp_path: Path) -> None:
    for name in ("1_a.sql", "20241399000000_b.sql", "20240102030405_c.sql"):
        (tmp_path / name).write_text(UP)
    assert [r.new.name for r in fix(tmp_path)] == ["20241399000001_c.sql"]


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "00001_ok.sql").write_text(UP + "-- +goose Down\nSELECT 2;\n")
    (tmp_path / "00002_bad_down.sql").write_text(UP + "-- +goose Down\nDROP TABLE t\n")
    (tmp_path / "00003_bad_annotation.sql").write_text(UP + "-- see +goose docs\n")
    (tmp_path / "00004_bad_up.sql").write_text("-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n")
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    report = validate(tmp_path)
    assert not report.ok
    found = {(f.file.name if f.file else None, f.line, f.direction) for f in report.errors if f.code in ("parse", "source")}
    assert found == {
        ("00002_bad_down.sql", 4, Direction.DOWN),
        ("00003_bad_annotation.sql", 3, None),
        ("00004_bad_up.sql", 2, Direction.UP),
        ("schema.sql", None, None),
    }


def test_validate_clean_folder(tmp_path: Path) -> None:
    (tmp_path / "00001_ok.sql").write_text(UP + "-- +goose Down\nSELECT 2;\n")
    report = validate(tmp_path)
    assert report.ok
    assert [m.path.name for m in report.migrations] == ["00001_ok.sql"]


def test_scaffold_errors_are_migration_errors() -> None:
    assert issubclass(ScaffoldError, MigrationError)
