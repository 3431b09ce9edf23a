"""The search benchmark on PostgreSQL, side by side with SQLite and ripgrep in one run.

    python bench/search_postgres.py                          # 1000 records, a throwaway server
    python bench/search_postgres.py --sizes 10000,100000     # the issue's sizes (slow)
    python bench/search_postgres.py --url postgresql+psycopg://caselib@127.0.0.1:5432/bench
    python bench/search_postgres.py --sizes 100000 --dir /tmp/b --keep   # keep/reuse bench-N.db
    python bench/search_postgres.py --sizes 100000 --dir /tmp/b --keep --url …   # and the PG copy

For each size N it builds the generated library of ``bench/search.py`` in SQLite, copies it
into an empty PostgreSQL database with ``caselib copy`` (which rebuilds the tsvector/GIN
index there: RUM when the server has the extension, else GIN), then prints for each query
class the p50/p95 latency of ``search`` (top 20) on both backends, ripgrep (``rg -l -F``)
over the records exported one file each, the ratios PostgreSQL/SQLite (goal: p50 within 3x)
and rg/PostgreSQL (goal at 100k: >= 20x; a query's warm-up search makes its top list,
``postgres_toplists``), the CPU time of the searching process (the machine
may be shared), and recall of PostgreSQL against SQLite (the same hits for every
query, unlimited; SQLite's own recall against a substring scan is checked by
``bench/search.py``). Without ``--url`` a throwaway cluster is started (tests/pgserver.py).
The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
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


def _server_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a PostgreSQL backend on this machine (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _latencies(
    conn: Any, queries: dict[str, list[str]], repeats: int, server_pid: int | None = None
) -> dict[str, Any]:
    """Per class: (p50, p95) wall time of ``search`` (top 20), and its mean CPU time: this
    process's plus, for a local PostgreSQL, its backend's (what the machine's load does not
    inflate; the backend's is counted in clock ticks, so it is averaged over the class)."""
    from caselib import search as s

    out: dict[str, Any] = {}
    for cls, qs in queries.items():
        times: list[float] = []
        cpu = 0.0
        for q in qs:
            s.search(conn, q, limit=20)  # warm
            for _ in range(repeats):
                a, c, sc = time.perf_counter(), time.process_time(), _server_cpu(server_pid)
                s.search(conn, q, limit=20)
                times.append(time.perf_counter() - a)
                cpu += time.process_time() - c + _server_cpu(server_pid) - sc
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        out[cls] = (statistics.median(times), p95, cpu / len(times))
    return out


def _rg(folder: Path, queries: list[str]) -> tuple[float, float]:
    """Median wall time and mean CPU time (user + system) of ``rg -l -F QUERY FOLDER``."""
    rg = shutil.which("rg")
    assert rg is not None
    walls, cpu = [], 0.0
    for q in queries:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        a = time.perf_counter()
        subprocess.run([rg, "-l", "-F", "--", q, str(folder)], capture_output=True, check=False)
        walls.append(time.perf_counter() - a)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return statistics.median(walls), cpu / len(queries)


def _recall(sqlite_conn: Any, pg_conn: Any, queries: dict[str, list[str]]) -> tuple[int, int]:
    """How many queries find the same records on both backends (every match, ids only)."""
    from caselib import search as s

    same = total = 0
    for qs in queries.values():
        for q in qs:
            total += 1
            parsed = s.parse_query(q)
            a = {rid for rid, _ in s._matching(sqlite_conn, parsed, None, None, 0)}
            b = {rid for rid, _ in s._matching(pg_conn, parsed, None, None, 0)}
            same += a == b
    return same, total


def _rank_order(
    pg_conn: Any, queries: dict[str, list[str]], need: int = 20
) -> tuple[int, int, int, int]:
    """How far RUM's index order strays from the order of the score computed from each row:
    the most rows, over every query, that the index returns before the last of the ``need``
    best by score, beyond ``need`` itself (0: the first ``need`` in index order are the best);
    how many queries stray at all (``ranked`` reads ``_RANK_SLACK`` rows beyond); and, over
    every match of every query, how many rows score better than the row before them, and
    how many rows there were."""
    from caselib import search as s
    from caselib.store.postgres_backend import ranked

    worst = strays = inversions = total = 0
    for qs in queries.values():
        for q in qs:
            rows = ranked(pg_conn, *s._pg_matching(pg_conn, s.parse_query(q), None), None)
            inversions += sum(1 for a, b in zip(rows, rows[1:], strict=False) if b[1] < a[1])
            total += len(rows)
            if len(rows) <= need:
                continue
            bound = sorted(score for _, score in rows)[need - 1]
            last = max((i for i, (_, score) in enumerate(rows) if score < bound), default=-1)
            # rows scoring exactly ``bound`` are interchangeable ties: any one of them will do
            ties = [i for i, (_, score) in enumerate(rows) if score == bound]
            better = sum(1 for _, score in rows if score < bound)
            last = max(last, ties[need - better - 1])
            beyond = max(0, last + 1 - need)
            worst = max(worst, beyond)
            strays += beyond > 0
    return worst, strays, inversions, total


def run_size(n: int, url: str, work: Path, bench: Any, repeats: int, reuse: bool) -> None:
    import sqlite3

    from caselib.store.maintenance import copy_library
    from caselib.store.postgres_backend import connect, index_method
    from caselib.store.sqlite_backend import configure_connection

    path = work / f"bench-{n}.db"
    sqlite_build = None
    if not (reuse and path.exists()):
        t = time.perf_counter()
        bench.build_library(path, n)
        sqlite_build = time.perf_counter() - t
    pg_build = None
    if not (reuse and _holds_records(url, n)):
        t = time.perf_counter()
        copy_library(str(path), url)
        pg_build = time.perf_counter() - t
    lite = sqlite3.connect(path)
    configure_connection(lite)
    pg = connect(url)
    try:
        method = index_method(pg)
        local = url.startswith("postgresql+psycopg://caselib@127.0.0.1")
        pid = int(pg.execute("SELECT pg_backend_pid()").fetchone()[0]) if local else None
        a = _latencies(lite, bench.QUERIES, repeats)
        b = _latencies(pg, bench.QUERIES, repeats, pid)
        for cls in bench.QUERIES:  # at once: the rest of a large size takes minutes
            print(f"  {cls}: SQLite p50/p95/cpu {a[cls]}; PostgreSQL {b[cls]} (s)", flush=True)
        same, total = _recall(lite, pg, bench.QUERIES)
        order = _rank_order(pg, bench.QUERIES) if method == "rum" else (0, 0, 0, 0)
    finally:
        lite.close()
        pg.close()
    folder = work / f"files-{n}"
    bench.export_files(str(path), folder)
    rg: dict[str, tuple[float, float]] = {}
    if shutil.which("rg"):
        for cls, qs in bench.QUERIES.items():
            plain = [q for q in qs if " " not in q]  # rg -F takes one phrase
            if plain:
                rg[cls] = _rg(folder, plain)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"\n== {n:,} records (PostgreSQL index: {method.upper()}) ==")
    built = f"SQLite {n / sqlite_build:.0f} rec/s; " if sqlite_build else "SQLite reused; "
    copied = f"{n / pg_build:.0f} rec/s" if pg_build else "reused"
    print(f"build: {built}copy into PostgreSQL (with its index) {copied}")
    print(f"load average now {os.getloadavg()[0]:.1f}; wall ms p50 / p95, CPU ms mean per query")
    print(
        f"{'query':9} {'SQLite wall':>15} {'cpu':>6} {'PostgreSQL wall':>17} {'cpu':>6} "
        f"{'rg wall':>8} {'cpu':>7}  PG/SQLite wall,cpu  rg/PG wall,cpu"
    )
    for cls in bench.QUERIES:
        (l50, l95, lcpu), (p50, p95, pcpu) = a[cls], b[cls]
        r = rg.get(cls)
        rg_text = f"{r[0] * 1e3:8.1f} {r[1] * 1e3:7.1f}" if r else f"{'-':>8} {'-':>7}"
        ratio = f"{r[0] / p50:6.0f}x,{r[1] / pcpu:5.0f}x" if r else ""
        print(
            f"{cls:9} {l50 * 1e3:6.2f} /{l95 * 1e3:7.2f} {lcpu * 1e3:6.2f} "
            f"{p50 * 1e3:8.2f} /{p95 * 1e3:7.2f} {pcpu * 1e3:6.2f} {rg_text} "
            f"     {p50 / l50:6.1f}x,{pcpu / lcpu:5.1f}x  {ratio}"
        )
    lite50 = statistics.median(v[0] for v in a.values())
    pg50 = statistics.median(v[0] for v in b.values())
    line = f"all classes p50: SQLite {lite50 * 1e3:.2f} ms, PostgreSQL {pg50 * 1e3:.2f} ms"
    line += f" ({pg50 / lite50:.1f}x SQLite)"
    if rg:
        rg50 = statistics.median(v[0] for v in rg.values())
        line += f", rg {rg50 * 1e3:.1f} ms (PostgreSQL {rg50 / pg50:.0f}x faster)"
    print(line)
    print(f"recall (PostgreSQL hits == SQLite hits): {same}/{total} queries")
    if method == "rum":
        stray, strays, inversions, rows = order
        print(
            f"RUM order vs score order: top 20: {strays}/{total} queries need rows beyond the "
            f"20th, at most {stray} (ranked reads {_slack()} beyond); every match: "
            f"{inversions} of {rows} rows score better than the row before"
        )


def _holds_records(url: str, n: int) -> bool:
    """True when the PostgreSQL database already holds a library of ``n`` records (``--keep``
    with ``--url``: reused rather than compared with the SQLite library, which takes minutes)."""
    from caselib.store.postgres_backend import connect

    pg = connect(url)
    try:
        if pg.execute("SELECT to_regclass('record')").fetchone()[0] is None:
            return False
        return int(pg.execute("SELECT COUNT(*) FROM record").fetchone()[0]) == n
    finally:
        pg.close()


def _slack() -> int:
    from caselib.store.postgres_backend import _RANK_SLACK

    return _RANK_SLACK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep bench-N.db in --dir, reuse it (and, with --url, a database already holding N)",
    )
    args = parser.parse_args()
    bench = _bench_search()
    server = None
    if args.url is None:
        from tests import pgserver

        server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = args.dir or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
            for i, n in enumerate(int(x) for x in args.sizes.split(",")):
                url = args.url or server.create_database(f"bench{i}")  # type: ignore[union-attr]
                run_size(n, url, work, bench, args.repeats, args.keep)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
