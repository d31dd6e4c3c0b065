"""llm-proxy against the raw driver doing the same work: wall time and peak memory per workload.

A floor is the least any migration tool can do for a workload: the same SQL statements, in
the same transactions, through the same driver (sqlite3, psycopg, pymysql), with no
planning, locking, Alembic or SQLAlchemy. The ratio ours/floor says what llm-proxy costs on
top of the database's own work. Workloads (sizes times ``--scale``):

- W1: 1,000 migrations of CREATE TABLE + CREATE INDEX, ``Migrator.up()`` from empty.
- W2: one CREATE TABLE migration, then one migration of 200,000 single-row INSERTs (~23 MB).
- W3: ``llm-proxy migrate status`` and ``version`` on 1,000 applied migrations.
- W4: a 10,000-file folder: ``status`` with one pending and with all pending, ``up-by-one`` with one pending,
  ``validate --no-roundtrip``.

W1/W2 run in a child process each (the library, or the floor), W3/W4 run the installed
``llm-proxy`` executable; every wall time is that of the whole child process (Python start-up
included) and the peak RSS is the child's own, from ``os.wait4``. Each number is the median
of ``--runs`` runs (peak RSS: the largest). Every database is a scratch one (SQLite file in a
temporary folder, ``llm_proxy_bench_*`` databases on the servers), dropped at the end, on
error and on Ctrl-C. The table is Markdown, for docs/performance.md.

    python bench/migrations.py --scale 0.01 --runs 1                  # a quick look
    python bench/migrations.py --dialects sqlite --workloads W1 W2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DIALECTS = ("sqlite", "postgres", "mysql")
WORKLOADS = ("W1", "W2", "W3", "W4")
SERVERS = {
    "postgres": os.environ.get("LLM_PROXY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mysql": os.environ.get("LLM_PROXY_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/"),
}
PREFIX = "llm_proxy_bench_"
EXECUTABLE = Path(sys.executable).with_name("llm-proxy")
VERSION_TABLE = "goose_db_version"
# MariaDB's default max_allowed_packet is 16 MB: the W2 floor sends its multi-statement
# query in pieces this size, all in the one transaction (the server is not reconfigured).
MYSQL_PIECE_BYTES = 4 * 1024 * 1024

TABLE_MIGRATION = """\
-- +goose Up
CREATE TABLE t{n} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP NULL);
CREATE INDEX idx_t{n}_name ON t{n} (name);

-- +goose Down
DROP TABLE t{n};
"""
BULK_TABLE = """\
-- +goose Up
CREATE TABLE big (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, payload VARCHAR(200) NOT NULL);

