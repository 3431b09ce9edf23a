"""Time the table and bulletin exports on a 10,000-record library.

    python bench/export_xlsx.py [--records 10000] [--articles 30] [--repeat 5] [--keep]

Builds the temporary library of ``bench/rank.py`` (经验案例 of about 2,000 characters with
section headings and figures, 暖心故事 of about 400, 24 units, 1–3 tags each, 3 reviews per
record, 5 % reported), with half of the reported records adopted. Then it times:

* through the ``caselib.publish`` API (CPU time, best of ``--repeat`` after a warm-up): the XLSX
  export of every record split into selection, ``table_rows`` (of which the 评分 scores, next to
  the whole ranking ``caselib rank`` computes) and
  writing (``export_xlsx``: XlsxWriter), next to the same cells written by openpyxl's
  write-only mode and by a bare XlsxWriter script; the CSV export for comparison;
* the whole ``caselib export --all -o all.xlsx`` (and .csv) of this Python's environment:
  median wall and CPU time of ``--repeat`` (at least 5) runs after a warm-up, next to the goal
  (1 s) and to references run the same way: a Python script writing the same cells with
  openpyxl (write-only) or XlsxWriter, and ``caselib --help``; the machine's load with them;
* a 30-article bulletin DOCX (selection, loading, ``plan_bulletin``, ``export_bulletin``
  writing and recording the issue; goal < 3 s).

Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rank import build as build_ranked_library  # noqa: E402  (the same realistic corpus)
from rank import caselib_command, figure, load_note, time_command  # noqa: E402


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


_OPENPYXL = """
import pickle, sys
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
header, rows, widths = pickle.load(open(sys.argv[1], "rb"))
wb = Workbook(write_only=True)
ws = wb.create_sheet("记录")
for i, width in enumerate(widths):
    ws.column_dimensions[chr(65 + i)].width = width
ws.freeze_panes = "A2"
ws.auto_filter.ref = f"A1:M{len(rows) + 1}"
bold = Font(bold=True)
cells = []
for name in header:
    cell = WriteOnlyCell(ws, value=name)
    cell.font = bold
    cells.append(cell)
ws.append(cells)
score = WriteOnlyCell(ws)
score.number_format = "0.00"
for row in rows:
    if row[8] is not None:
        score.value = row[8]
        row = [*row[:8], score, *row[9:]]
    ws.append(row)
wb.save(sys.argv[2])
"""

_XLSXWRITER = """
import datetime as dt, pickle, sys
import xlsxwriter
header, rows, widths = pickle.load(open(sys.argv[1], "rb"))
wb = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
ws = wb.add_worksheet("记录")
bold = wb.add_format({"bold": True})
number = wb.add_format({"num_format": "0.00"})
day = wb.add_format({"num_format": "yyyy-mm-dd"})
for i, width in enumerate(widths):
    ws.set_column(i, i, width)
ws.freeze_panes(1, 0)
ws.autofilter(0, 0, len(rows), len(header) - 1)
ws.write_row(0, 0, header, bold)
for r, row in enumerate(rows, start=1):
    for c, value in enumerate(row):
        if value is None:
            continue
        if isinstance(value, str):
            ws.write_string(r, c, value)
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
        else:
            ws.write_number(r, c, value, number if c == 8 else None)
