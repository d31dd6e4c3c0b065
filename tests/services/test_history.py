"""--since REF against real temporary git repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.git import git

from llm_proxy.services.history import HistoryError
from llm_proxy.services.validate import ValidateOptions, check_folder

if TYPE_CHECKING:
    from pathlib import Path

MIGRATION = "-- +goose Up\nCREATE TABLE IF NOT EXISTS t{n} (id int);\n-- +goose Down\nDROP TABLE IF EXISTS t{n};\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose db/migrations holds versions 1, 2 and 5, tagged 'deployed'."""
    git(tmp_path, "init", "-q")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for n, name in ((1, "00001_one.sql"), (2, "00002_two.sql"), (5, "00005_five.sql")):
        (folder / name).write_text(MIGRATION.format(n=n))
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "deployed")
    git(tmp_path, "tag", "deployed")
    return tmp_path


def history(repo: Path, ref: str = "deployed") -> list[tuple[str, str, str]]:
    report = check_folder(repo / "db" / "migrations", ValidateOptions(since=ref))
    return [(f.code, f.file.name if f.file else "", f.severity) for f in report.findings]


def test_unchanged_folder_and_a_new_migration_above_the_head_pass(repo: Path) -> None:
    (repo / "db/migrations/00006_six.sql").write_text(MIGRATION.format(n=6))
    assert history(repo) == []


def test_modified_migration_is_an_error_even_before_it_is_committed(repo: Path) -> None:
    path = repo / "db/migrations/00002_two.sql"
    path.write_text(path.read_text().replace("id int", "id bigint"))
    assert history(repo) == [("LP501", "00002_two.sql", "error")]
    git(repo, "commit", "-qam", "change an applied migration")
    assert history(repo) == [("LP501", "00002_two.sql", "error")]
    assert history(repo, "HEAD") == []


def test_comment_only_change_is_a_warning(repo: Path) -> None:
    path = repo / "db/migrations/00002_two.sql"
    path.write_text("-- explain the table\n" + path.read_text())
    assert history(repo) == [("LP501", "00002_two.sql", "warning")]


def test_deleted_migration_is_an_error(repo: Path) -> None:
    git(repo, "rm", "-q", "db/migrations/00002_two.sql")
    git(repo, "commit", "-qm", "drop one")
    assert history(repo) == [("LP502", "00002_two.sql", "error")]


def test_new_migration_below_the_head_is_missing_on_deployed_databases(repo: Path) -> None:
    (repo / "db/migrations/00003_three.sql").write_text(MIGRATION.format(n=3))
    findings = check_folder(repo / "db/migrations", ValidateOptions(since="deployed")).findings
    assert [(f.code, f.file.name) for f in findings] == [("LP503", "00003_three.sql")]
    assert "below 5" in findings[0].message and "renumber it above 5" in (findings[0].hint or "")


def test_renumbered_migration_is_reported_once(repo: Path) -> None:
    git(repo, "mv", "db/migrations/00002_two.sql", "db/migrations/00004_two.sql")
    assert history(repo) == [("LP504", "00004_two.sql", "error")]
    # Renamed without git mv (a deletion plus an untracked file): the same finding.
    git(repo, "mv", "db/migrations/00004_two.sql", "db/migrations/00002_two.sql")
    (repo / "db/migrations/00002_two.sql").rename(repo / "db/migrations/00007_two.sql")
    assert history(repo) == [("LP504", "00007_two.sql", "error")]


def test_renaming_only_the_description_keeps_the_version_and_passes(repo: Path) -> None:
    git(repo, "mv", "db/migrations/00002_two.sql", "db/migrations/00002_second.sql")
    assert history(repo) == []


def test_unknown_ref_and_no_repository_are_clear_errors(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    with pytest.raises(HistoryError, match="does not know the reference 'nope'"):
        history(repo, "nope")
    outside = tmp_path_factory.mktemp("plain")
    (outside / "00001_one.sql").write_text(MIGRATION.format(n=1))
    with pytest.raises(HistoryError, match="not inside a git work tree"):
        check_folder(outside, ValidateOptions(since="HEAD"))


def test_folder_that_did_not_exist_at_ref_has_no_history(repo: Path) -> None:
    new = repo / "other"
    new.mkdir()
    (new / "00001_one.sql").write_text(MIGRATION.format(n=1))
    report = check_folder(new, ValidateOptions(since="deployed"))
    assert report.findings == ()
