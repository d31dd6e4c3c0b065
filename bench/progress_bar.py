"""What the progress bar costs: ``llm-proxy migrate up`` over W1 on a terminal and off one.

On a terminal ``up`` shows a rich progress bar (N of M, the running file) with the finished
migrations printed above it; off a terminal it prints the same lines plainly. The bar must
cost nothing measurable on W1 (1,000 migrations of CREATE TABLE + CREATE INDEX). Each run
migrates a new SQLite file in a folder on tmpfs when there is one (so that file syncs,
which vary far more than the bar costs, stay out of the comparison), alternating between a
pseudo-terminal (the bar) and the same pseudo-terminal with stdout to a file (no bar).

    python bench/progress_bar.py --migrations 1000 --runs 7
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXECUTABLE = Path(sys.executable).with_name("llm-proxy")
MIGRATION = "-- +goose Up\nCREATE TABLE t{n} (id INTEGER PRIMARY KEY, v TEXT);\nCREATE INDEX i{n} ON t{n} (v);\n-- +goose Down\nDROP TABLE t{n};\n"


def _run(folder: Path, database: Path, *, bar: bool) -> float:
    """Seconds of one ``up`` with its stdout and stderr on a pseudo-terminal (``bar``), or
    with stdout to a file, which turns the bar off."""
    leader, follower = pty.openpty()
    command = [str(EXECUTABLE), "migrate", "up", "--db", str(database), "--dir", str(folder)]
    with open(os.devnull, "w") as devnull:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=follower, stdout=follower if bar else devnull, stderr=follower)
        os.close(follower)
        while True:  # drain the terminal, as a terminal would
            try:
                if not os.read(leader, 65536):
                    break
            except OSError:
                break
        code = process.wait()
        seconds = time.perf_counter() - start
    os.close(leader)
    if code != 0:
        sys.exit(f"migrate up failed with exit code {code}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        folder = Path(tmp) / "migrations"
        folder.mkdir()
        for n in range(1, args.migrations + 1):
            (folder / f"{n:05d}_t{n}.sql").write_text(MIGRATION.format(n=n))
        times: dict[bool, list[float]] = {True: [], False: []}
        for run in range(args.runs):
            for bar in (True, False):
                database = Path(tmp) / f"{run}-{bar}.db"
                times[bar].append(_run(folder, database, bar=bar))
                database.unlink()
        print(f"W1 up, {args.migrations} migrations, SQLite in {scratch or tempfile.gettempdir()}, {args.runs} runs each")
        print("| output | median s | best s |")
        print("|---|---:|---:|")
        for bar, label in ((True, "terminal, progress bar"), (False, "stdout to a file, plain lines")):
            print(f"| {label} | {statistics.median(times[bar]):.3f} | {min(times[bar]):.3f} |")
        ratio = statistics.median(times[True]) / statistics.median(times[False])
        print(f"\nbar / plain, medians: {ratio:.2f}")


if __name__ == "__main__":
    main()
