"""A PgBouncer in transaction pooling mode in front of the test PostgreSQL, for the tests and CI.

    python3 tests/support/pgbouncer.py start     # if it is not already listening
    python3 tests/support/pgbouncer.py stop      # the one this script started

It listens on 127.0.0.1:6432 (``$LLM_PROXY_TEST_PGBOUNCER_PORT``) and forwards every
database name (``*``, so the tests' scratch databases are reachable) to the PostgreSQL
on 127.0.0.1:5432 (``$LLM_PROXY_TEST_PG_PORT``), trusting every user of its user list
as the server does. Its pool holds 4 server connections per database, so that 16 clients
really share them. Configuration, pid file and log live in ``<tmp>/llm-proxy-pgbouncer-<port>``,
never in /etc; run as root it drops to the ``postgres`` user (PgBouncer refuses root).

Standard library only: ``.ci/run`` calls it before any virtualenv exists.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
PORT = int(os.environ.get("LLM_PROXY_TEST_PGBOUNCER_PORT", "6432"))
SERVER_PORT = int(os.environ.get("LLM_PROXY_TEST_PG_PORT", "5432"))
POOL_SIZE = 4
HOME = Path(tempfile.gettempdir()) / f"llm-proxy-pgbouncer-{PORT}"
USERS = ("postgres",)


def config(home: Path = HOME) -> str:
    """The pgbouncer.ini this script writes."""
    return f"""\
[databases]
* = host={HOST} port={SERVER_PORT}

[pgbouncer]
listen_addr = {HOST}
listen_port = {PORT}
unix_socket_dir =
auth_type = trust
auth_file = {home / "userlist.txt"}
admin_users = postgres
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
pidfile = {home / "pgbouncer.pid"}
logfile = {home / "pgbouncer.log"}
"""


def listening(port: int = PORT) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def running() -> bool:
    """True when the PgBouncer this script starts is up: its pid file names a live process."""
    try:
        os.kill(int((HOME / "pgbouncer.pid").read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def start(wait: float = 10.0) -> None:
    """Start PgBouncer unless it is already up; raise ``RuntimeError`` saying why not."""
    if running() and listening():
        return
    if listening():
        raise RuntimeError(
            f"something else listens on {HOST}:{PORT} (a pgbouncer service with its own configuration?); "
            "stop it, or choose another port with LLM_PROXY_TEST_PGBOUNCER_PORT"
        )
    binary = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if os.access(p, os.X_OK)), None)
    if binary is None:
        raise RuntimeError("pgbouncer is not installed (Debian: apt-get install -y pgbouncer)")
    HOME.mkdir(parents=True, exist_ok=True)
    (HOME / "pgbouncer.ini").write_text(config(), encoding="utf-8")
    (HOME / "userlist.txt").write_text("".join(f'"{user}" ""\n' for user in USERS), encoding="utf-8")
    command = [binary, "-d", "-q", str(HOME / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(HOME, "postgres")
        for name in ("pgbouncer.ini", "userlist.txt"):
            shutil.chown(HOME / name, "postgres")
        command[1:1] = ["-u", "postgres"]
    result = subprocess.run(command, capture_output=True, text=True)
    deadline = time.monotonic() + wait
    while not listening() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not listening():
        log = HOME / "pgbouncer.log"
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(
            f"pgbouncer did not start on {HOST}:{PORT} (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()} {tail.strip()}"
        )


def stop() -> None:
    """Stop the PgBouncer this script started (the pid in its own pid file)."""
    pidfile = HOME / "pgbouncer.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and listening():
        time.sleep(0.05)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "start"
    if action == "start":
        try:
            start()
        except RuntimeError as exc:
            sys.exit(f"pgbouncer: {exc}")
        print(f"pgbouncer: listening on {HOST}:{PORT}, pool_mode = transaction, pool of {POOL_SIZE}")
    elif action == "stop":
        stop()
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop")
