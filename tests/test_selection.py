"""Choosing the database from options and from llm-proxy's and goose's environment."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import make_url

from llm_proxy.api import Migrator
from llm_proxy.errors import DatabaseError
from llm_proxy.selection import DatabaseSelectionError, from_goose, from_url, mask_password, select_database
from llm_proxy.services.roundtrip import scratch_database

# Whether this SQLite reads a "file:" name as a URI without uri=true (SQLITE_USE_URI).
with closing(sqlite3.connect(":memory:")) as _memory:
    READS_URIS = ("USE_URI",) in _memory.execute("PRAGMA compile_options").fetchall()


def test_default_is_the_sqlite_file_under_data() -> None:
    target = select_database(environ={})
    assert (target.dialect, target.url) == ("sqlite", "sqlite:///data/llm-proxy.db")
    assert target.sqlite_path == Path("data/llm-proxy.db")


def test_options_beat_the_environment_and_cannot_both_be_given() -> None:
    env = {"DATABASE_URL": "postgres://u@h/d", "DATABASE_PATH": "env.db"}
    assert select_database(db_path="flag.db", environ=env).url == "sqlite:///flag.db"
    assert select_database(database_url="mysql://r@h/d", environ=env).url == "mysql+pymysql://r@h/d"
    with pytest.raises(DatabaseSelectionError, match="not both"):
        select_database(db_path="a.db", database_url="sqlite:///b.db", environ={})


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({"DATABASE_PATH": "/srv/lp.db"}, "sqlite:////srv/lp.db"),
        ({"DB_DRIVER": "sqlite", "DATABASE_URL": "postgres://h/d", "DATABASE_PATH": "x.db"}, "sqlite:///x.db"),
        ({"DB_DRIVER": "postgres", "DATABASE_URL": "postgres://u:pw@h:5433/d"}, "postgresql+psycopg://u:pw@h:5433/d"),
        ({"DB_DRIVER": "mysql", "DATABASE_URL": "mysql://root@127.0.0.1:3306/lp"}, "mysql+pymysql://root@127.0.0.1:3306/lp"),
        ({"DATABASE_URL": "postgresql+psycopg://h/d"}, "postgresql+psycopg://h/d"),
        ({"GOOSE_DRIVER": "sqlite3", "GOOSE_DBSTRING": "./goose.db"}, "sqlite:///./goose.db"),
        ({"GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": "postgres://u@h/d?sslmode=disable"}, "postgresql+psycopg://u@h/d?sslmode=disable"),
    ],
)
def test_environment(env: dict[str, str], url: str) -> None:
    assert select_database(environ=env).url == url


def test_db_driver_mismatches_are_refused() -> None:
    with pytest.raises(DatabaseSelectionError, match="needs DATABASE_URL"):
        select_database(environ={"DB_DRIVER": "postgres"})
    with pytest.raises(DatabaseSelectionError, match="mysql URL"):
        select_database(environ={"DB_DRIVER": "postgres", "DATABASE_URL": "mysql://h/d"})
    with pytest.raises(DatabaseSelectionError, match="not one of"):
        select_database(environ={"DB_DRIVER": "oracle"})


def test_goose_libpq_key_value_string() -> None:
    target = from_goose("postgres", "host=127.0.0.1 port=5432 user=app password='s3 cr@t' dbname=lp sslmode=disable")
    url = make_url(target.url)
    assert (url.drivername, url.host, url.port, url.username, url.password, url.database) == (
        "postgresql+psycopg", "127.0.0.1", 5432, "app", "s3 cr@t", "lp",
    )
    assert url.query == {"sslmode": "disable"}
    assert "s3" not in target.display


@pytest.mark.parametrize(
    ("dbstring", "parts"),
    [
        ("dbname=my\\ db", {"database": "my db"}),
        ("host=127.0.0.1 port=5432 user=postgres dbname='my db'", {"host": "127.0.0.1", "port": 5432, "database": "my db"}),
        ("dbname = lp  user =app", {"username": "app", "database": "lp"}),
        (r"password='it\'s a \\ secret' dbname=lp", {"password": "it's a \\ secret", "database": "lp"}),
        ("host=/run/postgresql dbname=lp", {"host": None, "database": "lp", "query": {"host": "/run/postgresql"}}),
        ("host=/run/postgresql port=5433 dbname=lp", {"host": None, "port": None, "query": {"host": "/run/postgresql", "port": "5433"}}),
        ("host=db connect_timeout=5", {"host": "db", "database": "", "query": {"connect_timeout": "5"}}),
    ],
)
def test_goose_libpq_strings_are_read_as_libpq_reads_them(dbstring: str, parts: dict[str, object]) -> None:
    url = make_url(from_goose("postgres", dbstring).url)
    assert url.drivername == "postgresql+psycopg"
    assert {name: getattr(url, name) for name in parts} == parts


def test_a_database_name_with_url_characters_as_far_as_sqlalchemy_can_carry_it() -> None:
    dbstring = "password=p@ss/w:rd dbname='a/b?c'"
    if sqlalchemy.__version__.startswith("2.0."):
        with pytest.raises(DatabaseSelectionError, match="SQLAlchemy 2.0 cannot carry"):
            from_goose("postgres", dbstring)
        return
    url = make_url(from_goose("postgres", dbstring).url)
    assert (url.password, url.database) == ("p@ss/w:rd", "a/b?c")


@pytest.mark.parametrize(
    ("dbstring", "problem", "secret"),
    [
        ("host=db password=two words", 'missing "=" after "***"', "words"),
        ("PASSWORD=two words", 'invalid connection option "PASSWORD"', "words"),
        ("host=db password='never closed", "unterminated quoted string", "never closed"),
        ("password=hidden-too bogus=1", 'invalid connection option "***"', "bogus"),
        ("host=db bogus=1 password=s3cret", 'invalid connection option "bogus"', "s3cret"),
        ("just-a-word", 'missing "=" after "just-a-word"', None),
    ],
)
def test_a_malformed_libpq_string_is_refused_without_the_password(dbstring: str, problem: str, secret: str | None) -> None:
    with pytest.raises(DatabaseSelectionError) as caught:
        from_goose("postgres", dbstring)
    message = str(caught.value)
    assert message.startswith(f"GOOSE_DBSTRING is not a libpq connection string: {problem}; expected key=value pairs")
    assert "dbname='my db'" in message
    if secret is not None:
        assert secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_libpq_socket_directory_is_reached_on_its_port(postgres_url: str) -> None:
    with sqlalchemy.create_engine(postgres_url).connect() as connection:
        directory = connection.exec_driver_sql("SHOW unix_socket_directories").scalar_one().split(",")[0].strip()
        port = connection.exec_driver_sql("SHOW port").scalar_one()
    user = make_url(postgres_url).username
    assert Migrator(from_goose("postgres", f"host={directory} port={port} user={user} dbname=postgres")).version() >= 0
    with pytest.raises(DatabaseError, match=rf"{re.escape(directory)}/\.s\.PGSQL\.1\b"):
        Migrator(from_goose("postgres", f"host={directory} port=1 user={user} dbname=postgres")).version()


def test_a_libpq_string_reaches_a_database_with_a_space_in_its_name(postgres_url: str) -> None:
    server = make_url(postgres_url)
    admin = from_url(server.set(database="postgres").render_as_string(hide_password=False))
    with scratch_database(admin, prefix="lp test ") as target:
        name = make_url(target.url).database
        assert name is not None and name.startswith("lp test ")
        where = f"host={server.host} port={server.port} user={server.username}"
        quoted = select_database(environ={"GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": f"{where} dbname='{name}'"})
        escaped_name = name.replace(" ", "\\ ")
        escaped = select_database(environ={"GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": f"{where} dbname={escaped_name}"})
        assert quoted == escaped

        Migrator(escaped).up()
        assert Migrator(target).version() == 6


def test_goose_go_mysql_dsn() -> None:
    url = make_url(from_goose("mysql", "app:p@ss@tcp(db.internal:3307)/lp?parseTime=true&charset=utf8mb4").url)
    assert (url.drivername, url.host, url.port, url.username, url.password, url.database) == (
        "mysql+pymysql", "db.internal", 3307, "app", "p@ss", "lp",
    )
    assert url.query == {"charset": "utf8mb4"}
    assert make_url(from_goose("mysql", "root@/test").url).host == "127.0.0.1"
    socket = make_url(from_goose("mysql", "root@unix(/run/mysqld/mysqld.sock)/test").url)
    assert socket.query == {"unix_socket": "/run/mysqld/mysqld.sock"}


def test_bad_urls_name_the_fix_without_the_password() -> None:
    with pytest.raises(DatabaseSelectionError, match="use postgresql://") as caught:
        from_url("oracle://scott:tiger@h/d")
    assert "tiger" not in str(caught.value)
    with pytest.raises(DatabaseSelectionError, match="--db PATH"):
        from_url("data/llm-proxy.db")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://x@h:notaport/db", "postgresql://x@h:notaport/db"),
        ("mysql://root:pw@h:3306x/db", "mysql://root:***@h:3306x/db"),
        ("postgresql://h:/db", "postgresql://h:/db"),
        ("postgresql://h:0/db", "postgresql://h:***/db"),
        ("postgresql://h:65536/db", "postgresql://h:***/db"),
        ("postgresql://h:-5/db", "postgresql://h:***/db"),
        ("postgresql://app:secret/db", "postgresql://app:***/db"),  # "@host" left out: the "port" is a password
        ("postgresql+psycopg://[::1]:x/db?sslmode=disable", "postgresql+psycopg://[::1]:***/db?sslmode=disable"),
    ],
)
def test_a_url_with_a_bad_port_is_refused_when_read(url: str, shown: str) -> None:
    with pytest.raises(DatabaseSelectionError) as caught:
        from_url(url)
    assert str(caught.value) == f"{shown}: the port must be a number from 1 to 65535, as in postgresql://user@host:5432/dbname"


@pytest.mark.parametrize(
    ("driver", "dbstring", "message"),
    [
        ("postgres", "host=db port=abc dbname=lp", "GOOSE_DBSTRING: port='abc' is not a number from 1 to 65535"),
        ("mysql", "app:pw@tcp(db:33o6)/lp", "GOOSE_DBSTRING: the port of tcp(db:33o6) is not a number from 1 to 65535"),
    ],
)
def test_a_goose_dbstring_with_a_bad_port_is_refused_when_read(driver: str, dbstring: str, message: str) -> None:
    with pytest.raises(DatabaseSelectionError) as caught:
        from_goose(driver, dbstring)
    assert str(caught.value) == message


def test_a_driver_name_sqlalchemy_cannot_parse_is_refused() -> None:
    with pytest.raises(DatabaseSelectionError, match="is not a database scheme"):
        from_url("postgresql+psy-copg://h/db")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab:@/[]?1-", max_size=14), st.sampled_from(["postgresql", "mysql", "postgresql+psycopg"]))
def test_every_url_accepted_is_one_sqlalchemy_can_parse(rest: str, scheme: str) -> None:
    """Ports are found as SQLAlchemy finds them: what from_url lets through never fails in make_url."""
    try:
        target = from_url(f"{scheme}://{rest}")
    except DatabaseSelectionError:
        return
    port = make_url(target.url).port
    assert port is None or 0 < port < 65536


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:secret@h/d", "postgresql://u:***@h/d"),
        ("postgresql://u:se@cr/et@h/d", "postgresql://u:***@h/d"),
        ("mysql://root@h/d", "mysql://root@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_mask_password(url: str, shown: str) -> None:
    assert mask_password(url) == shown


@pytest.mark.parametrize(
    ("url", "path", "uri"),
    [
        ("sqlite:///app.db", Path("app.db"), False),
        ("sqlite:////srv/my%20app.db?timeout=5", Path("/srv/my app.db"), False),
        ("sqlite:///file:/srv/app.db?mode=ro&uri=true", Path("/srv/app.db"), True),
        ("sqlite:///file:data/app%20x.db?uri=true&immutable=1", Path("data/app x.db"), True),
        ("sqlite:///file:///srv/app.db?uri=true", Path("/srv/app.db"), True),
        ("sqlite:///file:app.db?mode=memory&uri=true", None, True),
        ("sqlite:///file::memory:?uri=true", None, True),
        ("sqlite:///file:app.db?mode=ro&uri=1", Path("app.db"), True),  # SQLAlchemy's asbool() reads 1 as true
        ("sqlite:///file:app.db?uri=false", Path("app.db") if READS_URIS else Path("file:app.db"), False),
        ("sqlite:///:memory:", None, False),
        ("sqlite://", None, False),
    ],
)
def test_the_sqlite_file_of_a_url_is_the_one_sqlite_opens(url: str, path: Path | None, uri: bool) -> None:
    target = from_url(url)
    assert (target.sqlite_path, target.sqlite_uri) == (path, uri)
