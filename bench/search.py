"""Benchmark of the full-text search: build rate, size, latency, recall, against LIKE and rg.

    python bench/search.py                       # sizes 1000,10000 (a few minutes)
    python bench/search.py --sizes 100000        # the 100k goal (about 10 minutes)
    python bench/search.py --sizes 1000 --cli    # also time the whole `caselib search` command

For each size N it generates N realistic records (about 1,600 Chinese characters each, built
from phrases such as 党建引领/共同缔造/迎新/暖心/志愿服务, with planted phrases of known
frequency), builds a library (``SQLModel.metadata.create_all`` + ``create_index``, records
inserted with plain SQL and indexed with ``reindex_records`` in batches, one transaction per
batch), then prints: index build rate (goal >= 500 records/s), library size, in-process search
latency p50/p95 for 1-, 2-, 4-character and two-term queries (measured in a fresh process,
which also reports its peak memory; goal < 300 MB), recall against a substring scan of the
scanned text (must be exactly 1.0 with no extra hits), ``LIKE '%…%'`` scan latency, ripgrep
(``rg -l -F``) over the records exported one file each, and the ratio FTS p50 / rg p50 (goal
at 100k: FTS at least 200x faster). The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Realistic text

THEMES = {
    "党建": "党建引领 基层党组织 党支部书记 双带头人 样板支部 标杆院系 三会一课 组织生活会 "
    "民主评议党员 发展党员 入党积极分子 党员先锋岗 党员示范岗 理论学习中心组 主题党日 "
    "党史学习教育 主题教育 全面从严治党 党建工作 示范高校 红色教育基地 初心使命",
    "共同缔造": "共同缔造 决策共谋 发展共建 建设共管 效果共评 成果共享 美好环境 社区治理 "
    "网格化管理 楼栋长 居民议事会 协商议事 共建共治共享 老旧小区改造",
    "迎新": "迎新 新生报到 绿色通道 家庭经济困难学生 迎新志愿者 入学教育 开学典礼 "
    "一站式学生社区 辅导员 班主任 宿舍 军训 校史馆 新生党员",
    "暖心": "暖心 暖心服务 关心关爱 困难帮扶 慰问 退休老同志 老党员 生日蛋糕 送医送药 "
    "心理健康 谈心谈话 温暖 感动 泪水 握手 一碗热汤",
    "志愿": "志愿服务 青年志愿者 志愿服务队 社区服务 义诊 支教 结对帮扶 乡村振兴 "
    "第一书记 驻村工作队 助农 消费帮扶 防疫志愿者 核酸检测",
    "服务": "为民办实事 办事效率 少跑腿 一网通办 一站式服务 最后一公里 服务群众 "
    "接诉即办 首问负责制 限时办结 后勤保障 食堂 图书馆 校园卡",
    "科研": "科研团队 攻关 成果转化 实验室安全 重点实验室 青年教师 导师 研究生 "
    "课程思政 立德树人 思想政治工作 校园文化 就业创业 校企合作",
    "疫情": "疫情防控 封控管理 物资保障 核酸采样 健康监测 隔离观察 线上教学 "
    "闭环管理 防疫物资 应急处置 联防联控 返校复学",
    "乡村": "乡村振兴 驻村帮扶 产业帮扶 特色农产品 电商直播 合作社 村集体经济 "
    "易地搬迁 技术培训 科技特派员 定点帮扶县 乡村教师",
    "廉政": "廉政建设 警示教育 廉洁文化 监督执纪 作风建设 八项规定 谈话提醒 "
    "巡察整改 问题清单 整改落实 政治生态 清廉校园",
    "就业": "就业指导 访企拓岗 招聘会 简历门诊 生涯规划 基层就业 西部计划 "
    "校友企业 实习基地 就业帮扶 创新创业大赛 孵化基地",
    "资助": "奖助学金 勤工助学 助学贷款 临时困难补助 爱心超市 精准资助 "
    "资助育人 诚信教育 感恩教育 冬衣发放",
    "心理": "心理咨询 心理危机干预 朋辈辅导 团体辅导 心理健康月 情绪疏导 "
    "家校沟通 危机预警 心理委员 沙盘游戏",
    "离退休": "离退休工作 银发讲师团 老干部活动中心 重阳节 金婚庆典 "
    "上门探望 老年大学 关工委 传帮带 口述校史",
    "统战": "统一战线 民主党派 党外知识分子 建言献策 同心工程 侨联 "
    "民族团结 铸牢中华民族共同体意识 石榴籽",
    "工会": "教代会 工会小组 职工之家 教职工运动会 劳模工作室 "
    "师德师风 青年教师沙龙 母婴室 困难职工帮扶",
    "共青团": "共青团 团支部 青年大学习 推优入党 社会实践 三下乡 "
    "青马工程 学生会 社团活动 青年突击队",
    "医疗": "附属医院 义诊活动 健康讲座 家庭医生 急诊绿色通道 "
    "医联体 远程会诊 护理服务 医德医风 健康扶贫",
}
FILLERS = (
    "的 的 的 了 了 在 在 和 与 对 把 将 从 向 为 以 并 就 都 也 还 更 很 "
    "通过 进一步 全面 推动 围绕 坚持 深入开展 积极 不断 工作 机制 群众 同学 老师 学院 "
    "支部 活动 有效 切实 落实 加强 提升 形成 建立 健全 完善 服务 特色 品牌 经验 做法 成效 "
    "问题 需求 解决 及时 主动 持续 广大 师生 党员 干部 同志们 我们 他们 大家 今年 去年 "
    "组织 开展 召开 会议 座谈 调研 走访 了解 情况 反映 意见 建议 制度 保障 责任 任务"
).split()
UNITS = [
    "机关党委",
    "计算机学院党委",
    "外国语学院党委",
    "化学化工学院党委",
    "机械工程学院党委",
    "马克思主义学院党委",
    "经济管理学院党委",
    "后勤集团党委",
    "图书馆党总支",
    "离退休工作处党委",
    "附属医院党委",
    "研究生院党委",
]
TAG_TREE = {
    "党建引领": ["支部建设", "党员教育"],
    "共同缔造": ["决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"],
    "学生工作": ["迎新", "就业创业", "心理健康"],
    "暖心服务": ["关心关爱", "困难帮扶"],
    "志愿服务": [],
}
#: Planted phrases and the share of records that carry them (recall is checked on them too).
PLANTED = {
    "红烛映初心": 0.01,
    "暖心驿站": 0.05,
    "282项": 0.002,
    "“最多跑一次”": 0.02,
    "Python编程": 0.001,
    "鹊桥计划": 0.0005,
}
QUERIES = {
    "1-char": ["党", "暖", "迎", "鹊", "鑫", "驿", "科", "8"],
    "2-char": ["党建", "暖心", "迎新", "鹊桥", "驿站", "义诊", "82", "军训", "石榴"],
    "4-char": ["党建引领", "共同缔造", "志愿服务", "暖心驿站", "红烛映初", "决策共谋", "鹊桥计划"],
    "two-term": ["党建 迎新", "暖心 志愿服务", "282项 暖心", "红烛映初心 党建", "共同缔造 义诊"],
}


def _phrases(theme: str) -> list[str]:
    return THEMES[theme].split()


def _pick(rng: random.Random, phrases: list[str]) -> str:
    """A phrase of the theme, Zipf-like: the first ones much more often than the last."""
    k = min(len(phrases) - 1, int(rng.paretovariate(1.2)) - 1)
    return phrases[k]


def sentence(rng: random.Random, themes: list[list[str]], year: int) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(5, 14)):
        r = rng.random()
        if r < 0.3:
            parts.append(_pick(rng, rng.choice(themes)))
        elif r < 0.88:
            parts.append(rng.choice(FILLERS))
        elif r < 0.93:
            parts.append(f"{rng.randint(1, 999)}{rng.choice('项人次件个名')}")
        elif r < 0.96:
            parts.append(f"{year}年{rng.randint(1, 12)}月")
        else:
            parts.append(f"“{_pick(rng, rng.choice(themes))}”")
        if rng.random() < 0.18:
            parts.append(rng.choice("，，，、；"))
    return "".join(parts) + rng.choice("。。。！")


def make_record(rng: random.Random, n_chars: int = 1600) -> dict[str, Any]:
    names = list(THEMES)
    chosen = rng.sample(names, rng.randint(1, 2))
    themes = [_phrases(t) for t in chosen]
    year = rng.randint(2018, 2024)
    date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    blocks: list[dict[str, Any]] = []
    total = 0
    heading_no = 0
    while total < n_chars:
        if rng.random() < 0.12:
            heading_no += 1
            text = "一二三四五六七八九十"[min(heading_no, 10) - 1] + "、" + rng.choice(themes[0])
            text += rng.choice(["的做法", "的成效", "的经验", "工作"])
            blocks.append({"type": "heading", "text": text, "level": 1})
        else:
            text = "".join(sentence(rng, themes, year) for _ in range(rng.randint(2, 6)))
            blocks.append({"type": "paragraph", "text": text})
        total += len(text)
    for phrase, share in PLANTED.items():
        if rng.random() < share:
            b = rng.randrange(len(blocks))
            t = blocks[b]["text"]
            k = rng.randrange(len(t) + 1)
            blocks[b]["text"] = t[:k] + phrase + t[k:]
    unit = rng.choice(UNITS)
    title = f"{unit.removesuffix('党委')}：{rng.choice(themes[0])}{rng.choice(['暖人心', '见实效', '出新招', '结硕果', '显担当'])}"
    summary = sentence(rng, themes, year)
    tags = list(rng.sample(sorted(_all_tags()), rng.randint(1, 3)))
    return {
        "kind": "story" if "暖心" in chosen and rng.random() < 0.7 else "case",
        "title": title,
        "unit": unit,
        "summary": summary,
        "body": blocks,
        "date": date.isoformat(),
        "status": rng.choice(["submitted", "reviewing", "shortlisted", "reported", "adopted"]),
        "deleted": rng.random() < 0.01,
        "tags": tags,
    }


def _all_tags() -> set[str]:
    return set(TAG_TREE) | {c for cs in TAG_TREE.values() for c in cs}


# --------------------------------------------------------------------------------------------
# Building a library


def build_library(path: Path, n: int, seed: int = 42, batch: int = 500) -> dict[str, float]:
    """Create a library of ``n`` generated records at ``path``; returns timings."""
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import caselib.store.tables  # noqa: F401  (registers the tables)
    from caselib.store import meta as library_meta
    from caselib.store import sqlite_backend

    if path.exists():
        path.unlink()
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()

    conn = sqlite3.connect(path)
    sqlite_backend.configure_connection(conn)
    with conn:
        sqlite_backend.create_index(conn)
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [
                ("application", library_meta.APPLICATION),
                ("schema_version", str(library_meta.SCHEMA_VERSION)),
            ],
        )
        unit_ids = {}
        for name in UNITS:
            unit_ids[name] = conn.execute("INSERT INTO unit(name) VALUES (?)", (name,)).lastrowid
        conn.execute(
            "INSERT INTO unit_alias(alias, unit_id) VALUES ('机关', ?)", (unit_ids["机关党委"],)
        )
        tag_ids: dict[str, int] = {}
        for parent, children in TAG_TREE.items():
            pid = conn.execute("INSERT INTO tag(name) VALUES (?)", (parent,)).lastrowid
            assert pid is not None
            tag_ids[parent] = pid
            for child in children:
                cid = conn.execute(
                    "INSERT INTO tag(name, parent_id) VALUES (?, ?)", (child, pid)
                ).lastrowid
                assert cid is not None
                tag_ids[child] = cid

    rng = random.Random(seed)
    now = dt.datetime(2024, 6, 1).isoformat(sep=" ")
    t_gen = t_insert = t_index = 0.0
    next_id = 1
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        a = time.perf_counter()
        recs = [make_record(rng) for _ in range(min(batch, n - start))]
        b = time.perf_counter()
        ids = list(range(next_id, next_id + len(recs)))
        next_id += len(recs)
        with conn:
            conn.executemany(
                "INSERT INTO record(id, kind, title, unit_id, summary, body, date, status, "
                "created_at, updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        rid,
                        r["kind"],
                        r["title"],
                        unit_ids[r["unit"]],
                        r["summary"],
                        json.dumps(r["body"], ensure_ascii=False),
                        r["date"],
                        r["status"],
                        now,
                        now,
                        now if r["deleted"] else None,
                    )
                    for rid, r in zip(ids, recs, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO record_tag(record_id, tag_id, position) VALUES (?, ?, ?)",
                [
                    (rid, tag_ids[t], k)
                    for rid, r in zip(ids, recs, strict=True)
                    for k, t in enumerate(r["tags"])
                ],
            )
            c = time.perf_counter()
            sqlite_backend.reindex_records(conn, ids)
        d = time.perf_counter()  # after the commit, which writes FTS5's pending segment
        t_gen += b - a
        t_insert += c - b
        t_index += d - c
    total = time.perf_counter() - t0 - t_gen
    a = time.perf_counter()
    with conn:
        sqlite_backend.optimize_index(conn)
    t_opt = time.perf_counter() - a
    index_bytes = sqlite_backend.index_size_bytes(conn)
    conn.execute("VACUUM")
    conn.close()
    return {
        "generate_s": t_gen,
        "insert_s": t_insert,
        "index_s": t_index,
        "optimize_s": t_opt,
        "build_rate": n / (total + t_opt),
        "index_rate": n / (t_index + t_opt),
        "index_bytes": float(index_bytes),
    }


# --------------------------------------------------------------------------------------------
# Measuring


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def peak_memory_mb() -> float:
    """Peak resident memory of this process. On Linux ``ru_maxrss`` survives ``exec`` (it
    would report the parent's peak), so the kernel's VmHWM is read when it is there."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search_worker(db: str, repeats: int) -> dict[str, Any]:
    """Run in a fresh process: latency of ``search`` per query class, and peak memory."""
    from caselib import search as s
    from caselib.store.sqlite_backend import configure_connection

    conn = sqlite3.connect(db)
    configure_connection(conn)
    out: dict[str, Any] = {"latency": {}, "per_query": {}}
    rss_before = peak_memory_mb()
    for cls, queries in QUERIES.items():
        times: list[float] = []
        for q in queries:
            s.search(conn, q, limit=20)  # warm
            qt = []
            for _ in range(repeats):
                a = time.perf_counter()
                s.search(conn, q, limit=20)
                qt.append(time.perf_counter() - a)
            times += qt
            out["per_query"][q] = statistics.median(qt)
        out["latency"][cls] = (_pct(times, 50), _pct(times, 95))
    # A filtered query and a filters-only listing, for the record.
    f = s.SearchFilters(tags=["共同缔造"], since=dt.date(2020, 1, 1))
    a = time.perf_counter()
    s.search(conn, "暖心", f, limit=20)
    out["filtered"] = time.perf_counter() - a
    a = time.perf_counter()
    s.search(conn, "", s.SearchFilters(kind="story"), limit=20)
    out["list_only"] = time.perf_counter() - a
    out["maxrss_mb"] = peak_memory_mb()
    out["maxrss_before_mb"] = rss_before
    conn.close()
    return out


def record_texts(conn: sqlite3.Connection) -> Iterator[tuple[int, bool, list[str], list[str]]]:
    """(id, in trash, raw segments, normalised segments) of every record, streamed."""
    from caselib.store.sqlite_backend import record_segments
    from caselib.text.blocks import body_texts

    tags: dict[int, list[str]] = {}
    for rid, name in conn.execute(
        "SELECT rt.record_id, t.name FROM record_tag rt JOIN tag t ON t.id = rt.tag_id"
    ):
        tags.setdefault(rid, []).append(name)
    for rid, title, summary, body, unit, deleted in conn.execute(
        "SELECT r.id, r.title, r.summary, r.body, u.name, r.deleted_at FROM record r "
        "JOIN unit u ON u.id = r.unit_id ORDER BY r.id"
    ):
        raw = [title, summary or "", *body_texts(body), unit, *tags.get(rid, [])]
        segs = [
            x for col in record_segments(title, tags.get(rid, []), unit, summary, body) for x in col
        ]
        yield rid, deleted is not None, raw, segs


def recall(db: str) -> tuple[float, int, int, dict[str, tuple[int, int]]]:
    """Compare ``search`` with a substring scan: (recall, missed, extra, per-query counts)."""
    from caselib import search as s

    conn = sqlite3.connect(db)
    queries = [q for qs in QUERIES.values() for q in qs] + [s.quote_term(p) for p in PLANTED]
    parsed = {q: s.parse_query(q) for q in queries}
    expected: dict[str, set[int]] = {q: set() for q in queries}
    for rid, deleted, _raw, segs in record_texts(conn):
        if deleted:
            continue
        for q in queries:
            groups = parsed[q].groups
            if all(any(any(t.text in seg for seg in segs) for t in g) for g in groups):
                expected[q].add(rid)
    missed = extra = total = 0
    counts = {}
    for q in queries:
        got = {h.id for h in s.search(conn, parsed[q], limit=None, snippet_chars=40)}
        missed += len(expected[q] - got)
        extra += len(got - expected[q])
        total += len(expected[q])
        counts[q] = (len(expected[q]), len(got))
    conn.close()
    return (1.0 - missed / total if total else 1.0), missed, extra, counts


def like_latency(db: str, queries: list[str]) -> float:
    conn = sqlite3.connect(db)
    times = []
    for q in queries:
        pat = f"%{q}%"
        a = time.perf_counter()
        conn.execute(
            "SELECT id FROM record WHERE deleted_at IS NULL AND "
            "(title LIKE ? OR summary LIKE ? OR body LIKE ?) ORDER BY date DESC LIMIT 20",
            (pat, pat, pat),
        ).fetchall()
        times.append(time.perf_counter() - a)
    conn.close()
    return statistics.median(times)


def export_files(db: str, out: Path) -> None:
    """One text file per record (what a folder of documents searched with rg would be)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    conn = sqlite3.connect(db)
    for rid, deleted, raw, _segs in record_texts(conn):
        if not deleted:
            (out / f"{rid:06d}.txt").write_text("\n".join(raw), encoding="utf-8")
    conn.close()


def rg_latency(folder: Path, queries: list[str]) -> dict[str, float] | None:
    """Wall time of ``rg -l -F QUERY FOLDER`` per query (None without ripgrep)."""
    rg = shutil.which("rg")
    if rg is None:
        return None
    times = {}
    for q in queries:
        a = time.perf_counter()
        subprocess.run([rg, "-l", "-F", "--", q, str(folder)], capture_output=True, check=False)
        times[q] = time.perf_counter() - a
    return times


# ---- Whole-command timing (needs the lead's `caselib search`) -------------------------------


def time_cli_search(db: str, queries: list[str], repeats: int = 3) -> dict[str, float] | None:
    """WALL TIME OF THE WHOLE COMMAND: ``caselib --db DB search 词`` per query (median).

    Runs the ``caselib`` console script in a subprocess, so it includes interpreter start-up
    and imports. Returns None when the command is missing or fails.
    """
    exe = shutil.which("caselib") or str(Path(sys.executable).with_name("caselib"))
    if not Path(exe).exists():
        return None
    result = {}
    for q in queries:
        times = []
        for _ in range(repeats):
            a = time.perf_counter()
            proc = subprocess.run(
                [exe, "--db", db, "search", q], capture_output=True, text=True, check=False
            )
            times.append(time.perf_counter() - a)
            if proc.returncode != 0:
                print(f"  caselib search {q!r} failed: {proc.stderr.strip()[:200]}")
                return None
        result[q] = statistics.median(times)
    return result


# --------------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def run_size(n: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    db = work / f"bench-{n}.db"
    print(f"\n=== N = {n:,} records ===", flush=True)
    if args.reuse and db.exists():
        print(f"reusing {db} (no build figures)")
        build = None
    else:
        build = build_library(db, n)
    size = db.stat().st_size
    if build is None:
        print(f"size: library {_mb(size)}")
    else:
        print(
            f"build: {build['build_rate']:,.0f} records/s overall (goal >= 500), "
            f"indexing alone (with commits) {build['index_rate']:,.0f} records/s; "
            f"generate {build['generate_s']:.1f}s, insert {build['insert_s']:.1f}s, "
            f"index {build['index_s']:.1f}s, optimize {build['optimize_s']:.1f}s",
            flush=True,
        )
        print(f"size: library {_mb(size)}, of which index {_mb(build['index_bytes'])}")

    proc = subprocess.run(
        [sys.executable, __file__, "--_worker", str(db), "--repeats", str(args.repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    worker = json.loads(proc.stdout)
    for cls, (p50, p95) in worker["latency"].items():
        print(f"search {cls:9}: p50 {p50 * 1000:8.2f} ms   p95 {p95 * 1000:8.2f} ms")
    print(
        f"search with tag+date filter {worker['filtered'] * 1000:.2f} ms; "
        f"filters only {worker['list_only'] * 1000:.2f} ms"
    )
    print(
        f"peak memory of the searching process: {worker['maxrss_mb']:.0f} MB (goal < 300; "
        f"{worker['maxrss_before_mb']:.0f} MB after imports)"
    )

    rec, missed, extra, counts = recall(str(db))
    print(f"recall vs substring scan: {rec:.4f} (missed {missed}, extra {extra})")
    if args.verbose:
        for q, (e, g) in counts.items():
            print(f"   {q!r}: scan {e}, search {g}")

    all_queries = [q for qs in QUERIES.values() for q in qs]
    fts_times = list(worker["per_query"].values())
    fts_p50 = statistics.median(fts_times)
    like_q = all_queries if n <= 10_000 else all_queries[::3]
    like = like_latency(str(db), like_q)
    print(f"LIKE '%…%' scan: median {like * 1000:,.1f} ms")

    rg = None
    if not args.no_rg:
        folder = work / f"bench-{n}-files"
        export_files(str(db), folder)
        plain = [q for q in all_queries if " " not in q]
        rg_times = rg_latency(folder, plain)
        if rg_times is None:
            print("ripgrep: rg not installed")
        else:
            rg = statistics.median(rg_times.values())
            fts_plain = statistics.median([worker["per_query"][q] for q in plain])
            print(
                f"ripgrep rg -l -F over {n:,} files: median {rg * 1000:,.1f} ms; "
                f"FTS median {fts_plain * 1000:.2f} ms -> FTS {rg / fts_plain:,.0f}x faster "
                f"(goal at 100k: >= 200x)"
            )
            print(f"  {'query':12} {'records':>8} {'FTS ms':>8} {'rg ms':>8} {'ratio':>7}")
            for q in sorted(plain, key=lambda q: counts[q][0]):
                f_ms, r_ms = worker["per_query"][q] * 1000, rg_times[q] * 1000
                print(f"  {q:12} {counts[q][0]:>8,} {f_ms:8.2f} {r_ms:8.1f} {r_ms / f_ms:6.0f}x")
            share = {q: counts[q][0] / n for q in plain}
            for label, low, high in (("< 1%", 0.0, 0.01), (">= 1%", 0.01, 2.0)):
                qs = [q for q in plain if low <= share[q] < high]
                if qs:
                    f = statistics.median([worker["per_query"][q] for q in qs])
                    r = statistics.median([rg_times[q] for q in qs])
                    print(
                        f"  queries matching {label} of the records: FTS p50 {f * 1000:.2f} ms,"
                        f" rg p50 {r * 1000:,.1f} ms -> {r / f:,.0f}x"
                    )
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.cli:
        cli_q = ["党建", "暖心驿站", "鹊桥计划"]
        cli = time_cli_search(str(db), cli_q)
        if cli is None:
            print("caselib search command: not available yet")
        else:
            for q, t in cli.items():
                print(f"`caselib --db X search {q}` wall time: {t * 1000:.0f} ms")
            if rg is not None:
                print(f"  vs rg median {rg * 1000:.0f} ms")
    if not args.keep:
        db.unlink(missing_ok=True)
    return {"n": n, "fts_p50": fts_p50, "rg": rg, "like": like, "recall": rec}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated record counts")
    parser.add_argument("--repeats", type=int, default=5, help="timings per query")
    parser.add_argument("--dir", type=Path, default=None, help="working folder (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries and files")
    parser.add_argument("--reuse", action="store_true", help="reuse libraries kept in --dir")
    parser.add_argument("--no-rg", action="store_true", help="skip the ripgrep comparison")
    parser.add_argument("--cli", action="store_true", help="also time `caselib search`")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-query recall counts")
    parser.add_argument("--_worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._worker:
        print(json.dumps(search_worker(args._worker, args.repeats)))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="caselib-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}; working in {work}")
    for n in (int(x) for x in args.sizes.split(",")):
        run_size(n, work, args)
    if not args.keep and args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