-- +goose Down
DROP TABLE big;
"""
BULK_ROW = "INSERT INTO big (id, name, payload) VALUES ({n}, 'name {n}', 'payload of row {n}, written by the benchmark');\n"
# Runs a command and writes its wall time and peak RSS (KiB) to the file argv[1].
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""
# The floor of status/version: Python starting, connecting and reading goose's table.
READ_VERSIONS = (
    "import {module}; c = {module}.connect(**{kwargs!r}); cur = c.cursor(); "
    "cur.execute('SELECT id, version_id, is_applied, tstamp FROM {table} ORDER BY id DESC'); cur.fetchall()"
)
PARSE_FOLDER = (
    "import pathlib; from llm_proxy.format.grammar import parse_file; "
    "[parse_file(p) for p in sorted(pathlib.Path({folder!r}).glob('*.sql'))]"
)


# -- data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """One scratch database, as llm-proxy names it (``url``) and as the raw driver connects."""

    dialect: str
    url: str
    connect: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mb: float


@dataclass
class Row:
    workload: str
    dialect: str
    ours: Sample | None = None
    floor: Sample | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.floor is None:
            return None
        return self.ours.seconds / self.floor.seconds


@dataclass
class Bench:
    """What every workload needs: the sizes, the runs and a place for files and databases."""

    scale: float
    runs: int
    root: Path
    stack: contextlib.ExitStack
    folders: dict[tuple[str, int], Path] = field(default_factory=dict)

    def size(self, full: int, least: int = 1) -> int:
        return max(least, round(full * self.scale))


# -- workloads' files ----------------------------------------------------------------------


def table_folder(bench: Bench, count: int) -> Path:
    """``count`` CREATE TABLE migrations, written once per size and shared by the dialects."""

    def write(folder: Path) -> None:
        for n in range(1, count + 1):
            (folder / f"{n:05d}_table_{n}.sql").write_text(TABLE_MIGRATION.format(n=n))

    return cached_folder(bench, "tables", count, write)


def bulk_folder(bench: Bench, rows: int) -> Path:
    """The table, then one migration of ``rows`` single-row INSERTs."""

    def write(folder: Path) -> None:
        (folder / "00001_create_big.sql").write_text(BULK_TABLE)
        with (folder / "00002_fill_big.sql").open("w") as out:
            out.write("-- +goose Up\n")
            out.writelines(BULK_ROW.format(n=n) for n in range(1, rows + 1))
            out.write("\n-- +goose Down\nDELETE FROM big;\n")

    return cached_folder(bench, "bulk", rows, write)


def cached_folder(bench: Bench, kind: str, size: int, write: Callable[[Path], None]) -> Path:
    folder = bench.folders.get((kind, size))
    if folder is None:
        folder = bench.root / f"{kind}_{size}"
        folder.mkdir()
        write(folder)
        bench.folders[kind, size] = folder
    return folder


# -- the floor: the raw driver -------------------------------------------------------------


def connect(connect: dict[str, Any]) -> Any:
    """A DB-API connection of the dialect's driver, in manual transaction mode."""
    options = dict(connect)
    dialect = options.pop("dialect")
    if dialect == "sqlite":
        import sqlite3

        return sqlite3.connect(options["database"], isolation_level=None)  # BEGIN/COMMIT are ours
    if dialect == "postgres":
        import psycopg

        return psycopg.connect(**options)
    import pymysql
    from pymysql.constants import CLIENT

    return pymysql.connect(**options, client_flag=CLIENT.MULTI_STATEMENTS)


def up_sql(path: Path) -> str:
    """The Up section of a generated migration (the floor knows its files; no goose grammar)."""
    text = path.read_text()
    return text.split("-- +goose Up\n", 1)[1].split("-- +goose Down", 1)[0].strip()


def statements(sql: str) -> list[str]:
    """The statements of a generated section (each ends a line with ``;``)."""
    return [piece.strip().rstrip(";") + ";" for piece in sql.split(";\n") if piece.strip()]


def run_sql(connection: Any, dialect: str, sql: str) -> None:
    """One statement (or multi-statement query) through the driver, every result set read."""
    cursor = connection.cursor()
    cursor.execute(sql)
    if dialect == "mysql":
        while cursor.nextset():
            pass
    cursor.close()


def run_script(connection: Any, dialect: str, sql: str) -> None:
    """The whole section at once: one simple query on PostgreSQL, multi-statement queries
    (each below max_allowed_packet) on MySQL. SQLite's script goes in :func:`apply_one`."""
    pieces = mysql_pieces(sql) if dialect == "mysql" else [sql]
    for piece in pieces:
        run_sql(connection, dialect, piece)


def mysql_pieces(sql: str) -> list[str]:
    """``sql`` cut after a statement's ``;`` into pieces of at most MYSQL_PIECE_BYTES."""
    pieces = []
    start = 0
    while len(sql) - start > MYSQL_PIECE_BYTES:
        end = sql.rindex(";\n", start, start + MYSQL_PIECE_BYTES) + 1
        pieces.append(sql[start:end])
        start = end
    return [*pieces, sql[start:]]


def begin(connection: Any, dialect: str) -> None:
    """BEGIN as each driver wants it (psycopg opens the transaction at the first statement)."""
    if dialect == "sqlite":
        run_sql(connection, dialect, "BEGIN")
    elif dialect == "mysql":
        connection.begin()


