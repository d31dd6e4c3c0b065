"""What the migration lock costs when nobody else holds it, per dialect.

Two numbers per database: acquiring and releasing the lock alone (``migration_lock`` on a
warm engine), and a whole ``up`` with nothing to do, with the lock and with the lock
replaced by a no-op, so that the difference is what a server pays at every start-up. The
target is under 5 ms uncontended. Each database is a scratch one, created and dropped here.

    python bench/lock_overhead.py --runs 200
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine

import llm_proxy.env.runtime as runtime
from llm_proxy.api import Migrator
from llm_proxy.selection import from_url
from llm_proxy.env.locks import migration_lock
from llm_proxy.services.roundtrip import scratch_database

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SERVERS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/",
}


@contextlib.contextmanager
def scratch(dialect: str) -> Iterator[str]:
    """A URL of a new empty database of ``dialect``, dropped afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    with scratch_database(from_url(SERVERS[dialect]), prefix="lp_bench_") as target:
        yield target.url


def timings(action: Callable[[], object], runs: int) -> list[float]:
    """Wall time of each of ``runs`` calls, in milliseconds, after one warm-up call."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def lock_only(url: str, runs: int) -> list[float]:
    engine = create_engine(url)
    try:

        def cycle() -> None:
            with migration_lock(engine):
                pass

        return timings(cycle, runs)
    finally:
        engine.dispose()


def up_with_and_without_lock(url: str, runs: int) -> tuple[list[float], list[float]]:
    migrator = Migrator(url)
    migrator.up()
    with_lock = timings(migrator.up, runs)
    real_lock = runtime.migration_lock
    runtime.migration_lock = lambda *_a, **_k: contextlib.nullcontext()  # type: ignore[assignment]
    try:
        without_lock = timings(migrator.up, runs)
    finally:
        runtime.migration_lock = real_lock
    return with_lock, without_lock


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="lock cycles per dialect (up runs: a fifth of it)")
    args = parser.parse_args()
    print(f"{'dialect':<9} {'lock median':>12} {'lock p95':>9} {'up+lock':>9} {'up-lock':>9} {'difference':>11}")
    for dialect in ("sqlite", "postgres", "mysql"):
        with scratch(dialect) as url:
            lock = lock_only(url, args.runs)
            with_lock, without_lock = up_with_and_without_lock(url, max(args.runs // 5, 10))
        up_on, up_off = statistics.median(with_lock), statistics.median(without_lock)
        print(
            f"{dialect:<9} {statistics.median(lock):>9.3f} ms {p95(lock):>6.3f} ms "
            f"{up_on:>6.2f} ms {up_off:>6.2f} ms {up_on - up_off:>8.2f} ms"
        )
    print("lock: acquire + release, uncontended; up: 'migrate up' with nothing to do (median)")


if __name__ == "__main__":
    main()
