"""Which database to migrate: the same rules for the CLI, ``setup`` and the library.

People arrive with llm-proxy's settings (``--db``, ``DATABASE_PATH``, ``DB_DRIVER``,
``DATABASE_URL``) or goose's (``GOOSE_DRIVER`` + ``GOOSE_DBSTRING``, where a MySQL string is a
Go DSN like ``user:pw@tcp(host:3306)/db`` and a PostgreSQL one may be libpq ``key=value``
pairs). All of them end up as one SQLAlchemy URL with the driver this package ships
(psycopg 3, PyMySQL), and a display form with the password masked for every message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, unquote

from llm_proxy.errors import DatabaseSelectionError

if TYPE_CHECKING:
    from collections.abc import Mapping

Dialect = Literal["sqlite", "postgres", "mysql"]
DEFAULT_SQLITE_PATH = Path("data") / "llm-proxy.db"

_DRIVERS: dict[str, tuple[Dialect, str]] = {
    "sqlite": ("sqlite", "sqlite"),
    "sqlite3": ("sqlite", "sqlite"),
    "postgres": ("postgres", "postgresql+psycopg"),
    "postgresql": ("postgres", "postgresql+psycopg"),
    "pgx": ("postgres", "postgresql+psycopg"),
    "mysql": ("mysql", "mysql+pymysql"),
    "mariadb": ("mysql", "mysql+pymysql"),
}


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """A database to open: its SQLAlchemy URL and dialect."""

    url: str
    dialect: Dialect

    @property
    def display(self) -> str:
        """The URL with its password replaced by ``***``: the only form ever printed."""
        return mask_password(self.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for a SQLite target on disk: for a ``file:`` URI, its file,
        as SQLite opens it (with ``uri=true``, or when SQLite is built to read a URI in
        any file name, as Debian's is)."""
        if self.dialect != "sqlite" or ":///" not in self.url:
            return None
        name, _, query = self.url.split(":///", 1)[1].partition("?")
        uri = self.sqlite_uri
        if name.startswith("file:") and (uri or _sqlite_reads_uris()):
            if uri and ("mode", "memory") in parse_qsl(query):
                return None
            name = _sqlite_uri_path(name)
        else:
            name = unquote(name)
        return Path(name) if name and name != ":memory:" else None

    @property
    def sqlite_uri(self) -> bool:
        """A SQLite URL whose database is a ``file:`` URI SQLAlchemy hands to SQLite as one
        (``uri=true``, or any other truth SQLAlchemy reads there: ``1``, ``yes``, ``on``);
        SQLite then reads its options (``mode=ro``, ``immutable=1``) from the URL's query."""
        if self.dialect != "sqlite":
            return False
        name, _, query = self.url.partition("?")
        uri = [value for key, value in parse_qsl(query) if key == "uri"]
        return bool(uri) and uri[-1].strip().lower() in _TRUE and name.partition(":///")[2].startswith("file:")

    def __str__(self) -> str:
        return self.display


_TRUE = ("true", "yes", "on", "y", "t", "1")  # what SQLAlchemy's asbool() takes for True


@cache
def _sqlite_reads_uris() -> bool:
    """True when this process's SQLite takes a file name starting ``file:`` as a URI even
    without ``uri=true`` (built with ``SQLITE_USE_URI``)."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(":memory:")) as connection:
        options = {option for (option,) in connection.execute("PRAGMA compile_options")}
    return bool({"USE_URI", "USE_URI=1"} & options)


def mask_password(url: str) -> str:
    """``url`` with any password hidden, for messages and logs.

    Everything between the user name and the LAST ``@`` is hidden, so a password with an
    unescaped ``@`` or ``/`` in it cannot leak in part (at worst more than the password is
    hidden).
    """
    scheme, sep, rest = url.partition("://")
    userinfo, at, tail = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


def sqlite_target(path: Path | str) -> DatabaseTarget:
    """A SQLite database file."""
    return DatabaseTarget(f"sqlite:///{path}", "sqlite")


def from_url(url: str) -> DatabaseTarget:
    """A target from a database URL (``postgresql://``, ``mysql://``, ``sqlite:///``, ...).

    Bare schemes get this package's drivers; an explicit ``+driver`` is kept as given.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise DatabaseSelectionError(
            f"{mask_password(url)!r} is not a database URL; expected e.g. "
            "postgresql://user@host/db, mysql://user@host/db or sqlite:///path/to.db "
            "(use --db PATH for a SQLite file)"
        )
    base, plus, driver = scheme.lower().partition("+")
    if base not in _DRIVERS:
        raise DatabaseSelectionError(
            f"unsupported database {scheme!r} in {mask_password(url)}; "
            "use postgresql://, mysql:// or sqlite:///"
        )
    if plus and not re.fullmatch(r"\w+", driver):
        raise DatabaseSelectionError(
            f"{scheme!r} in {mask_password(url)} is not a database scheme; "
            "use postgresql://, mysql:// or sqlite:/// (or name a driver, as in postgresql+psycopg://)"
        )
    _check_port(url)
    dialect, default_scheme = _DRIVERS[base]
    scheme = f"{default_scheme.split('+')[0]}+{driver}" if plus else default_scheme
    return DatabaseTarget(f"{scheme}://{rest}", dialect)


