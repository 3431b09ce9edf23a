"""The search benchmark on PostgreSQL, side by side with SQLite and ripgrep in one run.

    python bench/search_postgres.py                          # 1000 records, a throwaway server
    python bench/search_postgres.py --sizes 10000,100000     # the issue's sizes (slow)
    python bench/search_postgres.py --url postgresql+psycopg://caselib@127.0.0.1:5432/bench

For each size N it builds the generated library of ``bench/search.py`` in SQLite, copies it
into an empty PostgreSQL database with ``caselib copy`` (which rebuilds the tsvector/GIN
index there), then prints for each query class the p50/p95 latency of ``search`` (top 20)
on both backends, the PostgreSQL/SQLite ratio (goal: p50 within 3x), ripgrep over the records
exported one file each, and recall of PostgreSQL against SQLite (the same hits for every
query, unlimited; SQLite's own recall against a substring scan is checked by
``bench/search.py``). Without ``--url`` a throwaway cluster is started (tests/pgserver.py).
The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bench_search() -> Any:
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    return module


def _latencies(conn: Any, queries: dict[str, list[str]], repeats: int) -> dict[str, Any]:
    from caselib import search as s

    out: dict[str, Any] = {}
    for cls, qs in queries.items():
        times: list[float] = []
        for q in qs:
            s.search(conn, q, limit=20)  # warm
            for _ in range(repeats):
                a = time.perf_counter()
                s.search(conn, q, limit=20)
                times.append(time.perf_counter() - a)
        times.sort()
        out[cls] = (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))])
    return out


def _recall(sqlite_conn: Any, pg_conn: Any, queries: dict[str, list[str]]) -> tuple[int, int]:
    from caselib import search as s

    same = total = 0
    for qs in queries.values():
        for q in qs:
            total += 1
            a = {h.id for h in s.search(sqlite_conn, q, limit=None)}
            b = {h.id for h in s.search(pg_conn, q, limit=None)}
            same += a == b
    return same, total


def run_size(n: int, url: str, work: Path, bench: Any, repeats: int) -> None:
    import sqlite3

    from caselib.store.maintenance import copy_library
    from caselib.store.postgres_backend import connect
    from caselib.store.sqlite_backend import configure_connection

    path = work / f"bench-{n}.db"
    t = time.perf_counter()
    bench.build_library(path, n)
    sqlite_build = time.perf_counter() - t
    t = time.perf_counter()
    copy_library(str(path), url)
    pg_build = time.perf_counter() - t
    lite = sqlite3.connect(path)
    configure_connection(lite)
    pg = connect(url)
    try:
        a = _latencies(lite, bench.QUERIES, repeats)
        b = _latencies(pg, bench.QUERIES, repeats)
        same, total = _recall(lite, pg, bench.QUERIES)
    finally:
        lite.close()
        pg.close()
    folder = work / f"files-{n}"
    bench.export_files(str(path), folder)
    all_queries = [q for qs in bench.QUERIES.values() for q in qs if " " not in q]
    rg = bench.rg_latency(folder, all_queries)
    rg_p50 = statistics.median(rg.values()) if rg else None
    print(f"\n== {n} records ==")
    print(
        f"build: SQLite {n / sqlite_build:.0f} rec/s; copy into PostgreSQL {n / pg_build:.0f} rec/s"
    )
    print(f"{'query':10} {'SQLite p50/p95 ms':>20} {'PostgreSQL p50/p95 ms':>24} {'PG/SQLite':>10}")
    for cls in bench.QUERIES:
        (l50, l95), (p50, p95) = a[cls], b[cls]
        print(
            f"{cls:10} {l50 * 1e3:9.2f} /{l95 * 1e3:8.2f} {p50 * 1e3:12.2f} /{p95 * 1e3:9.2f}"
            f" {p50 / l50:9.1f}x"
        )
    if rg_p50 is not None:
        pg_all = statistics.median(v[0] for v in b.values())
        print(f"ripgrep p50 {rg_p50 * 1e3:.1f} ms; PostgreSQL is {rg_p50 / pg_all:.0f}x faster")
    print(f"recall (PostgreSQL hits == SQLite hits): {same}/{total} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway one)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bench = _bench_search()
    server = None
    if args.url is None:
        from tests import pgserver

        server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, n in enumerate(int(x) for x in args.sizes.split(",")):
                url = args.url or server.create_database(f"bench{i}")  # type: ignore[union-attr]
                run_size(n, url, Path(tmp), bench, args.repeats)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
