"""Time the scoring sheets of expert review: 50 candidates × 9 reviewers, out and back in.

    python bench/review_sheets.py [--candidates 50] [--reviewers 9] [--records 500] [--repeat 3]

Builds the temporary library of ``bench/rank.py`` (realistic 经验案例 and 暖心故事, 3 reviews a
record), puts ``--candidates`` records in a shortlist, then times, through the API that
``caselib review sheets`` / ``review import`` run (without the CLI's start-up and without the
reading pack, which is the compilation export timed in ``bench/export_docx.py``):

* writing one sheet per reviewer (``plan_sheets`` + ``make_sheets``; goal < 2 s for all nine);
* importing the nine returned sheets, filled with whole and half points, one transaction each
  (``read_sheet`` + ``check_sheet`` + ``apply_import``; goal < 2 s);

side by side with a reference: the same cells written with openpyxl alone (no styles, locks,
validation or hidden cells) and read back with openpyxl alone. Best of ``--repeat`` runs after
a warm-up; the first run is printed too. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rank import build  # noqa: E402  (the same realistic corpus)

SHORTLIST = "基准候选"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up: imports openpyxl
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return runs


def best(runs: list[float]) -> str:
    return f"best {min(runs):.3f} s (first {runs[0]:.3f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--reviewers", type=int, default=9)
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from openpyxl import Workbook, load_workbook

    from caselib.choose.sheet_import import apply_import, check_sheet, read_sheet
    from caselib.choose.sheets import make_sheets, plan_sheets
    from caselib.choose.shortlists import add_to_shortlist
    from caselib.store.config import default_config
    from caselib.store.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="caselib-bench-sheets-"))
    try:
        db = tmp / "bench.db"
        seconds, _note = build(db, args.records, reviews_per_record=3)
        print(f"library: {args.records} records built in {seconds:.1f} s")
        lib = Library.open(str(db))
        rubric = default_config().rubric
        rng = random.Random(12)
        with lib.session() as session:
            ids = rng.sample(range(1, args.records + 1), args.candidates)
            add_to_shortlist(session, SHORTLIST, ids, create=True)
        reviewers = [f"评审专家{i + 1:02d}" for i in range(args.reviewers)]
        out = tmp / "评审"

        def write_sheets() -> list[Path]:
            with lib.session() as session:
                planned = plan_sheets(session, SHORTLIST)
                return make_sheets(planned, reviewers, rubric, out, force=True)

        paths = write_sheets()
        # Fill every sheet as its reviewer would (not timed).
        back = tmp / "回收"
        back.mkdir()
        values = [rubric.scale_min + k / 2 for k in range(int(2 * rubric.scale_max) - 1)]
        for path in paths:
            wb = load_workbook(path)
            ws = wb["评分表"]
            for r in range(3, 3 + args.candidates):
                for c in range(5, 5 + len(rubric.criteria)):
                    ws.cell(r, c, value=rng.choice(values))
                ws.cell(r, 5 + len(rubric.criteria), value="材料扎实，建议报送。")
            wb.save(back / path.name)
        returned = sorted(back.iterdir())

        def import_sheets() -> int:
            written = 0
            for path in returned:
                sheet = read_sheet(path, rubric)
                with lib.session() as session:
                    plan = check_sheet(session, sheet, rubric)
                    assert plan.ok, plan.problems
                    written += apply_import(session, plan, rubric)
            return written

        first = import_sheets()  # the real import: every row is new
        assert first == args.candidates * args.reviewers, first

        def fresh_import() -> None:
            # Unchanged sheets write nothing: each run first removes the sheets' reviews (a
            # few milliseconds, timed with the rest) so that every run writes all of them.
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute("DELETE FROM review WHERE reviewer LIKE '评审专家%'")
            assert import_sheets() == args.candidates * args.reviewers

        ref_dir = tmp / "ref"
        ref_dir.mkdir()
        headers = ["序号", "标题", "单位", "类型", *rubric.names, "评语", "记录编号", "文本校验"]

        def reference_write() -> None:
            for name in reviewers:
                wb = Workbook()
                ws = wb.active
                assert ws is not None
                ws.append(headers)
                for n in range(args.candidates):
                    ws.append([n + 1, "标题" * 12, "某某学院党委", "经验案例"] + [None] * 6)
                wb.save(ref_dir / f"{name}.xlsx")

        def reference_read() -> None:
            for path in returned:
                wb = load_workbook(path, read_only=True, data_only=True)
                for _row in wb["评分表"].iter_rows(values_only=True):
                    pass
                wb.close()

        n = f"{args.candidates} candidates × {args.reviewers} reviewers"
        print(f"sheets, {n}:")
        print(f"  caselib make_sheets      {best(timed(write_sheets, args.repeat))}  (goal < 2 s)")
        print(f"  openpyxl alone (plain)   {best(timed(reference_write, args.repeat))}")
        print(f"import of the {len(returned)} returned sheets:")
        print(f"  caselib read+check+write {best(timed(fresh_import, args.repeat))}  (goal < 2 s)")
        print(f"  openpyxl alone (read)    {best(timed(reference_read, args.repeat))}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