# What follows "scheme://" as SQLAlchemy's URL parser splits it: user[:password]@, then the
# host (an IPv6 address in brackets), then :port, up to the database or the query.
_AUTHORITY = re.compile(r"(?P<userinfo>[^:/]*(?::[^@]*)?@)?(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?")


def _check_port(url: str) -> None:
    """Refuse a URL whose port is not a number from 1 to 65535.

    SQLAlchemy's parser would fail on it only when the engine is made, with a bare
    ``ValueError`` from ``int()``; finding the port here, the way that parser does, keeps
    SQLAlchemy unimported for commands that never connect through it (status on SQLite).
    Without a user part, the "port" may be a password whose ``@host`` was left out
    (``postgresql://app:secret/db``), so it is masked.
    """
    scheme, _, rest = url.partition("://")
    match = _bad_port(rest)
    if match is None:
        return
    if match["userinfo"] or not match["port"]:
        shown = mask_password(url)
    else:
        start, end = match.span("port")
        shown = f"{scheme}://{rest[:start]}***{rest[end:]}"
    raise DatabaseSelectionError(
        f"{shown}: the port must be a number from 1 to 65535, as in postgresql://user@host:5432/dbname"
    )


def _bad_port(authority: str) -> re.Match[str] | None:
    """How ``authority`` (what follows ``scheme://``) parses, when its port is not a port."""
    match = _AUTHORITY.match(authority)
    if match is None or match["port"] is None or _is_port(match["port"]):
        return None
    return match


def _is_port(text: str) -> bool:
    """``text`` is a TCP port: ASCII digits, 1 to 65535."""
    return text.isascii() and text.isdigit() and 0 < int(text) < 65536


def from_goose(driver: str, dbstring: str) -> DatabaseTarget:
    """A target from goose's ``GOOSE_DRIVER`` and ``GOOSE_DBSTRING``."""
    key = driver.strip().lower()
    if key not in _DRIVERS:
        raise DatabaseSelectionError(
            f"GOOSE_DRIVER={driver!r} is not supported; use sqlite3, postgres or mysql"
        )
    dialect = _DRIVERS[key][0]
    if dialect == "sqlite" and dbstring.startswith("file:"):
        return sqlite_target(_sqlite_uri_path(dbstring))
    if "://" in dbstring:
        target = from_url(dbstring)
        if target.dialect != dialect:
            raise DatabaseSelectionError(
                f"GOOSE_DRIVER={driver} but GOOSE_DBSTRING is a {target.dialect} URL"
            )
        return target
    if dialect == "sqlite":
        return sqlite_target(dbstring.split("?", 1)[0])
    if dialect == "postgres":
        return _from_libpq(dbstring)
    return _from_go_mysql_dsn(dbstring)


def _sqlite_uri_path(uri: str) -> str:
    """The file of a SQLite ``file:`` URI (``file:app.db?mode=rwc``, ``file:///srv/app.db``).

    goose's SQLite driver takes these as SQLite does: the query holds connection options,
    ``%XX`` escapes are decoded, and an authority, when present, must be empty or
    ``localhost``.
    """
    rest = uri.removeprefix("file:").split("?", 1)[0].split("#", 1)[0]
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if authority not in ("", "localhost"):
            raise DatabaseSelectionError(
                f"{uri!r}: a SQLite file: URI names a file on this machine; "
                f"write file:///path/to.db (not the host {authority!r})"
            )
        rest = slash + path
    if not rest:
        raise DatabaseSelectionError(f"{uri!r} names no SQLite file; expected e.g. file:app.db or file:///srv/app.db")
    return unquote(rest)


