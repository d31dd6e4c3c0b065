"""The pytest plugin, run by pytest itself on temporary projects (pytester)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from support.migrations import ADD_COLUMN_UNDONE

pytest_plugins = ["pytester"]

GOOD = """\
-- +goose Up
CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL);

-- +goose Down
DROP TABLE IF EXISTS tokens;
"""
CUT = """\
-- +goose Up
INSERT INTO tokens (id, name) VALUES ('a', 'one;
two');

-- +goose Down
DELETE FROM tokens;
"""
INI = "[pytest]\nllm_proxy_migrations = db/migrations\n"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    folder = pytester.mkdir("db").joinpath("migrations")
    folder.mkdir()
    (folder / "00001_tokens.sql").write_text(GOOD)
    pytester.makeconftest("")
    pytester.makepyfile(test_app="def test_app():\n    assert True\n")
    return pytester


def test_plugin_is_registered_by_the_installed_distribution() -> None:
    assert "llm_proxy.pytest_plugin" in {e.value for e in entry_points(group="pytest11")}


def test_unconfigured_suites_get_no_tests(project: pytest.Pytester) -> None:
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert "migrations" not in result.stdout.str().replace("llm-proxy-migrations-", "")


def test_good_migrations_pass_every_check(project: pytest.Pytester) -> None:
    project.makeini(INI)
    result = project.runpytest("-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*00001_tokens.sql::parses PASSED*", "*00001_tokens.sql::roundtrip PASSED*"])


def test_bad_migrations_fail_with_file_line_and_object(project: pytest.Pytester) -> None:
    project.makeini(INI)
    folder = project.path / "db" / "migrations"
    (folder / "00002_add_col.sql").write_text(ADD_COLUMN_UNDONE)
    (folder / "00003_cut.sql").write_text(CUT)
    result = project.runpytest("-v", "-rs")
    outcomes = result.parseoutcomes()
    assert (outcomes["failed"], outcomes["skipped"]) == (2, 1)
    result.stdout.fnmatch_lines([
        "*00002_add_col.sql::roundtrip FAILED*",
        "*00003_cut.sql::lints FAILED*",
        "*00003_cut.sql::roundtrip SKIPPED*",
        "*00002_add_col.sql:4: error LP601: after Down, column tokens.cache_hit_count is still there (added by Up)*",
        "*00002_add_col.sql:2: error LP604: Up fails after Down: duplicate column name: cache_hit_count*",
        "*00003_cut.sql:2: error LP101:*",
        "*the round trip stopped at 00002_add_col.sql*",
    ])


def test_python_revisions_get_the_same_checks(project: pytest.Pytester) -> None:
    project.makeini(INI)
    folder = project.path / "db" / "migrations"
    (folder / "00002_seed.py").write_text(
        "from alembic import op\n\n\ndef upgrade() -> None:\n"
        "    op.execute(\"INSERT INTO tokens (id, name) VALUES ('t', 'first')\")\n\n\n"
        "def downgrade() -> None:\n    op.execute(\"DELETE FROM tokens WHERE id = 't'\")\n"
    )
    (folder / "00003_broken.py").write_text("def upgrade(:\n    pass\n")
    result = project.runpytest("-v", "-rs")
    result.stdout.fnmatch_lines([
        "*00002_seed.py::parses PASSED*",
        "*00002_seed.py::roundtrip PASSED*",
        "*00003_broken.py::parses FAILED*",
        "*00003_broken.py:1: error parse: not valid Python*",
    ])


def test_round_trip_can_be_turned_off_and_options_override_the_ini(project: pytest.Pytester) -> None:
    project.makeini(INI + "llm_proxy_roundtrip = false\n")
    (project.path / "db" / "migrations" / "00002_add_col.sql").write_text(ADD_COLUMN_UNDONE)
    result = project.runpytest("-k", "roundtrip")
    result.assert_outcomes(skipped=2)
    project.makeini("[pytest]\n")
    result = project.runpytest("--llm-proxy-migrations", "db/migrations", "-k", "add_col")
    result.assert_outcomes(passed=2, failed=1)


def test_report_fixture_for_tests_of_ones_own(project: pytest.Pytester) -> None:
    project.makeini(INI + "llm_proxy_tests_path = nowhere.py\n")
    project.makepyfile(test_own="""
        def test_no_errors(llm_proxy_report):
            assert llm_proxy_report.roundtrip.checked == 1
            assert llm_proxy_report.errors == ()
    """)
    result = project.runpytest("test_own.py")
    result.assert_outcomes(passed=1)
