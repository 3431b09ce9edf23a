"""Benchmark of ranking: a 10,000-record library with 30,000 reviews, ranked in-process and by CLI.

    python bench/rank.py                          # 10,000 records × 3 reviews
    python bench/rank.py --records 2000 --reviews 2 --repeat 5

Builds a temp library with ``tags.init_library`` (so bodies are stored exactly as caselib stores
them), inserts realistic records in bulk: 经验案例 of about 2,000–3,000 characters with section
headings, figures (282 项, 60余名, 94.6%) and dates (8月26日), 暖心故事 of about 400–800; 24 units,
the default tag tree, 12 reviewers with their own harshness, 5% reported, 1% near-duplicate
pairs. Then it times ``caselib.choose.ranking.rank`` in-process (loading and scoring apart, first run
and best of ``--repeat``) and the whole ``caselib --db … rank --top 20`` of this Python's
environment: median wall and CPU time of ``--repeat`` (at least 5) runs after a warm-up, next
to the goal (0.6 s) and to two references, ``caselib --help`` (start-up alone) and
``python -c "import sqlmodel"`` (what loading the ORM costs). The machine's load is printed
with them: when other work shares the CPUs the wall time grows, the CPU time much less.
Figures are printed, not asserted.
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
from pathlib import Path
from typing import Any

UNITS = [
    "机关党委",
    "计算机与信息工程学院党委",
    "文学院党委",
    "历史文化学院党委",
    "生命科学学院党委",
    "外国语学院党委",
    "数学与统计学学院党委",
    "物理学院党委",
    "化学化工学院党委",
    "材料科学与工程学院党委",
    "资源环境学院党委",
    "商学院党委",
    "法学院党委",
    "马克思主义学院党委",
    "教育学院党委",
    "新闻传播学院党委",
    "艺术学院党委",
    "体育学院党委",
    "政法与公共管理学院党委",
    "哲学学院党委",
    "后勤集团党委",
    "图书馆直属党支部",
    "离退休工作处党委",
    "研究生院党委",
]
HEADINGS = [
    "身入心至下基层，提升党建引领力",
    "把脉问诊促发展，提升党建服务力",
    "解难纾困暖民心，提升党建凝聚力",
    "一、问需于师生，共谋改什么",
    "二、流程再造，共建便捷通道",
    "三、师生监督，共管服务质量",
    "四、几点体会",
]
PARAGRAPHS = [
    "实践活动开展以来，{unit}多次进行动员部署，组织全体党员干部通过座谈调研、主题党日、走访慰问、"
    "征集意见等形式深入基层，汇总形成“三个清单”，其中问题清单 {a} 项、任务清单 {b} 项、效果清单 {c} 项，"
    "确保实践活动运行机制更顺、帮扶举措更实、活动实效更强。",
    "{m}月{d}日，{n}余名党员干部集中开展校园义务劳动，令校园环境焕然一新。随后，党员干部两次下沉到"
    "学生回迁和迎新工作现场，积极开展搬迁行李、核查健康码、维护秩序等志愿服务，有效化解师生急难愁盼。",
    "聚焦基层党建对标争先，{unit}主动联系相关单位师生，通过调研走访、座谈交流等形式，共同凝炼基层党建"
    "思路与特色，打造先进典型，{k}个基层党组织入选全省高校基层党建示范培育创建单位。",
    "针对师生反映集中的问题，{unit}邀请教师代表、学生代表共{n}人召开“办事流程共商会”，对梳理出的问题逐条"
    "讨论、投票排序，最终形成“减环节、减材料、减跑动”三张清单，共列入改进事项{a}项，坚持决策共谋、发展共建。",
    "{unit}把清单落实情况纳入支部书记抓党建工作述职内容，推动各部门在“减”字上做文章，报销平均退单率由"
    "上年同期的{p}%下降到{q}%，新增上线服务事项{k}项，真正实现“数据多跑路、师生少跑腿”。",
    "改得好不好，师生最有发言权。{unit}聘请{k}名教师和学生担任“作风监督员”，每月到服务大厅体验办事流程，"
    "回收有效问卷{a}份，师生满意率达到{r}%，较行动开始前提高了{k}个百分点，体现效果共评、成果共享。",
    "学院党委推动{k}个教工党支部与{b}家企业党组织签订党建共建协议，共建实习实践基地{k}个，新开拓就业岗位"
    "{a}余个，发放困难学生求职补贴{w}万元，{y}年{m}月{d}日举办专场招聘会，当天达成签约意向{n}人次。",
    "党建引领汇聚工作合力，“共同缔造”擘画美好校园。{unit}改“加法”为“乘法”，将“你”“我”凝聚成“我们”，"
    "教育引导党员干部和广大师生共建平台、共享资源、共谋发展，推动实践活动走深走实、见行见效。",
]
# Paragraphs of the seed bulletin without figures: most of a real case is prose like this, and
# the density of digits decides how much work the figure scan does.
PROSE = [
    "{unit}将实践活动作为走好新时代党的群众路线，建设模范机关的重要载体，作为党员干部践初心、担使命、"
    "转作风、促发展的重要途径，坚持党建引领“共同缔造”，着力提升党建引领力、党建服务力和党建凝聚力，"
    "汇聚红色力量，服务学校高质量发展。",
    "下沉一线实不实，了解师生诉求准不准，是确保实践活动取得良好成效的关键。{unit}将定向对接学院、"
    "“六个一”项目与做实“三个清单”有机结合，引领全体党员干部在一线亮身份、听心声、解难题，实现下基层"
    "有心又有招，将智慧和力量凝聚到推动学校事业高质量发展中来。",
    "师生需求在哪里，党员干部热忱服务的身影就在哪里。{unit}组织各支部和党员干部围绕师生意见建议进行"
    "把脉定向，针对问题根源与师生共商思路、共推举措、共解难题、共促发展，努力将党的政治优势、组织优势"
    "转化为办学治校的发展动能。",
    "聚焦党的创新理论武装，{unit}组织党员干部、学院教师和青年学生学习、研讨、宣讲党的创新理论，更好地"
    "将党的创新理论传递到学院基层“末梢”。聚焦民主治校科学管理，大力推进学生校务助理选育管用，充分发挥"
    "其作为掌握现状的“显示屏”、反映意愿的“直通车”、发现问题的“预警器”、科学管理的“参谋员”等作用。",
    "实践活动的关键在于走好新时代党的群众路线，化解人民群众急难愁盼。{unit}坚持从一个个“小切口”推动"
    "“大变化”，用一件件“贴心事”凝聚“暖人心”，不断满足师生群众对美好生活的向往，深受大家一致肯定与好评。",
]
STORY = (
    "{m}月{d}日清晨，{place}的第一天，{unit}{n}余名党员干部早早来到宿舍区。一位老师和同事们帮一位腿脚受伤的"
    "同学把{k}箱行李搬上了{f}楼，又陪他去医务室换药。第二天，志愿者们在迎新现场核查健康码、维护秩序，累计服务"
    "新生和家长{a}余人次。{m2}月{d2}日，这位同学所在的学院专程送来感谢信，信中写道：“你们让我们感受到了家的温暖。”"
    "{unit}还把这次服务中发现的{k}个问题列入问题清单，推动宿舍区增设了{f}处行李临时存放点，建设共管有了新抓手。"
)
PLACES = ["阳逻校区学生回迁", "新生报到", "暑期留校学生返校", "冬季供暖检修", "研究生公寓搬迁"]
REVIEWERS = [
    "张明",
    "李华",
    "王芳",
    "赵磊",
    "陈静",
    "刘洋",
    "杨帆",
    "黄蕾",
    "周强",
    "吴敏",
    "徐婷",
    "孙浩",
]


def _fill(template: str, rng: random.Random, unit: str, year: int) -> str:
    return template.format(
        unit=unit,
        a=rng.randint(20, 900),
        b=rng.randint(10, 300),
        c=rng.randint(10, 300),
        n=rng.randint(10, 120),
        k=rng.randint(2, 30),
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
        m2=rng.randint(1, 12),
        d2=rng.randint(1, 28),
        p=rng.randint(15, 40),
        q=rng.randint(3, 14),
        r=round(rng.uniform(80, 99), 1),
        w=round(rng.uniform(0.5, 9.9), 1),
        y=year,
        f=rng.randint(2, 8),
        place=rng.choice(PLACES),
    )


def make_record(rng: random.Random, unit_id: int, unit: str) -> dict[str, Any]:
    year = rng.choice([2021, 2022, 2022, 2023])
    date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if rng.random() < 0.55:
        kind = "case"

        def paragraph() -> dict[str, Any]:
            parts = [rng.choice(PROSE), rng.choice(PARAGRAPHS)]
            rng.shuffle(parts)
            return {"type": "paragraph", "text": "".join(_fill(t, rng, unit, year) for t in parts)}

        body: list[dict[str, Any]] = [paragraph()]
        sections = rng.sample(HEADINGS, rng.choice([0, 3, 3, 4, 4]))
        for heading in sections:
            body.append({"type": "heading", "text": heading, "level": 1})
            body.extend(paragraph() for _ in range(rng.randint(2, 3)))
        if not sections:
            body.extend(paragraph() for _ in range(rng.randint(6, 9)))
        title = f"{unit}：党建引领聚合力 “共同缔造”暖人心"
    else:
        kind = "story"
        body = [
            {"type": "paragraph", "text": _fill(STORY, rng, unit, year)},
            {"type": "paragraph", "text": _fill(rng.choice(PROSE), rng, unit, year)},
        ]
        title = f"{unit}：{rng.choice(PLACES)}路上的“红马甲”"
    return {
        "kind": kind,
        "title": title,
        "unit_id": unit_id,
        "body": body,
        "date": date,
        "status": "reviewing",
    }


def build(path: Path, n_records: int, reviews_per_record: int, seed: int = 7) -> tuple[float, str]:
    """Create the library; returns the build time in seconds and a note on text lengths."""
    from sqlmodel import select

    from caselib.store.tables import (
        NearDuplicate,
        Record,
        RecordTag,
        Report,
        Review,
        Tag,
        Unit,
        utcnow,
    )
    from caselib.tags import init_library

    started = time.perf_counter()
    rng = random.Random(seed)
    lib, _ = init_library(str(path))
    engine = lib.engine
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(Unit.__table__.insert(), [{"name": u} for u in UNITS])  # type: ignore[attr-defined]
    with lib.session() as session:
        unit_ids = {u.name: int(u.id or 0) for u in session.exec(select(Unit)).all()}
        tag_ids = [t.id for t in session.exec(select(Tag)).all()]
    rows = []
    from caselib.records import stored_evidence
    from caselib.text.blocks import blocks_from_json

    for _ in range(n_records):
        unit = rng.choice(UNITS)
        row = make_record(rng, unit_ids[unit], unit)
        # the text evidence the library stores when a body is written (records.add_record)
        row.update(
            created_at=now, updated_at=now, evidence=stored_evidence(blocks_from_json(row["body"]))
        )
        rows.append(row)
    bias = {r: rng.uniform(-1.2, 0.8) for r in REVIEWERS}
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(Record.__table__.insert(), rows[start : start + 2000])  # type: ignore[attr-defined]
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM record ORDER BY id")]
        links, reviews, reports, dups = [], [], [], []
        for rid in ids:
            for tid in rng.sample(tag_ids, rng.randint(1, 3)):
                links.append({"record_id": rid, "tag_id": tid})
            quality = rng.uniform(1.5, 4.8)
            for reviewer in rng.sample(REVIEWERS, reviews_per_record):
                scores = {
                    c: float(min(5, max(1, round(quality + bias[reviewer] + rng.gauss(0, 0.6)))))
                    for c in ("真实性", "典型性", "创新性", "实效性", "可推广性")
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
            if rng.random() < 0.01:
                other = rng.choice(ids)
                if other != rid:
                    dups.append(
                        {
                            "record_id": rid,
                            "other_id": other,
                            "similarity": rng.uniform(0.85, 1.0),
                            "detected_at": now,
                        }
                    )
        conn.execute(RecordTag.__table__.insert(), links)  # type: ignore[attr-defined]
        for start in range(0, len(reviews), 5000):
            conn.execute(Review.__table__.insert(), reviews[start : start + 5000])  # type: ignore[attr-defined]
        if reports:
            conn.execute(Report.__table__.insert(), reports)  # type: ignore[attr-defined]
        seen = set()
        unique = []
        for d in dups:
            key = (d["record_id"], d["other_id"])
            if key not in seen:
                seen.add(key)
                unique.append(d)
        if unique:
            conn.execute(NearDuplicate.__table__.insert(), unique)  # type: ignore[attr-defined]
    engine.dispose()
    lib.engine.dispose()
    lengths: dict[str, list[int]] = {"case": [], "story": []}
    for row in rows:
        lengths[row["kind"]].append(sum(len(b["text"]) for b in row["body"]))
    note = "，".join(
        f"{label} {len(v):,} 篇，平均 {sum(v) / max(1, len(v)):,.0f} 字"
        for label, v in (("经验案例", lengths["case"]), ("暖心故事", lengths["story"]))
    )
    return time.perf_counter() - started, note


def time_in_process(path: Path, repeat: int) -> dict[str, Any]:
    """Best-of-``repeat`` CPU times (seconds: steadier than wall time on a shared machine),
    each run on a fresh plain-SQL connection (what ``caselib rank`` reads through)."""
    from caselib.choose.ranking import RankFilter, load_inputs, rank
    from caselib.choose.scoring import gc_paused, rank_records
    from caselib.store.config import default_config
    from caselib.store.reader import connect

    config = default_config()
    ref = dt.date(2022, 12, 31)
    quotas: dict[str, Any] = {"top": 20, "per_unit": 2, "per_tag": 3}
    out: dict[str, Any] = {"load": [], "score": [], "rank": []}
    inputs: list[Any] = []
    calibration: list[Any] = []
    for _ in range(repeat):
        conn = connect(str(path))
        with gc_paused():
            t0 = time.process_time()
            inputs, calibration = load_inputs(conn, RankFilter(), config.theme.parts)
            t1 = time.process_time()
            ranking = rank_records(inputs, config, ref, calibration=calibration, **quotas)
            t2 = time.process_time()
        conn.close()
        out["load"].append(t1 - t0)
        out["score"].append(t2 - t1)
        out["records"] = len(ranking)
    for _ in range(repeat):
        conn = connect(str(path))
        t0 = time.process_time()
        rank(conn, reference_date=ref, config=config, **quotas)
        out["rank"].append(time.process_time() - t0)
        conn.close()
    return out


def caselib_command() -> str | None:
    """The ``caselib`` of this Python (the venv's), not whatever is first on PATH."""
    exe = Path(sys.executable).with_name("caselib")
    return str(exe) if exe.exists() else shutil.which("caselib")


def time_command(args: list[str], runs: int = 5, warmup: int = 1) -> tuple[float, float]:
    """Median wall and CPU time (user + system, from the child's rusage) of ``runs`` runs of
    a whole command after ``warmup`` untimed ones. Raises RuntimeError if it fails.

    The commands may write and use Python's bytecode cache (``PYTHONDONTWRITEBYTECODE`` is
    dropped from their environment), as an installed caselib does: with it set, every run
    compiles caselib's own modules from source again (0.1–0.15 s of CPU on this machine)."""
    import os
    import statistics

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
        if child.stderr:
            child.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(args[:3])}… failed: {err.strip()[:200]}")
        if i >= warmup:
            walls.append(wall)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def figure(label: str, times: tuple[float, float], goal: float | None = None) -> str:
    wall, cpu = times
    verdict = ""
    if goal is not None:
        verdict = f"  goal ≤ {goal:g} s: {'met' if wall <= goal else 'NOT met'}"
        if wall > goal >= cpu:
            verdict += " (CPU within it: the machine is loaded)"
    return f"  {label:<46} {wall:6.3f} s wall {cpu:6.3f} s CPU{verdict}"


