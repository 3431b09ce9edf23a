"""Time the table and bulletin exports on a 10,000-record library.

    python bench/export_xlsx.py [--records 10000] [--articles 30] [--repeat 3] [--keep]

Builds a temporary library with ``Library.init`` and plain SQL inserts: 经验案例 of about
2,000 characters with section headings and figures, 暖心故事 of about 400, 24 units, 1–3 tags
each, 3 reviews per record, 5 % reported, 2 % adopted. Then it times, through the
``caselib.exporting`` API (what ``caselib export`` runs, without the CLI's start-up):

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

UNITS = [
    f"{name}党委"
    for name in (
        "机关",
        "计算机与信息工程学院",
        "文学院",
        "历史文化学院",
        "生命科学学院",
        "外国语学院",
        "数学与统计学学院",
        "物理学院",
        "化学化工学院",
        "材料科学与工程学院",
        "资源环境学院",
        "商学院",
        "法学院",
        "马克思主义学院",
        "教育学院",
        "新闻传播学院",
        "艺术学院",
        "体育学院",
        "政法与公共管理学院",
        "哲学学院",
        "后勤集团",
        "离退休工作处",
        "研究生院",
        "图书馆",
    )
]
HEADINGS = [
    "身入心至下基层，提升党建引领力",
    "把脉问诊促发展，提升党建服务力",
    "解难纾困暖民心，提升党建凝聚力",
    "一、问需于师生，共谋改什么",
    "二、流程再造，共建便捷通道",
    "三、师生监督，共管服务质量",
]
PARAGRAPHS = [
    "实践活动开展以来，{unit}多次进行动员部署，组织全体党员干部通过座谈调研、主题党日、走访慰问、"
    "征集意见等形式深入基层，汇总形成“三个清单”，其中问题清单{a}项、任务清单{b}项、效果清单{c}项，"
    "确保实践活动运行机制更顺、帮扶举措更实、活动实效更强。",
    "{m}月{d}日，{n}余名党员干部集中开展校园义务劳动，令校园环境焕然一新。随后，党员干部两次下沉到"
    "学生回迁和迎新工作现场，积极开展搬迁行李、核查健康码、维护秩序等志愿服务，有效化解师生急难愁盼。",
    "下沉一线实不实，了解师生诉求准不准，是确保实践活动取得良好成效的关键。{unit}将定向对接学院、"
    "“六个一”项目与做实“三个清单”有机结合，引领全体党员干部在一线亮身份、听心声、解难题，实现下基层"
    "有心又有招，将智慧和力量凝聚到推动学校事业高质量发展中来。",
    "改得好不好，师生最有发言权。{unit}聘请{k}名教师和学生担任“作风监督员”，每月到服务大厅体验办事流程，"
    "回收有效问卷{a}份，师生满意率达到{r}%，较行动开始前提高了{k}个百分点，体现效果共评、成果共享。",
    "师生需求在哪里，党员干部热忱服务的身影就在哪里。{unit}组织各支部和党员干部围绕师生意见建议进行"
    "把脉定向，针对问题根源与师生共商思路、共推举措、共解难题、共促发展，努力将党的政治优势、组织优势"
    "转化为办学治校的发展动能。",
]
STORY = (
    "{m}月{d}日清晨，新生报到的第一天，{unit}{n}余名党员干部早早来到宿舍区。一位老师和同事们帮一位腿脚"
    "受伤的同学把{k}箱行李搬上了楼，又陪他去医务室换药。第二天，志愿者们在迎新现场核查健康码、维护秩序，"
    "累计服务新生和家长{a}余人次。这位同学所在的学院专程送来感谢信，信中写道：“你们让我们感受到了家的温暖。”"
)
CRITERIA = ("真实性", "典型性", "创新性", "实效性", "可推广性")
REVIEWERS = ["张明", "李华", "王芳", "赵磊", "陈静", "刘洋", "杨帆", "黄蕾", "周强"]


def _fill(template: str, rng: random.Random, unit: str) -> str:
    return template.format(
        unit=unit,
        a=rng.randint(20, 900),
        b=rng.randint(10, 300),
        c=rng.randint(10, 300),
        n=rng.randint(10, 120),
        k=rng.randint(2, 30),
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
        r=round(rng.uniform(80, 99), 1),
    )


def build(path: Path, n_records: int, seed: int = 11) -> float:
    """Create the library at ``path``; returns the build time in seconds."""
    from sqlmodel import select

    from caselib.blocks import blocks_from_json
    from caselib.db import Library
    from caselib.models import Adoption, Record, RecordTag, Report, Review, Tag, Unit, utcnow
    from caselib.records import stored_evidence

    started = time.perf_counter()
    rng = random.Random(seed)
    lib, _ = Library.init(str(path))
    now = utcnow()
    with lib.engine.begin() as conn:
        conn.execute(Unit.__table__.insert(), [{"name": u} for u in UNITS])  # type: ignore[attr-defined]
    with lib.session() as session:
        unit_ids = {u.name: int(u.id or 0) for u in session.exec(select(Unit)).all()}
        tag_ids = [int(t.id or 0) for t in session.exec(select(Tag)).all()]
    rows: list[dict[str, Any]] = []
    for i in range(n_records):
        unit = rng.choice(UNITS)
        date = dt.date(rng.choice([2021, 2022, 2023]), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.55:
            kind, title = "case", f"{unit}：党建引领聚合力 “共同缔造”暖人心（{i + 1}）"

            def paragraph(unit: str = unit) -> dict[str, Any]:
                parts = rng.sample(PARAGRAPHS, 2)
                return {"type": "paragraph", "text": "".join(_fill(t, rng, unit) for t in parts)}

            body: list[dict[str, Any]] = [paragraph()]
            for heading in rng.sample(HEADINGS, 3):
                body.append({"type": "heading", "text": heading, "level": 1})
                body += [paragraph() for _ in range(rng.randint(2, 3))]
        else:
            kind, title = "story", f"{unit}：迎新路上的“红马甲”（{i + 1}）"
            body = [
                {"type": "paragraph", "text": _fill(STORY, rng, unit)},
                {"type": "paragraph", "text": _fill(rng.choice(PARAGRAPHS), rng, unit)},
            ]
        rows.append(
            {
                "kind": kind,
                "title": title,
                "unit_id": unit_ids[unit],
                "body": body,
                # the text evidence the library stores when a body is written
                "evidence": stored_evidence(blocks_from_json(body)),
                "date": date,
                "submitted": date + dt.timedelta(days=rng.randint(3, 40)),
                "status": "reviewing",
                "created_at": now,
                "updated_at": now,
            }
        )
    with lib.engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(Record.__table__.insert(), rows[start : start + 2000])  # type: ignore[attr-defined]
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM record ORDER BY id")]
        links, reviews, reports, adoptions = [], [], [], []
        for rid in ids:
            for position, tid in enumerate(rng.sample(tag_ids, rng.randint(1, 3))):
                links.append({"record_id": rid, "tag_id": tid, "position": position})
            quality = rng.uniform(1.5, 4.8)
            for reviewer in rng.sample(REVIEWERS, 3):
                scores = {
                    c: float(min(5, max(1, round(quality + rng.gauss(0, 0.7))))) for c in CRITERIA
                }
                reviews.append(
                    {"record_id": rid, "reviewer": reviewer, "scores": scores, "created_at": now}
                )
            if rng.random() < 0.05:
                reports.append(
                    {
                        "record_id": rid,
                        "to": "省委教育工委",
                        "date": dt.date(2022, 10, 1),
                        "created_at": now,
                    }
                )
                if rng.random() < 0.4:
                    adoptions.append(
                        {
                            "record_id": rid,
                            "by": "省委教育工委工作简报第8期",
                            "level": "省级",
                            "date": dt.date(2022, 11, 1),
                            "created_at": now,
                        }
                    )
        conn.execute(RecordTag.__table__.insert(), links)  # type: ignore[attr-defined]
        for start in range(0, len(reviews), 5000):
            conn.execute(Review.__table__.insert(), reviews[start : start + 5000])  # type: ignore[attr-defined]
        if reports:
            conn.execute(Report.__table__.insert(), reports)  # type: ignore[attr-defined]
        if adoptions:
            conn.execute(Adoption.__table__.insert(), adoptions)  # type: ignore[attr-defined]
    lib.engine.dispose()
    return time.perf_counter() - started


def best(runs: list[float]) -> str:
    return f"best {min(runs):.3f} s (first {runs[0]:.3f} s)"


def time_tables(path: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    from caselib import exporting
    from caselib.db import Library
    from caselib.ranking import rank
    from caselib.rubric import default_config

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
            selection = timed(
                "select", lambda s=session: exporting.select_records(s, all_records=True)
            )
            rows = timed(
                "rows",
                lambda s=session, ids=selection.ids: exporting.table_rows(
                    s, ids, config=config, reference_date=today
                ),
            )
            timed("xlsx", lambda r=rows: exporting.export_xlsx(out / "all.xlsx", r, force=True))
            t["total"].append(time.perf_counter() - start)
            timed(
                "xlsx_normal",
                lambda r=rows: exporting.export_xlsx(
                    out / "all-normal.xlsx", r, force=True, write_only=False
                ),
            )
            timed("csv", lambda r=rows: exporting.export_csv(out / "all.csv", r, force=True))
            timed("rank", lambda s=session: rank(s, reference_date=today, config=config))
        if run == 0:
            for values in t.values():
                values.clear()
    lib.engine.dispose()
    print(f"  rows: {len(rows):,}, XLSX {(out / 'all.xlsx').stat().st_size / 1e6:.1f} MB")
    return t


def time_bulletin(path: Path, out: Path, n_articles: int, repeat: int) -> list[float]:
    from caselib import exporting
    from caselib.db import Library

    lib = Library.open(str(path))
    with lib.session() as session:
        ids = exporting.select_records(session, all_records=True).ids
    rng = random.Random(3)
    chosen = rng.sample(ids, n_articles)
    runs: list[float] = []
    for run in range(repeat + 1):
        start = time.perf_counter()
        with lib.session() as session:
            selection = exporting.select_records(session, ids=chosen)
            records = exporting.load_records(session, selection.ids)
            spec = exporting.plan_bulletin(
                session,
                exporting.BulletinRequest(
                    series="党员干部下基层察民情解民忧暖民心实践活动简报",
                    office="湖北大学党史学习教育领导小组办公室",
                    editor_note="本期集中推介一批经验案例和暖心故事。",
                    distribution={"报": ["省委党史学习教育领导小组办公室"], "发": ["各二级党组织"]},
                    date=dt.date(2022, 11, 10),
                ),
                today=dt.date(2022, 11, 10),
            )
            exporting.export_bulletin(session, out / f"issue-{run}.docx", spec, records)
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
