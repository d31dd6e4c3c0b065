"""Wall time of ``migrate validate`` with the round trip on SQLite, on folders of 100 to 1,000 migrations.

Each generated migration is a real one for SQLite: a table with a default and a check, an
index, a seed row with a multi-line string, a trigger every tenth migration, and a Down
that undoes all of it. The round trip applies, rolls back and re-applies every migration
and snapshots the schema three times per migration, so this measures the runner and the
snapshots together. Prints the library call's time (no imports) per folder size.

    python bench/validate_roundtrip.py --sizes 100 1000 --runs 1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from llm_proxy.services.validate import ValidateOptions, check_folder

TEMPLATE = """\
-- Migration {n}: table t{n}, its index and a seed row.

-- +goose Up
CREATE TABLE IF NOT EXISTS t{n} (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT DEFAULT 'none',
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'old')),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_t{n}_name ON t{n} (name);

INSERT INTO t{n} (id, name, note) VALUES ('{n}', 'row {n}', 'a note
over two lines');
{trigger}
-- +goose Down
{drop_trigger}DROP INDEX IF EXISTS idx_t{n}_name;
DROP TABLE IF EXISTS t{n};
"""
TRIGGER = """
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS trg_t{n} AFTER INSERT ON t{n} BEGIN
    UPDATE t{n} SET note = 'seen' WHERE id = NEW.id;
END;
-- +goose StatementEnd
"""


def make_folder(root: Path, count: int) -> Path:
    folder = root / f"m{count}"
    folder.mkdir()
    for n in range(1, count + 1):
        trigger = n % 10 == 0
        text = TEMPLATE.format(
            n=n,
            trigger=TRIGGER.format(n=n) if trigger else "",
            drop_trigger=f"DROP TRIGGER IF EXISTS trg_t{n};\n" if trigger else "",
        )
        (folder / f"{n:05d}_table_{n}.sql").write_text(text)
    return folder


def run(folder: Path) -> float:
    start = time.perf_counter()
    report = check_folder(folder, ValidateOptions(roundtrip=True))
    seconds = time.perf_counter() - start
    if not report.ok or report.roundtrip is None or report.roundtrip.checked != len(report.migrations):
        sys.exit(f"unexpected result: {report.roundtrip} {report.errors[:3]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'files':>6} {'seconds':>8} {'ms/migration':>13}")
        for size in args.sizes:
            folder = make_folder(Path(tmp), size)
            seconds = min(run(folder) for _ in range(args.runs))
            print(f"{size:6d} {seconds:8.2f} {seconds / size * 1000:13.2f}")


if __name__ == "__main__":
    main()
