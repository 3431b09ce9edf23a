"""Several writers on one library at once: writes per second and the errors users would see.

    python bench/concurrency.py                              # SQLite and a throwaway PostgreSQL
    python bench/concurrency.py --writers 1,2,4,8 --seconds 20
    python bench/concurrency.py --backends sqlite
    python bench/concurrency.py --url postgresql+psycopg://caselib@127.0.0.1:5432/bench

For each backend and each number N of writer processes, a new library is made and N processes
run ``caselib add`` (a short record), ``caselib tag`` and ``caselib review`` in a loop for the
same bounded time (the ``mixed`` workload also imports a file and runs edit, report, adopt,
tags rename, rm and restore on the record), all starting together (each process imports once
and runs the commands in process, as ``tests/test_concurrency.py`` does). Printed per N: commands that wrote per second
(all writers together), and the commands that failed, by the line the user saw: the library
locked past the busy timeout (SQLite), a conflict (PostgreSQL deadlock or serialization
failure after ``Library.write`` ran out of attempts), anything else. Afterwards every
acknowledged ``add`` or ``import`` must be in the library exactly once (checked, printed).
Without ``--url`` PostgreSQL runs on a throwaway cluster (tests/pgserver.py), skipped when none can be started.
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
mixed, folder = sys.argv[5] == "mixed", sys.argv[6]
runner = CliRunner()
out = {"writes": 0, "titles": [], "locked": 0, "conflict": 0, "other": 0, "last_error": ""}
def run(*args, input=None, writes=True):
    result = runner.invoke(app, ["--db", db, *args], input=input)
    if result.exit_code == 0:
        out["writes"] += writes
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
    rid = rid.strip()
    run("tag", rid, "+共同缔造", f"+议事{me % 3}")
    run("review", rid, "-r", f"评审{me}", "-s", "典型性=4")
    if not mixed:
        continue
    mark = f"{me}-{i}"
    source = f"{folder}/来稿{mark}.txt"
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(f"写入者{mark}篇来稿：楼栋长制度\\n\\n楼栋长走访{mark}。\\n")
    report = run("import", source, "--unit", f"第{me}党支部", "--json")
    if report is not None:
        out["titles"] += [r["title"] for r in json.loads(report)[0]["records"]]
    if run("export", rid, "-F", "md", "-o", f"{folder}/md{mark}", writes=False) is not None:
        import os
        page = f"{folder}/md{mark}/" + os.listdir(f"{folder}/md{mark}")[0]
        text = open(page, encoding="utf-8").read().replace("。", "，已修改。", 1)
        open(page, "w", encoding="utf-8").write(text)
        run("edit", rid, "--file", page)
    run("report", rid, "--to", "省委教育工委")
    run("adopt", rid, "--by", f"工作简报{mark}", "--level", "校级")
    run("tag", rid, f"+专题{mark}")
    run("tags", "rename", f"专题{mark}", f"协商{mark}")
    run("rm", rid)
    run("restore", rid)
print(json.dumps(out, ensure_ascii=False))
"""


def _caselib(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caselib", "--db", db, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def run_writers(db: str, n: int, seconds: float, workload: str, folder: str) -> dict[str, Any]:
    init = _caselib(db, "init")
    if init.returncode != 0:
        raise SystemExit(f"init failed: {init.stderr.strip()}")
    start = time.time() + 3.0 + 0.5 * n  # every process imported before the first write
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, db, str(k), str(start), str(seconds), workload, folder],
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
    parser.add_argument(
        "--workloads",
        default="add,mixed",
        help="add: add, tag, review; mixed: also import, edit, report, adopt, tags rename, rm, restore",
    )
    args = parser.parse_args()
    counts = [int(x) for x in args.writers.split(",")]
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{args.seconds:.0f} s per run; a write = one command that wrote (add, tag, review; "
        "mixed: also import, edit, report, adopt, tags rename, rm, restore)"
    )
    print(
        f"{'backend':10} {'workload':8} {'writers':>7} {'writes/s':>9} {'locked':>7} {'conflict':>8} "
        f"{'other':>6}  {'acknowledged adds present once, check'}"
    )
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for backend in args.backends.split(","):
                for workload, n in [(w, n) for w in args.workloads.split(",") for n in counts]:
                    folder = Path(tmp) / f"{backend}-{workload}-{n}"
                    folder.mkdir()
                    if backend == "sqlite":
                        db = str(folder / "writers.db")
                    else:
                        if args.url is None and server is None:
                            from tests import pgserver

                            try:
                                server = pgserver.start()
                            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                                print(f"postgresql: skipped, no server could be started ({exc})")
                                break
                        db = _pg_database(args.url, server, f"writers_{workload}{n}")
                    r = run_writers(db, n, args.seconds, workload, str(folder))
                    print(
                        f"{backend:10} {workload:8} {n:7} {r['writes'] / args.seconds:9.1f} {r['locked']:7} "
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
