"""Wall time of ``migrate validate`` (no database) on folders of 100 to 5,000 migrations.

Each generated migration looks like a real one: a header comment, a CREATE TABLE, an
index, an INSERT with a multi-line string, a function in a StatementBegin block, and a
Down section. For each folder size this prints the time of the library call with lints,
without lints (--no-lint), and of the whole command line in a fresh process (imports
included), best of several runs.

    python bench/validate_files.py --sizes 100 1000 5000 --runs 3
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from llm_proxy.services.validate import ValidateOptions, check_folder

TEMPLATE = """\
-- Migration {n}: table t{n}, its index, a seed row and a trigger function.
-- Written by the benchmark; every lint has something to look at.

-- +goose Up
CREATE TABLE IF NOT EXISTS t{n} (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT DEFAULT 'none',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_t{n}_name ON t{n} (name);

INSERT INTO t{n} (id, name, note) VALUES ('{n}', 'row {n}', 'a note
over two lines');

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION touch_t{n}() RETURNS trigger AS $$
BEGIN
    NEW.created_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS touch_t{n}();
DROP INDEX IF EXISTS idx_t{n}_name;
DROP TABLE IF EXISTS t{n};
"""


def make_folder(root: Path, count: int) -> Path:
    folder = root / f"m{count}"
    folder.mkdir()
    for n in range(1, count + 1):
        (folder / f"{n:05d}_table_{n}.sql").write_text(TEMPLATE.format(n=n))
    return folder


def best(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def library(folder: Path, *, lint: bool) -> None:
    report = check_folder(folder, ValidateOptions(dialect="postgres", lint=lint))
    if not report.passed(strict=True):
        sys.exit(f"unexpected findings: {report.findings[:3]}")


def command(folder: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from llm_proxy.cli import main; main()", "migrate", "validate",
         "--dir", str(folder), "--dialect", "postgres", "--strict"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        sys.exit(f"validate failed: {result.stderr[:2000]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'files':>6} {'lint s':>8} {'no-lint s':>10} {'CLI s':>7} {'ms/file':>8}")
        for size in args.sizes:
            folder = make_folder(Path(tmp), size)
            linted = best(args.runs, lambda: library(folder, lint=True))
            plain = best(args.runs, lambda: library(folder, lint=False))
            cli = best(args.runs, lambda: command(folder))
            print(f"{size:6d} {linted:8.3f} {plain:10.3f} {cli:7.3f} {linted / size * 1000:8.3f}")


if __name__ == "__main__":
    main()