def load_note() -> str:
    import os

    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def time_cli(path: Path, runs: int) -> None:
    exe = caselib_command()
    if exe is None:
        print("  caselib command not installed")
        return
    print(f"whole commands, median of {runs} warmed runs ({exe}; {load_note()}):")
    db = ["--db", str(path)]
    print(
        figure("caselib rank --top 20", time_command([exe, *db, "rank", "--top", "20"], runs), 0.6)
    )
    print(figure("  reference: caselib --help (start-up)", time_command([exe, "--help"], runs)))
    print(
        figure(
            '  reference: python -c "import sqlmodel"',
            time_command([sys.executable, "-c", "import sqlmodel"], runs),
        )
    )
    print(f"  ({load_note()} after the runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=3, help="reviews per record")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs (at least 5 for commands)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the library and print its path")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="caselib-bench-rank-"))
    path = tmp / "caselib.db"
    try:
        built, note = build(path, args.records, args.reviews)
        size = path.stat().st_size / 1e6
        print(
            f"library: {args.records:,} records, {args.records * args.reviews:,} reviews, "
            f"{size:.1f} MB, built in {built:.1f} s ({note})"
        )
        t = time_in_process(path, args.repeat)
        load, score, whole = min(t["load"]), min(t["score"]), min(t["rank"])
        print(
            f"ranking.rank() in-process, CPU time, best of {args.repeat}: {whole:.3f} s "
            f"(first run {t['rank'][0]:.3f} s), {t['records']:,} records ranked, top 20 selected"
        )
        print(f"  load_inputs (stored text evidence, no bodies read): {load:.3f} s")
        print(f"  score + select: {score:.3f} s")
        time_cli(path, max(5, args.repeat))
        if args.keep:
            print(f"library kept at {path}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