wb.close()
"""


def time_tables(path: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    """In-process timings (CPU seconds) of each step of the XLSX export, and of the same
    cells written by openpyxl's write-only mode and by XlsxWriter (when installed)."""
    import pickle

    from caselib.choose.ranking import library_scores, rank
    from caselib.publish import formats, selection
    from caselib.store.config import default_config
    from caselib.store.reader import connect

    config = default_config()
    today = dt.date(2023, 6, 30)
    t: dict[str, list[float]] = {
        k: [] for k in ("select", "rows", "scores", "rank", "xlsx", "csv", "openpyxl", "xlsxwriter")
    }

    def timed(key: str, fn: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = fn()
        t[key].append(time.process_time() - start)
        return result

    rows: list[list[Any]] = []
    for run in range(repeat + 1):  # run 0 is the warm-up
        conn = connect(str(path))
        picked = timed("select", lambda c=conn: selection.select_records(c, all_records=True))
        rows = timed(
            "rows",
            lambda c=conn, ids=picked.ids: formats.table_rows(
                c, ids, config=config, reference_date=today
            ),
        )
        timed("xlsx", lambda r=rows: formats.export_xlsx(out / "all.xlsx", r, force=True))
        timed("csv", lambda r=rows: formats.export_csv(out / "all.csv", r, force=True))
        timed("rank", lambda c=conn: rank(c, reference_date=today, config=config))
        timed("scores", lambda c=conn: library_scores(c, reference_date=today, config=config))
        conn.close()
        if run == 0:
            for values in t.values():
                values.clear()
    cells = out / "cells.pickle"
    cells.write_bytes(pickle.dumps((formats.TABLE_HEADERS, rows, formats.column_widths(rows))))
    for key, script in (("openpyxl", _OPENPYXL), ("xlsxwriter", _XLSXWRITER)):
        namespace: dict[str, Any] = {}
        try:
            exec(compile("import " + key, key, "exec"), namespace)
        except ImportError:
            continue
        for _ in range(repeat):
            sys.argv[1:] = [str(cells), str(out / f"{key}.xlsx")]
            timed(key, lambda s=script: exec(s, {"__name__": "bench"}))
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
            docx_export.export_bulletin(session, out / f"issue-{run}.docx", spec, records).place()
        runs.append(time.perf_counter() - start)
    lib.engine.dispose()
    chars = sum(len(b["text"]) for r in records for b in r.body)
    print(f"  {n_articles} articles, {chars:,} characters (~{chars / 616:.0f} full pages)")
    return runs


def time_cli(path: Path, out: Path, runs: int) -> None:
    exe = caselib_command()
    if exe is None:
        print("  caselib command not installed")
        return
    print(f"whole commands, median of {runs} warmed runs ({exe}; {load_note()}):")
    export = [exe, "--db", str(path), "export", "--all", "--force", "-o"]
    print(
        figure(
            "caselib export --all -o all.xlsx",
            time_command([*export, str(out / "c.xlsx")], runs),
            1.0,
        )
    )
    print(
        figure("caselib export --all -o all.csv", time_command([*export, str(out / "c.csv")], runs))
    )
    cells = str(out / "cells.pickle")
    for key, script in (("openpyxl", _OPENPYXL), ("xlsxwriter", _XLSXWRITER)):
        args = [sys.executable, "-c", script, cells, str(out / f"ref-{key}.xlsx")]
        try:
            print(
                figure(f"  reference: the same cells by a {key} script", time_command(args, runs))
            )
        except RuntimeError as exc:
            print(f"  reference: {key} script: {exc}")
    print(figure("  reference: caselib --help (start-up)", time_command([exe, "--help"], runs)))
    print(f"  ({load_note()} after the runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the library and the files")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="caselib-bench-export-"))
    path = tmp / "caselib.db"
    try:
        built = build(path, args.records)
        print(
            f"library: {args.records:,} records, {path.stat().st_size / 1e6:.1f} MB, built in {built:.1f} s"
        )
        print("XLSX export of every record, in-process CPU time (exporting API):")
        t = time_tables(path, tmp, args.repeat)
        print(f"    select_records(--all): {best(t['select'])}")
        print(f"    table_rows:            {best(t['rows'])}")
        print(f"      of which the 评分 scores (library_scores): {best(t['scores'])}")
        print(f"      reference: the whole ranking (rank, as caselib rank): {best(t['rank'])}")
        print(f"    export_xlsx (XlsxWriter):      {best(t['xlsx'])}")
        for key, label in (
            ("openpyxl", "openpyxl write-only"),
            ("xlsxwriter", "bare XlsxWriter script"),
        ):
            if t[key]:
                print(f"      the same cells, {label}: {best(t[key])}")
            else:
                print(f"      the same cells, {label}: not installed")
        print(f"    export_csv:            {best(t['csv'])}")
        time_cli(path, tmp, max(5, args.repeat))
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
