"""Migration files in a folder: names to versions, order, duplicates, strays (spec §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_proxy.errors import SourceError
from llm_proxy.format.sources import BadFileName, collect, is_timestamp_version, parse_version


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("1_init.sql", 1),
        ("00001_init.sql", 1),
        ("00042_add_users.sql", 42),
        ("+5_x.sql", 5),
        ("5_a_b_c.sql", 5),
        ("1_000_x.sql", 1),
        ("7_.sql", 7),
        ("20240102030405_create.sql", 20240102030405),
        ("9223372036854775807_max.sql", 2**63 - 1),
        ("folder/00003_x.sql", 3),
    ],
)
def test_parse_version(name: str, version: int) -> None:
    assert parse_version(name) == version


@pytest.mark.parametrize(
    "name",
    [
        "init.sql",
        "00001-init.sql",
        "abc_x.sql",
        "_x.sql",
        "0_x.sql",
        "00000_x.sql",
        "-1_x.sql",
        "-0_x.sql",
        "++1_x.sql",
        " 1_x.sql",
        "1 _x.sql",
        "1e3_x.sql",
        "0x10_x.sql",
        "\u0661_x.sql",
        "\uff11_x.sql",
        "9223372036854775808_overflow.sql",
        "-9223372036854775809_overflow.sql",
        "99999999999999999999_overflow.sql",
    ],
)
def test_bad_names(name: str) -> None:
    with pytest.raises(BadFileName) as info:
        parse_version(name)
    assert str(info.value)


@pytest.mark.parametrize(
    ("version", "timestamp"),
    [
        (20240102030405, True),
        (20240229235959, True),
        (19700101000001, True),
        (99991231235959, True),
        (19700101000000, False),
        (19691231235959, False),
        (20230229000000, False),
        (20241301000000, False),
        (20240132000000, False),
        (20240100000000, False),
        (20240101240000, False),
        (20240101126000, False),
        (20240101120060, False),
        (2024010112000, False),
        (202401011200000, False),
        (1, False),
        (42, False),
        (99999, False),
    ],
)
def test_timestamp_versions(version: int, timestamp: bool) -> None:
    assert is_timestamp_version(version) is timestamp


def make(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text("-- +goose Up\nSELECT 1;\n")


def test_numeric_order_with_gaps(tmp_path: Path) -> None:
    make(tmp_path, "10_c.sql", "2_b.sql", "100_d.sql", "00001_a.sql", "20240102030405_e.sql")
    migrations = collect(tmp_path)
    assert [(m.version, m.path.name) for m in migrations] == [
        (1, "00001_a.sql"),
        (2, "2_b.sql"),
        (10, "10_c.sql"),
        (100, "100_d.sql"),
        (20240102030405, "20240102030405_e.sql"),
    ]
    assert [m.is_timestamp for m in migrations] == [False, False, False, False, True]


def test_only_sql_files_directly_inside(tmp_path: Path) -> None:
    make(tmp_path, "1_a.sql")
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "2_b.sql.bak").write_text("old")
    (tmp_path / "3_c.SQL").write_text("-- +goose Up\n")
    sub = tmp_path / "archive"
    sub.mkdir()
    make(sub, "4_d.sql", "schema.sql")
    (tmp_path / "5_dir.sql").mkdir()
    assert [m.path.name for m in collect(tmp_path)] == ["1_a.sql"]


def test_empty_folder_has_no_migrations(tmp_path: Path) -> None:
    assert collect(tmp_path) == []


def test_stray_sql_file_is_rejected_by_name(tmp_path: Path) -> None:
    make(tmp_path, "1_a.sql", "schema.sql")
    with pytest.raises(SourceError) as info:
        collect(tmp_path)
    assert "schema.sql" in str(info.value)
    assert [p.path.name for p in info.value.problems] == ["schema.sql"]


def test_stray_file_can_be_ignored_explicitly(tmp_path: Path) -> None:
    make(tmp_path, "1_a.sql", "schema.sql")
    assert [m.path.name for m in collect(tmp_path, ignore=("schema.sql",))] == ["1_a.sql"]


def test_duplicate_versions_name_both_files(tmp_path: Path) -> None:
    make(tmp_path, "1_a.sql", "001_b.sql", "2_c.sql")
    with pytest.raises(SourceError) as info:
        collect(tmp_path)
    message = str(info.value)
    assert "1_a.sql" in message and "001_b.sql" in message
    assert "2_c.sql" not in message


def test_every_problem_is_listed(tmp_path: Path) -> None:
    make(tmp_path, "1_a.sql", "+1_b.sql", "schema.sql", "0_zero.sql", "x_y.sql", "3_ok.sql")
    with pytest.raises(SourceError) as info:
        collect(tmp_path)
    message = str(info.value)
    for name in ("1_a.sql", "+1_b.sql", "schema.sql", "0_zero.sql", "x_y.sql"):
        assert name in message
    assert "3_ok.sql" not in message


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        collect(tmp_path / "nope")
