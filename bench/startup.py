"""Start-up time of the caselib command, side by side with what it cannot avoid.

Prints the median wall time of each command over several runs, and the two goals of the
core issue:
  * ``caselib --help`` within 0.20 s of ``python -c pass``;
  * ``caselib list`` on the sample library within 0.10 s of importing typer, rich, sqlmodel
    and pydantic (no start-up cost of our own beyond the mandated libraries).

Run:  python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wall(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    caselib = str(BIN / "caselib")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CASELIB_DB": str(Path(tmp) / "bench.db"), "COLUMNS": "120"}
        subprocess.run([caselib, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [caselib, "import", str(ROOT / "cases")], env=env, check=True, capture_output=True
        )
        py = sys.executable
        rows = {
            "python -c pass": wall([py, "-c", "pass"], args.runs, env),
            "python -c 'import typer'": wall([py, "-c", "import typer"], args.runs, env),
            "python -c 'import typer, rich, sqlmodel, pydantic'": wall(
                [py, "-c", "import typer, rich, sqlmodel, pydantic"], args.runs, env
            ),
            "caselib --help": wall([caselib, "--help"], args.runs, env),
            "caselib --version": wall([caselib, "--version"], args.runs, env),
            "caselib add --help": wall([caselib, "add", "--help"], args.runs, env),
            "caselib list": wall([caselib, "list"], args.runs, env),
            "caselib list --json": wall([caselib, "list", "--json"], args.runs, env),
            "caselib search 党建": wall([caselib, "search", "党建"], args.runs, env),
        }
    width = max(len(k) for k in rows)
    print(f"median of {args.runs} runs each ({sys.version.split()[0]}, {os.cpu_count()} cores)")
    for name, seconds in rows.items():
        print(f"  {name:<{width}}  {seconds * 1000:7.1f} ms")
    base = rows["python -c pass"]
    libs = rows["python -c 'import typer, rich, sqlmodel, pydantic'"]
    help_gap = rows["caselib --help"] - base
    list_gap = rows["caselib list"] - libs
    print()
    print(
        f"caselib --help - python -c pass           = {help_gap * 1000:6.1f} ms  (goal <= 200 ms: {'met' if help_gap <= 0.2 else 'NOT met'})"
    )
    print(
        f"caselib list - import of the four libraries = {list_gap * 1000:6.1f} ms  (goal <= 100 ms: {'met' if list_gap <= 0.1 else 'NOT met'})"
    )
    print(f"ratio caselib list / import of the four libraries = {rows['caselib list'] / libs:.2f}")


if __name__ == "__main__":
    main()