def commit(connection: Any, dialect: str) -> None:
    if dialect == "sqlite":
        run_sql(connection, dialect, "COMMIT")  # the connection is in autocommit mode
    else:
        connection.commit()


def apply_one(connection: Any, dialect: str, sql: str, version_row: str, mode: str) -> None:
    """One migration in its transaction: BEGIN, its Up SQL, goose's version row, COMMIT."""
    if mode == "script" and dialect == "sqlite":  # executescript refuses to run inside a transaction
        connection.executescript(f"BEGIN;\n{sql}\n{version_row};\nCOMMIT;")
        return
    begin(connection, dialect)
    if mode == "script":
        run_script(connection, dialect, sql)
    else:
        for statement in statements(sql):
            run_sql(connection, dialect, statement)
    run_sql(connection, dialect, version_row)
    commit(connection, dialect)


def floor_apply(job: dict[str, Any]) -> None:
    """goose's work for migrations ``first``..``last`` of ``folder``, by hand: the version table
    and its version-0 row in a transaction (when ``create``), then each migration in its own."""
    dialect = job["db"]["dialect"]
    connection = connect(job["db"])
    if job["create"]:
        begin(connection, dialect)
        run_sql(connection, dialect, job["create"])
        run_sql(connection, dialect, job["insert"].format(version=0))
        commit(connection, dialect)
    files = sorted(Path(job["folder"]).glob("*.sql"))
    for path in files[job["first"] - 1 : job["last"]]:
        version_row = job["insert"].format(version=int(path.name.split("_", 1)[0]))
        apply_one(connection, dialect, up_sql(path), version_row, job["mode"])
    connection.close()


def goose_sql(dialect: str) -> dict[str, str]:
    """goose's DDL and version row for ``dialect``, from llm-proxy's table module (the floor
    child gets them as text, so it imports nothing of llm-proxy)."""
    from llm_proxy.goose.table import VersionTable

    table = VersionTable(VERSION_TABLE, dialect)
    insert = table.insert(0).replace("VALUES (0,", "VALUES ({version},")
    assert insert.format(version=7) == table.insert(7)
    return {"create": table.create(), "insert": insert}


def floor_job(db: Database, folder: Path, first: int, last: int, *, create: bool, mode: str = "statements") -> dict[str, Any]:
    sql = goose_sql(db.dialect)
    return {
        "kind": "floor",
        "db": db.connect,
        "folder": str(folder),
        "first": first,
        "last": last,
        "mode": mode,
        "create": sql["create"] if create else None,
        "insert": sql["insert"],
    }


def ours_job(db: Database, folder: Path) -> dict[str, Any]:
    return {"kind": "ours", "url": db.url, "folder": str(folder)}


def child(job: dict[str, Any]) -> None:
    """The child process of a W1/W2 run: the library's ``up()``, or the floor."""
    if job["kind"] == "ours":
        from llm_proxy.api import Migrator

        Migrator(job["url"], job["folder"]).up()
    else:
        floor_apply(job)


# -- measuring -----------------------------------------------------------------------------


def measure(command: list[str]) -> Sample:
    """Wall time and peak RSS of one child process, which must succeed.

    The command runs under :data:`LAUNCHER`, a fresh small Python that spawns it, reaps it
    with ``os.wait4`` and writes its time and peak RSS to a file: a child forked straight
    from this process would report this process's RSS as its own peak. The child's output
    goes to a file; Ctrl-C kills its whole process group.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as report:
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, report.name, *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            returncode = process.wait()
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        if returncode != 0:
            out.seek(0)
            raise RuntimeError(f"{' '.join(command[:4])} ... exited {returncode}: {out.read().decode()[-2000:]}")
        seconds, rss_kb = report.read().split()
    return Sample(float(seconds), int(rss_kb) / 1024)


def child_command(job: dict[str, Any]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)]


def cli(*args: str) -> list[str]:
    return [str(EXECUTABLE), "migrate", *args]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def compare(
    bench: Bench, ours: Callable[[], list[str]], floor: Callable[[], list[str]], reset: Callable[[], None] | None = None
) -> tuple[Sample, Sample]:
    """Median wall time and largest peak RSS of ``--runs`` runs of ours and of the floor,
    taking turns so that a slower moment of the machine hits both. ``ours`` and ``floor``
    prepare their run (a fresh database, say) and return its command; ``reset`` runs after
    every run to undo it."""
    samples: dict[str, list[Sample]] = {"ours": [], "floor": []}
    for _ in range(bench.runs):
        for name, command in (("ours", ours), ("floor", floor)):
            samples[name].append(measure(command()))
            if reset is not None:
                reset()
    return summary(samples["ours"]), summary(samples["floor"])


def summary(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.seconds for s in samples), max(s.rss_mb for s in samples))


# -- scratch databases ---------------------------------------------------------------------


class Unreachable(Exception):
    """The dialect's server cannot be reached: its rows say skipped."""


