"""Where the Alembic environment finds the database, the folder and the table."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
from alembic.config import Config

from llm_proxy.bundled import bundled_migrations
from llm_proxy.env.settings import resolve_settings
from llm_proxy.errors import MigrationError, VersionTableError
from llm_proxy.selection import from_url


def config(*x: str, **ini: str) -> Config:
    made = Config(cmd_opts=Namespace(x=list(x)))
    for key, value in ini.items():
        made.set_main_option(key, value)
    return made


def test_defaults_are_the_sqlite_file_and_its_bundled_migrations():
    settings = resolve_settings(config(), environ={})
    assert settings.target.url == "sqlite:///data/llm-proxy.db"
    assert settings.folder == bundled_migrations("sqlite")
    assert (settings.table, settings.allow_missing) == ("goose_db_version", False)


def test_the_environment_picks_the_database_and_gooses_variables_the_rest():
    settings = resolve_settings(
        config(),
        environ={"DATABASE_URL": "postgresql://u@h/db", "GOOSE_TABLE": "app.versions", "GOOSE_MIGRATION_DIR": "/m"},
    )
    assert settings.target.url == "postgresql+psycopg://u@h/db"
    assert (settings.folder, settings.table) == (Path("/m"), "app.versions")


def test_a_bundled_folder_follows_the_dialect():
    assert resolve_settings(config(), environ={"DATABASE_URL": "mysql://root@h/db"}).folder == bundled_migrations("mysql")


def test_ini_beats_environment_and_x_beats_ini():
    environ = {"DATABASE_URL": "postgresql://env@h/db"}
    ini = {"sqlalchemy.url": "mysql://ini@h/db", "goose_table": "ini_table"}
    assert resolve_settings(config(**ini), environ=environ).target.url == "mysql+pymysql://ini@h/db"
    settings = resolve_settings(config("url=sqlite:///x.db", "table=x_table", "allow_missing=yes", **ini), environ=environ)
    assert (settings.target.url, settings.table, settings.allow_missing) == ("sqlite:///x.db", "x_table", True)


def test_explicit_arguments_beat_everything():
    settings = resolve_settings(config("url=sqlite:///x.db"), target=from_url("mysql://a@h/db"), table="t", environ={})
    assert (settings.target.dialect, settings.table) == ("mysql", "t")


def test_bad_values_are_refused():
    with pytest.raises(MigrationError, match="-x key=value"):
        resolve_settings(config("url"), environ={})
    with pytest.raises(VersionTableError):
        resolve_settings(config("table=x; DROP TABLE y"), environ={})
