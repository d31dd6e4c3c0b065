"""A PostgreSQL primary and its streaming hot standby, made from the machine's binaries.

The machine's own cluster (port 5432) is never touched: both clusters live in a temporary
folder, listen on free 127.0.0.1 ports and their sockets stay in that folder. The standby is
a real one: ``pg_basebackup -R -X stream`` of the primary, replaying its WAL, so
``pg_is_in_recovery()`` is true there and every write fails as it does on a production
replica. Start-up is kept short (no fsync, small buffers, an immediate checkpoint for the
base backup); stopping is ``-m immediate`` since the data is thrown away.

PostgreSQL refuses to run as root, so when the tests run as root every binary runs as the
``postgres`` user through ``runuser``, and the folder belongs to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

_OWNER = "postgres"
_SETTINGS = (
    "listen_addresses = '127.0.0.1'",
    "wal_level = replica",
    "max_wal_senders = 4",
    "hot_standby = on",
    "fsync = off",
    "synchronous_commit = off",
    "shared_buffers = 16MB",
    "max_connections = 40",
    "logging_collector = off",
)


class ReplicaUnavailable(Exception):
    """The PostgreSQL binaries (or the user to run them as) are missing on this machine."""


@dataclass(frozen=True)
class Replication:
    """The two running clusters: URLs of their ``postgres`` databases, and how to reach others."""

    primary_port: int
    standby_port: int

    def primary_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.primary_port}/{database}"

    def standby_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.standby_port}/{database}"

    def wait_for_replay(self, timeout: float = 30.0) -> None:
        """Return once the standby has replayed everything the primary has written so far."""
        target = _scalar(self.primary_url(), "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while True:
            caught_up = _scalar(self.standby_url(), f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if caught_up:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the standby did not replay up to {target} within {timeout} s")
            time.sleep(0.02)


@dataclass(frozen=True)
class ReplicatedDatabase:
    """One database of the primary, and the same database seen through the standby."""

    primary: str
    standby: str
    replication: Replication


def bindir() -> Path:
    """The folder of ``initdb``, ``pg_ctl`` and ``pg_basebackup``: ``pg_config``'s, else the
    newest ``/usr/lib/postgresql/<major>/bin``."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    installed = Path("/usr/lib/postgresql")
    if installed.is_dir():
        majors = sorted((p for p in installed.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates += [p / "bin" for p in majors]
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return folder
    raise ReplicaUnavailable("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): install the postgresql package")


@contextmanager
def replication() -> Iterator[Replication]:
    """A running primary and streaming standby for the ``with`` block, then nothing left."""
    binaries = bindir()
    as_owner = _runner()
    root = Path(tempfile.mkdtemp(prefix="llm-proxy-replica-"))
    started: list[Path] = []
    try:
        if os.geteuid() == 0:
            owner = pwd.getpwnam(_OWNER)
            os.chown(root, owner.pw_uid, owner.pw_gid)
        primary, standby = root / "primary", root / "standby"
        ports = _free_ports(2)

        def run(*argv: str) -> None:
            done = subprocess.run([*as_owner, str(binaries / argv[0]), *argv[1:]], capture_output=True, text=True, check=False, timeout=120)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

        def start(cluster: Path) -> None:
            run("pg_ctl", "-D", str(cluster), "-l", str(root / f"{cluster.name}.log"), "-w", "-t", "60", "start")
            started.append(cluster)

        run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "--no-sync", "--no-instructions", "-E", "UTF8")
        _configure(primary, ports[0], root, "host replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n")
        start(primary)
        run("pg_basebackup", "-h", "127.0.0.1", "-p", str(ports[0]), "-U", "postgres", "-D", str(standby),
            "-R", "-X", "stream", "-c", "fast", "--no-sync")
        _configure(standby, ports[1], root, "")
        start(standby)
        yield Replication(*ports)
    finally:
        for cluster in reversed(started):
            subprocess.run([*as_owner, str(binaries / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "-w", "stop"],
                           capture_output=True, check=False, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _configure(cluster: Path, port: int, sockets: Path, hba: str) -> None:
    """The settings above, this cluster's port and socket folder (later lines win in
    postgresql.conf, so a base backup's copy of the primary's port is overridden)."""
    lines = [*_SETTINGS, f"port = {port}", f"unix_socket_directories = '{sockets}'"]
    with (cluster / "postgresql.conf").open("a") as conf:
        conf.write("\n" + "\n".join(lines) + "\n")
    if hba:
        with (cluster / "pg_hba.conf").open("a") as rules:
            rules.write(hba)


def _runner() -> list[str]:
    """The prefix that runs a PostgreSQL binary as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(_OWNER)
    except KeyError:
        raise ReplicaUnavailable(f"running as root and there is no {_OWNER!r} user to run PostgreSQL as") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ReplicaUnavailable("running as root and runuser is missing")
    return [runuser, "-u", _OWNER, "--"]


def _free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on 127.0.0.1 right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()