@contextlib.contextmanager
def scratch(dialect: str, root: Path) -> Iterator[Database]:
    """A new empty database, dropped afterwards (a SQLite file under ``root``)."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(dir=root, prefix="sqlite_") as folder:
            path = Path(folder) / "bench.db"
            yield Database("sqlite", f"sqlite:///{path}", {"dialect": "sqlite", "database": str(path)})
        return
    from sqlalchemy.engine import make_url

    from llm_proxy.errors import DatabaseError
    from llm_proxy.selection import from_url
    from llm_proxy.services.roundtrip import scratch_database

    with contextlib.ExitStack() as stack:
        try:
            target = stack.enter_context(scratch_database(from_url(SERVERS[dialect]), prefix=PREFIX))
        except DatabaseError as exc:
            raise Unreachable(str(exc).splitlines()[0]) from exc
        url = make_url(target.url)
        name = "dbname" if dialect == "postgres" else "database"
        options = {"dialect": dialect, "host": url.host, "port": url.port, "user": url.username, name: url.database}
        if url.password:
            options["password"] = url.password
        yield Database(dialect, target.url, options)


def fresh(bench: Bench, dialect: str) -> Database:
    """A scratch database that lives until the end of the whole run."""
    return bench.stack.enter_context(scratch(dialect, bench.root))


def reachable(dialect: str, root: Path) -> str | None:
    """None if a scratch database can be made, else why not."""
    try:
        with scratch(dialect, root):
            return None
    except Unreachable as exc:
        return str(exc)


# -- the workloads -------------------------------------------------------------------------


def w1(bench: Bench, dialect: str) -> list[Row]:
    """Many small migrations: what each step costs beyond its two statements."""
    count = bench.size(1000)
    folder = table_folder(bench, count)
    ours, floor = compare(
        bench,
        lambda: child_command(ours_job(fresh(bench, dialect), folder)),
        lambda: child_command(floor_job(fresh(bench, dialect), folder, 1, count, create=True)),
    )
    return [Row("W1 up", dialect, ours, floor, f"{count} migrations")]


def w2(bench: Bench, dialect: str) -> list[Row]:
    """One big data migration: what each statement costs, and the memory a big file takes."""
    rows = bench.size(200_000)
    folder = bulk_folder(bench, rows)
    megabytes = (folder / "00002_fill_big.sql").stat().st_size / 1e6
    note = f"{rows} INSERTs, {megabytes:.1f} MB"

    def floor(mode: str) -> Callable[[], list[str]]:
        return lambda: child_command(floor_job(fresh(bench, dialect), folder, 1, 2, create=True, mode=mode))

    ours_command = lambda: child_command(ours_job(fresh(bench, dialect), folder))  # noqa: E731
    ours, script = compare(bench, ours_command, floor("script"))
    result = [Row("W2 up", dialect, ours, script, f"{note}; floor: one script")]
    if dialect == "sqlite":
        ours, each = compare(bench, ours_command, floor("statements"))
        result.append(Row("W2 up (execute floor)", dialect, ours, each, f"{note}; floor: execute() per statement"))
    return result


def applied_database(bench: Bench, dialect: str, folder: Path, last: int) -> Database:
    """A scratch database with migrations 1..``last`` of ``folder`` applied, by the floor path
    in this process (setting up is not measured)."""
    db = fresh(bench, dialect)
    floor_apply(floor_job(db, folder, 1, last, create=True))
    return db


def read_versions(db: Database) -> list[str]:
    """The floor of status and version: a Python process reading goose's table."""
    options = dict(db.connect)
    module = {"sqlite": "sqlite3", "postgres": "psycopg", "mysql": "pymysql"}[options.pop("dialect")]
    return python(READ_VERSIONS.format(module=module, kwargs=options, table=VERSION_TABLE))


