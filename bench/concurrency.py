"""Several writers on one library at once: writes per second and the errors users would see.

    python bench/concurrency.py                              # SQLite and a throwaway PostgreSQL
    python bench/concurrency.py --writers 1,2,4,8 --seconds 20
    python bench/concurrency.py --backends sqlite
    python bench/concurrency.py --url postgresql+psycopg://caselib@127.0.0.1:5432/bench

For each backend and each number N of writer processes, a new library is made and N processes
run ``caselib add`` (a short record), ``caselib tag`` and ``caselib review`` in a loop for the
same bounded time, all starting together (each process imports once and runs the commands in
process, as ``tests/test_concurrency.py`` does). Printed per N: commands that wrote per second
(all writers together), and the commands that failed, by the line the user saw: the library
locked past the busy timeout (SQLite), a conflict (PostgreSQL deadlock or serialization
failure after ``Library.transactions`` ran out of attempts), anything else. Afterwards every
acknowledged ``add`` must be in the library exactly once (checked, printed). Without ``--url``
PostgreSQL runs on a throwaway cluster (tests/pgserver.py), skipped when none can be started.
The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_WORKER = """
import json, sys, time
from typer.testing import CliRunner
from caselib.cli import app
from caselib.store import faults
db, me, start, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
runner = CliRunner()
out = {"writes": 0, "titles": [], "locked": 0, "conflict": 0, "other": 0, "last_error": ""}
def run(*args, input=None):
    result = runner.invoke(app, ["--db", db, *args], input=input)
    if result.exit_code == 0:
        out["writes"] += 1
        return result.stdout
    message = result.stderr
    kind = "locked" if faults.LOCKED in message else "conflict" if faults.CONFLICT in message else "other"
    out[kind] += 1
    out["last_error"] = (message or repr(result.exception)).strip()[:200]
    return None
time.sleep(max(0.0, start - time.time()))
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    title = f"写入者{me}第{i}例：社区议事厅共同缔造"
    rid = run("add", "-t", title, "-u", f"第{me}党支部", input=f"居民议事{me}-{i}，共谋共建。")
    i += 1
    if rid is None:
        continue
    out["titles"].append(title)
    run("tag", rid.strip(), "+共同缔造", f"+议事{me % 3}")
    run("review", rid.strip(), "-r", f"评审{me}", "-s", "典型性=4")
print(json.dumps(out, ensure_ascii=False))
"""


def _caselib(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caselib", "--db", db, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def run_writers(db: str, n: int, seconds: float) -> dict[str, Any]:
    init = _caselib(db, "init")
    if init.returncode != 0:
        raise SystemExit(f"init failed: {init.stderr.strip()}")
    start = time.time() + 3.0 + 0.5 * n  # every process imported before the first write
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, db, str(k), str(start), str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(n)
    ]
    total: dict[str, Any] = {"writes": 0, "locked": 0, "conflict": 0, "other": 0, "titles": []}
    errors: list[str] = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=seconds + 600)
        if proc.returncode != 0:
            raise SystemExit(f"a writer crashed: {stderr.strip()[-500:]}")
        result = json.loads(stdout.strip().splitlines()[-1])
        for key in ("writes", "locked", "conflict", "other"):
            total[key] += result[key]
        total["titles"] += result["titles"]
        if result["last_error"]:
            errors.append(result["last_error"])
    listed = _caselib(db, "list", "-n", "1000000", "--json")
    titles = [r["title"] for r in json.loads(listed.stdout)] if listed.returncode == 0 else []
    total["exactly_once"] = sorted(titles) == sorted(total["titles"])
    total["check_ok"] = _caselib(db, "check").returncode == 0
    total["sample_error"] = errors[0] if errors else ""
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", default="1,2,4,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--url", help="an empty PostgreSQL database per run is made beside it")
    args = parser.parse_args()
    counts = [int(x) for x in args.writers.split(",")]
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{args.seconds:.0f} s per run; a write = one add, tag or review command"
    )
    print(
        f"{'backend':10} {'writers':>7} {'writes/s':>9} {'locked':>7} {'conflict':>8} "
        f"{'other':>6}  {'acknowledged adds present once, check'}"
    )
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for backend in args.backends.split(","):
                for n in counts:
                    if backend == "sqlite":
                        db = str(Path(tmp) / f"writers-{n}.db")
                    else:
                        if args.url is None and server is None:
                            from tests import pgserver

                            try:
                                server = pgserver.start()
                            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                                print(f"postgresql: skipped, no server could be started ({exc})")
                                break
                        db = _pg_database(args.url, server, f"writers{n}")
                    r = run_writers(db, n, args.seconds)
                    print(
                        f"{backend:10} {n:7} {r['writes'] / args.seconds:9.1f} {r['locked']:7} "
                        f"{r['conflict']:8} {r['other']:6}  "
                        f"{'yes' if r['exactly_once'] else 'NO'}, "
                        f"{'passes' if r['check_ok'] else 'FAILS'}",
                        flush=True,
                    )
                    if r["sample_error"]:
                        print(f"{'':19} e.g. {r['sample_error']}")
        finally:
            if server is not None:
                server.stop()


def _pg_database(url: str | None, server: Any, name: str) -> str:
    """A new empty database: on the throwaway server, or beside ``url`` on the user's."""
    if server is not None:
        return str(server.create_database(name))
    import psycopg
    from sqlalchemy.engine import make_url

    from caselib.store.postgres_backend import psycopg_dsn

    assert url is not None
    stamp = f"{name}_{int(time.time())}"
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{stamp}"')
    return make_url(url).set(database=stamp).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