def mask_dbstring(dbstring: str) -> str:
    """A goose DBSTRING with its password hidden: a URL's, libpq's ``password=...``, or a Go
    MySQL DSN's ``user:password@``; anything else is shown as it is."""
    if "://" in dbstring:
        return mask_password(dbstring)
    if re.search(r"(?:^|\s)password\s*=", dbstring):
        return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)", r"\1***", dbstring)
    match = _GO_MYSQL_DSN.match(dbstring)
    if match is not None and match["password"] is not None:
        return f"{match['user']}:***@{dbstring[match.end('password') + 1 :]}"
    return dbstring


def _from_libpq(conninfo: str) -> DatabaseTarget:
    """libpq ``key=value`` pairs as a URL, parsed by libpq itself (through psycopg).

    libpq's rules are subtle (single quotes, backslash escapes inside and outside them,
    white space around ``=``), so a copy of them would misread strings that goose, psql
    and the server accept. psycopg is imported here only: no other selection needs it.
    """
    from psycopg import Error
    from psycopg.conninfo import conninfo_to_dict

    try:
        pairs = {key: str(value) for key, value in conninfo_to_dict(conninfo).items()}
    except Error as exc:
        raise DatabaseSelectionError(
            f"GOOSE_DBSTRING is not a libpq connection string: {_libpq_problem(str(exc), conninfo)}; "
            "expected key=value pairs such as host=127.0.0.1 port=5432 user=app dbname=llm_proxy "
            "(quote a value with spaces: dbname='my db')"
        ) from None
    user = quote(pairs.pop("user", ""), safe="")
    password = pairs.pop("password", None)
    auth = f"{user}:{quote(password, safe='')}@" if password is not None else (f"{user}@" if user else "")
    host = pairs.pop("host", "")
    port = pairs.pop("port", "")
    if port and not _is_port(port):
        raise DatabaseSelectionError(f"GOOSE_DBSTRING: port={port!r} is not a number from 1 to 65535")
    dbname = pairs.pop("dbname", "")
    if host.startswith("/"):  # a socket directory: SQLAlchemy reads it, and its port, from the query
        pairs.update({"host": host, "port": port} if port else {"host": host})
        netloc = ""
    else:
        netloc = f"{host}:{port}" if port else host
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs.items())
    return DatabaseTarget(
        f"postgresql+psycopg://{auth}{netloc}/{_url_database(dbname)}" + (f"?{query}" if query else ""),
        "postgres",
    )


def _url_database(name: str) -> str:
    """``name`` written into a URL so that the installed SQLAlchemy reads it back.

    SQLAlchemy 2.1 decodes %-escapes in a URL's database name; 2.0 takes the text as written,
    and so cannot hold a name with ``?`` or ``@`` at all.
    """
    from importlib.metadata import version

    if int(version("sqlalchemy").split(".")[1]) >= 1:
        return quote(name, safe="")
    if "?" in name or "@" in name:
        raise DatabaseSelectionError(
            f"GOOSE_DBSTRING: the database name {name!r} has a '?' or '@', which SQLAlchemy 2.0 cannot "
            "carry in a URL; upgrade SQLAlchemy to 2.1, or rename the database"
        )
    return name


def _libpq_problem(message: str, conninfo: str) -> str:
    """libpq's reason for refusing ``conninfo``, without any piece of a password.

    libpq quotes the piece of the string it stumbled on (``missing "=" after "word"``); in
    ``password=two words`` that piece is the end of the password, so every quoted piece
    that comes from the part of the string after ``password`` is hidden.
    """
    reason = message.strip().partition("\n")[0].removesuffix(" in connection info string")
    keyword = conninfo.lower().find("password")
    if keyword < 0:
        return reason
    secret_from = keyword + len("password")

    def hide(match: re.Match[str]) -> str:
        return '"***"' if match[1] != "=" and conninfo.find(match[1], secret_from) >= 0 else match[0]

    return re.sub(r'"([^"]*)"', hide, reason)