def cli_rows(bench: Bench, workload: str, db: Database, folder: Path, commands: tuple[str, ...], note: str) -> list[Row]:
    """Read-only commands of the executable against Python reading the table, once warmed up."""
    rows = []
    floor = read_versions(db)
    for command in commands:
        ours = cli(command, "--database-url", db.url, "--dir", str(folder))
        measure(ours)  # warm-up: page cache, .pyc files, the server's caches
        measure(floor)
        rows.append(Row(f"{workload} {command}", db.dialect, *compare(bench, lambda: ours, lambda: floor), note))  # noqa: B023
    return rows


def w3(bench: Bench, dialect: str) -> list[Row]:
    """The commands people and monitoring run all day, on a folder of a realistic size."""
    count = bench.size(1000)
    folder = table_folder(bench, count)
    db = applied_database(bench, dialect, folder, count)
    return cli_rows(bench, "W3", db, folder, ("status", "version"), f"{count} applied")


def w4(bench: Bench, dialect: str) -> list[Row]:
    """A very long history: what grows with the number of files when only one matters."""
    count = bench.size(10_000, least=2)
    folder = table_folder(bench, count)
    db = applied_database(bench, dialect, folder, count - 1)
    note = f"{count} files, {count - 1} applied"
    rows = cli_rows(bench, "W4", db, folder, ("status",), note)
    # the same folder on a database that has applied none of it: every row pending
    pending = applied_database(bench, dialect, folder, 0)
    [all_pending] = cli_rows(bench, "W4", pending, folder, ("status",), f"{count} files, none applied")
    rows.append(replace(all_pending, workload="W4 status, all pending"))
    rows.append(up_by_one(bench, db, folder, count, note))
    ours, floor = compare(
        bench,
        lambda: cli("validate", "--dir", str(folder), "--no-roundtrip", "--dialect", dialect),
        lambda: python(PARSE_FOLDER.format(folder=str(folder))),
    )
    rows.append(Row("W4 validate", dialect, ours, floor, f"{count} files; floor: parse_file each"))
    return rows


def up_by_one(bench: Bench, db: Database, folder: Path, last: int, note: str) -> Row:
    """``up-by-one`` of the last migration, undone by hand after every run."""

    def undo() -> None:
        connection = connect(db.connect)
        run_sql(connection, db.dialect, f"DROP TABLE t{last}")
        run_sql(connection, db.dialect, f"DELETE FROM {VERSION_TABLE} WHERE version_id = {last}")
        connection.commit()
        connection.close()

    ours, floor = compare(
        bench,
        lambda: cli("up-by-one", "--database-url", db.url, "--dir", str(folder)),
        lambda: child_command(floor_job(db, folder, last, last, create=False)),
        reset=undo,
    )
    return Row("W4 up-by-one", db.dialect, ours, floor, note)


RUNNERS: dict[str, Callable[[Bench, str], list[Row]]] = {"W1": w1, "W2": w2, "W3": w3, "W4": w4}
ROW_NAMES = {
    "W1": ("W1 up",),
    "W2": ("W2 up",),
    "W3": ("W3 status", "W3 version"),
    "W4": ("W4 status", "W4 status, all pending", "W4 up-by-one", "W4 validate"),
}


# -- the report ----------------------------------------------------------------------------


