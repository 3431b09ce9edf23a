"""Time the table and bulletin exports on a 10,000-record library.

    python bench/export_xlsx.py [--records 10000] [--articles 30] [--repeat 3] [--keep]

Builds the temporary library of ``bench/rank.py`` (经验案例 of about 2,000 characters with
section headings and figures, 暖心故事 of about 400, 24 units, 1–3 tags each, 3 reviews per
record, 5 % reported), with half of the reported records adopted. Then it times, through the
``caselib.publish`` (selection, formats, docx_export) API (what ``caselib export`` runs, without the CLI's start-up):

* the XLSX export of every record, one row each with its ranking score (goal < 1 s), split into
  selection, ``table_rows`` (of which the ranking) and writing; writing in openpyxl's
  write-only mode (the default) and in normal mode; the CSV export for comparison;
* a 30-article bulletin DOCX (selection, loading, ``plan_bulletin``, ``export_bulletin``
  writing and recording the issue; goal < 3 s).

Best of ``--repeat`` runs after one warm-up (which imports openpyxl / python-docx); the first
run is printed too. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rank import build as build_ranked_library  # noqa: E402  (the same realistic corpus)


def build(path: Path, n_records: int) -> float:
    """The library of ``bench/rank.py`` (records, 3 reviews each, 5 % reported), with half of
    the reported records adopted; returns the build time in seconds."""
    import sqlite3

    started = time.perf_counter()
    build_ranked_library(path, n_records, reviews_per_record=3)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(path) as conn:
        reported = [r[0] for r in conn.execute("SELECT DISTINCT record_id FROM report ORDER BY 1")]
        conn.executemany(
            'INSERT INTO adoption (record_id, "by", level, date, created_at) VALUES (?, ?, ?, ?, ?)',
            [(rid, "省委教育工委工作简报", "省级", "2022-11-01", now) for rid in reported[::2]],
        )
    return time.perf_counter() - started


def best(runs: list[float]) -> str:
    return f"best {min(runs):.3f} s (first {runs[0]:.3f} s)"


def time_tables(path: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    from caselib.choose.ranking import rank
    from caselib.publish import formats, selection
    from caselib.store.config import default_config
    from caselib.store.library import Library

    lib = Library.open(str(path))
    config = default_config()
    today = dt.date(2023, 6, 30)
    t: dict[str, list[float]] = {
        k: [] for k in ("select", "rows", "rank", "xlsx", "xlsx_normal", "csv", "total")
    }

    def timed(key: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        t[key].append(time.perf_counter() - start)
        return result

    rows: list[list[Any]] = []
    for run in range(repeat + 1):  # run 0 is the warm-up
        with lib.session() as session:
            start = time.perf_counter()
            picked = timed(
                "select", lambda s=session: selection.select_records(s, all_records=True)
            )
            rows = timed(
                "rows",
                lambda s=session, ids=picked.ids: formats.table_rows(
                    s, ids, config=config, reference_date=today
                ),
            )
            timed("xlsx", lambda r=rows: formats.export_xlsx(out / "all.xlsx", r, force=True))
            t["total"].append(time.perf_counter() - start)
            timed(
                "xlsx_normal",
                lambda r=rows: formats.export_xlsx(
                    out / "all-normal.xlsx", r, force=True, write_only=False
                ),
            )
            timed("csv", lambda r=rows: formats.export_csv(out / "all.csv", r, force=True))
            timed("rank", lambda s=session: rank(s, reference_date=today, config=config))
        if run == 0:
            for values in t.values():
                values.clear()
    lib.engine.dispose()
    print(f"  rows: {len(rows):,}, XLSX {(out / 'all.xlsx').stat().st_size / 1e6:.1f} MB")
    return t


def time_bulletin(path: Path, out: Path, n_articles: int, repeat: int) -> list[float]:
    from caselib.publish import docx_export, selection
    from caselib.store.library import Library

    lib = Library.open(str(path))
    with lib.session() as session:
        ids = selection.select_records(session, all_records=True).ids
    rng = random.Random(3)
    chosen = rng.sample(ids, n_articles)
    runs: list[float] = []
    for run in range(repeat + 1):
        start = time.perf_counter()
        with lib.session() as session:
            picked = selection.select_records(session, ids=chosen)
            records = selection.load_records(session, picked.ids)
            spec = docx_export.plan_bulletin(
                session,
                docx_export.BulletinRequest(
                    series="党员干部下基层察民情解民忧暖民心实践活动简报",
                    office="湖北大学党史学习教育领导小组办公室",
                    editor_note="本期集中推介一批经验案例和暖心故事。",
                    distribution={"报": ["省委党史学习教育领导小组办公室"], "发": ["各二级党组织"]},
                    date=dt.date(2022, 11, 10),
                ),
                today=dt.date(2022, 11, 10),
            )
            docx_export.export_bulletin(session, out / f"issue-{run}.docx", spec, records)
        runs.append(time.perf_counter() - start)
    lib.engine.dispose()
    chars = sum(len(b["text"]) for r in records for b in r.body)
    print(f"  {n_articles} articles, {chars:,} characters (~{chars / 616:.0f} full pages)")
    return runs


def time_cli(path: Path, out: Path) -> str:
    exe = shutil.which("caselib") or str(Path(sys.executable).with_name("caselib"))
    if not Path(exe).exists():
        return "caselib command not installed"
    start = time.perf_counter()
    run = subprocess.run(
        [exe, "--db", str(path), "export", "--all", "-o", str(out / "cli.xlsx"), "--force"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if run.returncode != 0:
        return f"failed (exit {run.returncode}): {run.stderr.strip()[:200]}"
    return f"{wall:.3f} s wall"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the library and the files")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="caselib-bench-export-"))
    path = tmp / "caselib.db"
    try:
        built = build(path, args.records)
        print(
            f"library: {args.records:,} records, {path.stat().st_size / 1e6:.1f} MB, built in {built:.1f} s"
        )
        print("XLSX export of every record (exporting API):")
        t = time_tables(path, tmp, args.repeat)
        total = min(t["total"])
        print(
            f"  total (select + rows + write): {best(t['total'])}  goal < 1 s: {'met' if total < 1 else 'MISSED'}"
        )
        print(f"    select_records(--all): {best(t['select'])}")
        print(f"    table_rows:            {best(t['rows'])}  (ranking alone: {best(t['rank'])})")
        print(f"    export_xlsx write-only: {best(t['xlsx'])}")
        print(f"    export_xlsx normal mode: {best(t['xlsx_normal'])}")
        print(f"    export_csv:            {best(t['csv'])}")
        print(f"  caselib export --all -o x.xlsx (CLI, cold process): {time_cli(path, tmp)}")
        print("Bulletin DOCX (exporting API: select, load, plan, write, record):")
        runs = time_bulletin(path, tmp, args.articles, args.repeat)
        warm = runs[1:] or runs
        print(
            f"  best {min(warm):.3f} s, worst {max(warm):.3f} s, first (cold: imports "
            f"python-docx) {runs[0]:.3f} s  goal < 3 s: {'met' if max(runs) < 3 else 'MISSED'}"
        )
        if args.keep:
            print(f"kept in {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
