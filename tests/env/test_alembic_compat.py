"""One test for each use of Alembic's private API (llm_proxy.env._alembic_compat).

When an Alembic release moves one of these, the test that names it fails first, on the
lowest and the highest Alembic that CI runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import alembic.context
from alembic import command
from alembic.config import CommandLine, Config
from alembic.runtime import migration
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap
from sqlalchemy import create_engine

from llm_proxy.env import _alembic_compat as compat
from llm_proxy.env.context import GooseMigrationContext
from llm_proxy.env.revisions import GooseRevisionMap, GooseScriptDirectory
from llm_proxy.env.settings import EnvSettings
from llm_proxy.env.store import GooseVersionStore
from llm_proxy.selection import sqlite_target


def test_run_loop_builds_goose_store_for_goose_contexts_and_alembics_own_for_others(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    folder = tmp_path / "m"
    folder.mkdir()
    settings = EnvSettings(sqlite_target(tmp_path / "plain.db"), folder)
    with engine.connect() as connection:
        plain = MigrationContext.configure(connection)
        maintainer = migration.HeadMaintainer(plain, ("abc",))
        assert type(maintainer) is compat._ALEMBIC_HEAD_MAINTAINER
        assert maintainer.heads == {"abc"}
        opts = {"goose_settings": settings, "goose_planner": None, "script": GooseScriptDirectory(folder)}
        goose = GooseMigrationContext(plain.dialect, connection, opts, None)
        store = migration.HeadMaintainer(goose, ())
        assert type(store) is GooseVersionStore
        assert store.heads == {"0"}
    engine.dispose()


def test_plain_alembic_project_in_the_same_process_keeps_alembic_version(tmp_path):
    """A project's own Alembic migrations still get Alembic's bookkeeping."""
    scripts = tmp_path / "plain"
    (scripts / "versions").mkdir(parents=True)
    (scripts / "env.py").write_text(
        "from alembic import context\nfrom sqlalchemy import create_engine\n"
        "engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n"
        "with engine.connect() as connection:\n"
        "    context.configure(connection=connection)\n"
        "    with context.begin_transaction():\n        context.run_migrations()\n",
        encoding="utf-8",
    )
    (scripts / "versions" / "a1_first.py").write_text(
        "revision = 'a1'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
        encoding="utf-8",
    )
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'plain.db'}")
    command.upgrade(config, "head")
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.exec_driver_sql("SELECT version_num FROM alembic_version")] == [("a1",)]
    engine.dispose()


def test_environment_of_the_context_module_and_installing_a_context(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    script = GooseScriptDirectory(folder)
    environment = EnvironmentContext(Config(), script)
    with environment:
        assert compat.environment_of(alembic.context) is environment
        engine = create_engine("sqlite://")
        with engine.connect() as connection:
            replacement = MigrationContext.configure(connection)
            compat.install_migration_context(environment, replacement)
            assert environment.get_context() is replacement
        engine.dispose()


def test_numbers_resolve_to_the_highest_version_at_or_below_never_by_prefix(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    for version in (1, 3, 20240101000000):
        (folder / f"{version}_m.sql").write_text("-- +goose Up\n", encoding="utf-8")
    revision_map = GooseRevisionMap(folder)
    assert isinstance(revision_map, compat.ExactRevisionMap)
    assert [r.revision for r in revision_map.get_revisions("2024")] == ["3"]
    assert [r.revision for r in revision_map.get_revisions("20240101000000")] == ["20240101000000"]
    assert revision_map.get_revisions("0") == ()
    assert {r.revision for r in revision_map._get_all_current(("3",))} == {"3"}


def test_the_straight_line_skips_alembics_cycle_walk(tmp_path, monkeypatch):
    folder = tmp_path / "m"
    folder.mkdir()
    for version in (1, 2, 3):
        (folder / f"{version}_m.sql").write_text("-- +goose Up\n", encoding="utf-8")
    assert callable(RevisionMap._detect_cycles)  # still Alembic's hook, called while building the map
    called = []
    monkeypatch.setattr(RevisionMap, "_detect_cycles", lambda self, *args, **kwargs: called.append(args))
    RevisionMap(lambda: []).heads  # noqa: B018 - building a plain map calls Alembic's walk
    assert called
    called.clear()
    revision_map = GooseRevisionMap(folder)
    assert revision_map.heads == ("3",) and revision_map.bases == ("1",)
    assert [r.revision for r in revision_map.iterate_revisions("3", "base")] == ["3", "2", "1"]
    assert called == []


def test_ini_files_as_the_alembic_command_line_chooses_them(tmp_path):
    ini = tmp_path / "custom.ini"
    ini.write_text("[alembic]\nscript_location = x\n", encoding="utf-8")
    cli = CommandLine(prog="alembic")
    options = cli.parser.parse_args(["-c", str(ini), "current"])
    toml, chosen = compat.ini_files(cli, options)
    assert Path(str(chosen)) == ini
    assert isinstance(options, argparse.Namespace)


def test_alembic_commands_build_our_script_directory_while_a_command_runs():
    assert command.ScriptDirectory is ScriptDirectory
    with compat.goose_script_directory(GooseScriptDirectory):
        assert command.ScriptDirectory is GooseScriptDirectory
    assert command.ScriptDirectory is ScriptDirectory
