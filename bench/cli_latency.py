"""Wall time of read-only CLI calls and of start-up on an up-to-date database, and what they import.

``status`` and ``version`` are run by people and monitoring all day; they must answer
instantly (target: ``llm-proxy migrate status`` under 100 ms on a 1,000-file folder) and
must import neither Alembic nor typer, and neither may ``up`` or a server's ``open_database()`` when
nothing is pending (target: within 10% of ``status``). For each command this prints the
median and best wall time of the installed ``llm-proxy`` executable (or of Python running
``open_database()``) over several runs on a migrated SQLite database (``data/llm-proxy.db``
in a temporary folder), the number of modules imported, the total import time, and whether
Alembic was imported.

    python bench/cli_latency.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DB = ["--db", "data/llm-proxy.db"]
# A server's start-up: open_database() on the up-to-date database, then nothing else.
STARTUP = "from llm_proxy.database import open_database; open_database('data/llm-proxy.db').dispose()"
OPEN_DATABASE = ["open_database()"]
COMMANDS = [
    ["migrate", "status", *DB],
    ["migrate", "version", *DB],
    ["migrate", "status", "--json", *DB],
    ["migrate", "up", *DB],
    ["migrate", "validate"],
    ["--help"],
    OPEN_DATABASE,
]
EXECUTABLE = Path(sys.executable).with_name("llm-proxy")


def llm_proxy(*args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    """The executable as users run it; with ``importtime``, the same entry point under ``-X importtime``."""
    code = STARTUP if list(args) == OPEN_DATABASE else "from llm_proxy.cli import main; main()"
    if importtime:
        command = [sys.executable, "-X", "importtime", "-c", code, *args]
    elif list(args) == OPEN_DATABASE:
        command = [sys.executable, "-c", code]
    else:
        command = [str(EXECUTABLE), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def imports(args: list[str]) -> tuple[int, float, bool]:
    result = llm_proxy(*args, importtime=True)
    rows = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", result.stderr)
    total_us = sum(int(cumulative) for _, cumulative, indent, _ in rows if len(indent) == 1)
    names = {name for *_, name in rows}
    return len(names), total_us / 1e6, any(n == "alembic" or n.startswith("alembic.") for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        setup = llm_proxy("migrate", "up", *DB)
        if setup.returncode != 0:
            sys.exit(f"migrate up failed: {setup.stderr}")
        print(f"{'command':<46} {'median ms':>9} {'best ms':>8} {'modules':>8} {'import s':>9} {'alembic':>8}")
        for command in COMMANDS:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                result = llm_proxy(*command)
                times.append(time.perf_counter() - start)
                if result.returncode != 0:
                    sys.exit(f"{' '.join(command)} failed: {result.stderr}")
            count, import_seconds, alembic = imports(command)
            print(
                f"{' '.join(command):<46} {statistics.median(times) * 1000:9.0f} {min(times) * 1000:8.0f} "
                f"{count:8d} {import_seconds:9.3f} {'yes' if alembic else 'no':>8}"
            )


if __name__ == "__main__":
    main()
