"""Parse throughput and peak memory of ``migrate parse`` on a large data migration.

Generates a migration of one-line INSERTs (100 MB by default), parses it in a child process
per run, and prints a table: size, statements, seconds, MB/s, peak RSS, and peak RSS minus
the size of the statements themselves (their text, line number and list slot: the parser's own overhead, which must not grow with
the number of statements).

    python bench/parse_throughput.py            # 100 MB
    python bench/parse_throughput.py --mb 20 --runs 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from llm_proxy.format.grammar import parse_file
start = time.perf_counter()
parsed = parse_file(sys.argv[1])
seconds = time.perf_counter() - start
assert parsed.up_error is None and parsed.down_error is None
text_bytes = sum(sys.getsizeof(s.text) + sys.getsizeof(s) + sys.getsizeof(s.line) for s in parsed.up) + sys.getsizeof(parsed.up)
print(json.dumps({
    "seconds": seconds,
    "statements": len(parsed.up),
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "statement_bytes": text_bytes,
}))
"""

BASELINE = "import json, resource; print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))"


def generate(path: Path, megabytes: int) -> int:
    target = megabytes * 1024 * 1024
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("-- +goose Up\n")
        number = 0
        while written < target:
            line = (
                "INSERT INTO audit_events (id, action, actor, outcome) VALUES "
                f"('evt-{number:09d}', 'token.create', 'admin', 'success');\n"
            )
            handle.write(line)
            written += len(line)
            number += 1
        handle.write("-- +goose Down\nDELETE FROM audit_events;\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    baseline = json.loads(
        subprocess.run([sys.executable, "-c", "import llm_proxy.format.grammar;" + BASELINE], check=True, capture_output=True, text=True).stdout
    )
    print(f"{'size MB':>8} {'statements':>11} {'best s':>7} {'MB/s':>6} {'peak RSS MB':>12} {'statements MB':>14} {'overhead MB':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in args.mb:
            path = Path(tmp) / f"00001_data_{megabytes}mb.sql"
            size = generate(path, megabytes)
            runs = [
                json.loads(subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True).stdout)
                for _ in range(args.runs)
            ]
            best = min(r["seconds"] for r in runs)
            peak = max(r["peak_rss"] for r in runs)
            held = runs[0]["statement_bytes"]
            mb = 1024 * 1024
            print(
                f"{size / mb:8.1f} {runs[0]['statements']:11d} {best:7.2f} {size / mb / best:6.1f} "
                f"{peak / mb:12.1f} {held / mb:14.1f} {(peak - held - baseline) / mb:12.1f}"
            )


if __name__ == "__main__":
    main()