_GO_MYSQL_DSN = re.compile(
    r"^(?:(?P<user>[^:@]*)(?::(?P<password>.*))?@)?"
    r"(?:(?P<net>\w+)(?:\((?P<addr>[^)]*)\))?)?"
    r"/(?P<dbname>[^?]*)(?:\?(?P<params>.*))?$"
)


def _from_go_mysql_dsn(dsn: str) -> DatabaseTarget:
    """A Go MySQL DSN (``user:pw@tcp(host:port)/db?parseTime=true``) as a URL."""
    match = _GO_MYSQL_DSN.match(dsn)
    if match is None:
        raise DatabaseSelectionError(
            "GOOSE_DBSTRING is not a MySQL DSN; expected user:password@tcp(host:3306)/dbname"
        )
    user = quote(match["user"] or "", safe="")
    password = match["password"]
    auth = f"{user}:{quote(password, safe='')}@" if password is not None else (f"{user}@" if user else "")
    query = ""
    if match["net"] == "unix":
        query = f"?unix_socket={quote(match['addr'] or '', safe='/')}"
        netloc = "localhost"
    else:
        netloc = match["addr"] or "127.0.0.1:3306"
        if _bad_port(netloc):
            raise DatabaseSelectionError(f"GOOSE_DBSTRING: the port of tcp({netloc}) is not a number from 1 to 65535")
    charset = dict(parse_qsl(match["params"] or "")).get("charset")
    if charset:
        query += ("&" if query else "?") + f"charset={quote(charset.split(',')[0], safe='')}"
    return DatabaseTarget(f"mysql+pymysql://{auth}{netloc}/{match['dbname']}{query}", "mysql")


def as_target(database: str | Path | DatabaseTarget) -> DatabaseTarget:
    """A target from what a caller of the library may pass: a URL, a SQLite path or a target."""
    if isinstance(database, DatabaseTarget):
        return database
    if isinstance(database, str) and "://" in database:
        return from_url(database)
    return sqlite_target(database)


def select_database(
    *,
    db_path: Path | str | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DatabaseTarget:
    """The database named by explicit options, else by the environment, else the default.

    Options: ``db_path`` (``--db``, a SQLite file) or ``database_url`` (``--database-url``);
    giving both is refused. Environment, in order: ``DB_DRIVER`` (llm-proxy's: sqlite uses
    ``DATABASE_PATH``, postgres/mysql use ``DATABASE_URL``), then ``DATABASE_URL``, then
    goose's ``GOOSE_DRIVER``/``GOOSE_DBSTRING``, then ``DATABASE_PATH``; finally
    ``data/llm-proxy.db``.
    """
    env = os.environ if environ is None else environ
    if db_path is not None and database_url is not None:
        raise DatabaseSelectionError("give either --db PATH or --database-url URL, not both")
    if database_url is not None:
        return from_url(database_url)
    if db_path is not None:
        return sqlite_target(db_path)
    driver = env.get("DB_DRIVER", "").strip().lower()
    if driver:
        if driver not in _DRIVERS:
            raise DatabaseSelectionError(f"DB_DRIVER={driver!r} is not one of sqlite, postgres, mysql")
        if _DRIVERS[driver][0] == "sqlite":
            return sqlite_target(env.get("DATABASE_PATH") or DEFAULT_SQLITE_PATH)
        if not env.get("DATABASE_URL"):
            raise DatabaseSelectionError(f"DB_DRIVER={driver} needs DATABASE_URL to name the server")
        target = from_url(env["DATABASE_URL"])
        if target.dialect != _DRIVERS[driver][0]:
            raise DatabaseSelectionError(f"DB_DRIVER={driver} but DATABASE_URL is a {target.dialect} URL")
        return target
    if env.get("DATABASE_URL"):
        return from_url(env["DATABASE_URL"])
    if env.get("GOOSE_DRIVER") and env.get("GOOSE_DBSTRING"):
        return from_goose(env["GOOSE_DRIVER"], env["GOOSE_DBSTRING"])
    return sqlite_target(env.get("DATABASE_PATH") or DEFAULT_SQLITE_PATH)