def machine(dialects: list[str], root: Path) -> list[str]:
    """What the numbers depend on, for the header."""
    import sqlite3
    from importlib.metadata import version

    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    lines = [
        f"machine: {os.cpu_count()} cores ({cpu}), {int(memory) / 1024 / 1024:.1f} GiB memory, {platform.platform()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, alembic {version('alembic')}, "
        f"SQLAlchemy {version('sqlalchemy')}, psycopg {version('psycopg')}, PyMySQL {version('pymysql')}",
        f"SQLite files and migration folders: {root} ({filesystem(root)})",
    ]
    for dialect in dialects:
        if dialect != "sqlite":
            lines.append(f"{dialect} server: {server_version(dialect, root)}")
    return lines


def compiled() -> str:
    """Byte-compile llm-proxy's modules, as pip does when it installs the package.

    An editable install is compiled only by the processes that import it, and not at all
    where ``PYTHONDONTWRITEBYTECODE`` is set: every child would compile llm-proxy again
    (about 50 ms of an ``up``), which no installed copy does.
    """
    import compileall
    from importlib.util import find_spec

    spec = find_spec("llm_proxy")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"cannot byte-compile {package}")
    return f"llm-proxy byte-compiled, as installed: {package}"


def filesystem(path: Path) -> str:
    """The type and device of the mount that holds ``path`` (the longest matching mount point)."""
    best = ("", "?", "?")
    for line in Path("/proc/self/mounts").read_text().splitlines():
        device, point, kind = line.split()[:3]
        if str(path).startswith(point.rstrip("/") + "/") and len(point) >= len(best[0]):
            best = (point, kind, device)
    return f"{best[1]} on {best[2]}, mounted at {best[0]}"


def server_version(dialect: str, root: Path) -> str:
    try:
        with scratch(dialect, root) as db:
            connection = connect(db.connect)
            cursor = connection.cursor()
            cursor.execute("SELECT version()")
            text = str(cursor.fetchone()[0])
            connection.close()
            return text
    except Unreachable as exc:
        return f"not reachable ({exc})"


def table(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table."""
    lines = [
        "| workload | dialect | llm-proxy s | floor s | ratio | llm-proxy MB | floor MB | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.ours is None or row.floor is None:
            lines.append(f"| {row.workload} | {row.dialect} | - | - | - | - | - | {row.note} |")
            continue
        lines.append(
            f"| {row.workload} | {row.dialect} | {row.ours.seconds:.3f} | {row.floor.seconds:.3f} | {row.ratio:.2f} "
            f"| {row.ours.rss_mb:.0f} | {row.floor.rss_mb:.0f} | {row.note} |"
        )
    return lines


# -- main ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, root: Path) -> list[Row]:
    """Every selected workload on every selected dialect; a server that is down is skipped."""
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        bench = Bench(args.scale, args.runs, root, stack)
        for dialect in args.dialects:
            down = None if dialect == "sqlite" else reachable(dialect, root)
            for workload in args.workloads:
                if down is not None:
                    rows += [Row(name, dialect, note=f"skipped: {down}") for name in ROW_NAMES[workload]]
                    continue
                started = time.perf_counter()
                rows += RUNNERS[workload](bench, dialect)
                print(f"  {workload} on {dialect}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
                stack.close()  # drop this workload's databases before the next one
    return rows


def interrupted(signum: int, frame: Any) -> None:
    """SIGTERM as Ctrl-C, so that every scratch database and folder is dropped on the way out."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialects", nargs="+", choices=DIALECTS, default=list(DIALECTS))
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size (0.01: a quick run)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is shown)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    signal.signal(signal.SIGTERM, interrupted)
    with tempfile.TemporaryDirectory(prefix="llm_proxy_bench_") as tmp:
        root = Path(tmp)
        print("\n".join(machine(args.dialects, root)))
        print(compiled())
        print(f"scale {args.scale}, {args.runs} run(s) per measurement; seconds: median wall time of the whole child process")
        print(flush=True)
        print("\n".join(table(run(args, root))))


if __name__ == "__main__":
    main()
