"""Benchmark of the full-text search against ripgrep and LIKE, checked against an independent oracle.

    python bench/search.py                               # sizes 1000,10000 (a few minutes)
    python bench/search.py --sizes 100000 --dir /tmp/b --keep   # the 100k goal (build ~4 min)
    python bench/search.py --sizes 100000 --dir /tmp/b --reuse  # again, on the kept library
    python bench/search.py --sizes 2000 --fault summary  # the oracle must catch this fault

For each size N it generates N realistic records (about 1,600 Chinese characters each, built
from phrases such as 党建引领/共同缔造/迎新/暖心/志愿服务, with planted phrases of known
frequency), keeps them as JSON lines beside the library, builds the library (records inserted
with plain SQL, indexed with ``reindex_records`` in batches) and writes the records not in the
trash one file each, for ripgrep (``rg -l -F``).

The expected results (the *oracle*) come from the generated texts alone: a record matches a
query when it is not in the trash and each space-separated term is a plain substring of one of
its raw fields (title, summary, each body block, unit, each tag); nothing of caselib (its
normalising, segmenting or query parser) is used. ``--fault FIELD`` leaves one field out of the
index when building, to show that the oracle catches it (exit status 1 if it does not).

Per query it prints, each the median of several warmed runs:

* complete match set: caselib's ranked ids (``search_ids``), ripgrep's file list, ``LIKE`` over
  the same fields (unit and tags included), each checked equal to the oracle's set;
* top 20: ``search(limit=20)`` (snippets included) and ``LIKE … ORDER BY date LIMIT 20``,
  against ripgrep's complete run (it cannot rank);
* with ``--cli``, the whole ``caselib --db … search 词`` command against ripgrep;
* ``list``: whether the top 20 came from an impact list (``caselib.store.impact``) or FTS5
  scored every match; each class's line counts both.

Two-term queries are an AND: ripgrep runs once per term and the file sets are intersected (its
time is the sum). caselib is timed in a fresh process, which also reports its peak memory. The
figures are printed, not asserted; a mismatch is printed as ``MISMATCH`` and makes the exit
status 1.
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
# The generated records, kept as JSON lines beside the library


def generate(n: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """The ``n`` records of the benchmark, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(n):
        yield make_record(rng)


def corpus_path(db: Path) -> Path:
    return db.with_suffix(".jsonl")


def _corpus_line(rid: int, r: dict[str, Any]) -> str:
    raw = {
        "id": rid,
        "deleted": r["deleted"],
        "fields": [
            r["title"],
            r["summary"],
            *(b["text"] for b in r["body"]),
            r["unit"],
            *r["tags"],
        ],
    }
    return json.dumps(raw, ensure_ascii=False) + "\n"


def write_corpus(db: Path, n: int, seed: int = 42) -> None:
    """Write the JSON lines of a library built before they were kept (same seed, same text)."""
    with corpus_path(db).open("w", encoding="utf-8") as out:
        for rid, r in enumerate(generate(n, seed), start=1):
            out.write(_corpus_line(rid, r))


def load_corpus(db: Path) -> dict[int, str]:
    """Id -> the raw fields joined by newlines, of every record not in the trash."""
    texts = {}
    with corpus_path(db).open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if not r["deleted"]:
                texts[r["id"]] = "\n".join(r["fields"])
    return texts


def oracle(corpus: dict[int, str], terms: list[str]) -> set[int]:
    """The records where every term is a plain substring of one raw field. A term holds no
    newline, so a substring of the joined fields is a substring of one field."""
    assert terms and not any("\n" in t for t in terms)
    return {rid for rid, text in corpus.items() if all(t in text for t in terms)}


# --------------------------------------------------------------------------------------------
# Building a library


def build_library(
    path: Path, n: int, seed: int = 42, batch: int = 500, fault: str | None = None
) -> dict[str, float]:
    """Create a library of ``n`` generated records at ``path`` (and their JSON lines beside
    it); returns timings. ``fault``: a field (``title tags unit summary body``) left out of
    the index, to check that the oracle notices."""
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import caselib.store.tables  # noqa: F401  (registers the tables)
    from caselib.store import impact, sqlite_backend
    from caselib.store import meta as library_meta

    if path.exists():
        path.unlink()
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()

    if fault is not None:
        column = sqlite_backend.FTS_COLUMNS.index(fault)
        segments = sqlite_backend.raw_segments

        def faulty(*args: Any) -> tuple[list[str], ...]:
            cols = list(segments(*args))
            cols[column] = []
            return tuple(cols)

        sqlite_backend.raw_segments = faulty  # type: ignore[assignment]

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

    records = generate(n, seed)
    now = dt.datetime(2024, 6, 1).isoformat(sep=" ")
    t_gen = t_insert = t_index = 0.0
    next_id = 1
    t0 = time.perf_counter()
    with corpus_path(path).open("w", encoding="utf-8") as corpus:
        for start in range(0, n, batch):
            a = time.perf_counter()
            recs = [next(records) for _ in range(min(batch, n - start))]
            ids = list(range(next_id, next_id + len(recs)))
            next_id += len(recs)
            corpus.writelines(_corpus_line(rid, r) for rid, r in zip(ids, recs, strict=True))
            b = time.perf_counter()
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
    a = time.perf_counter()
    with conn:
        impact.create_tables(conn)
        n_lists = impact.build(conn)
    t_lists = time.perf_counter() - a
    index_bytes = sqlite_backend.index_size_bytes(conn)
    conn.execute("VACUUM")
    conn.close()
    return {
        "generate_s": t_gen,
        "insert_s": t_insert,
        "index_s": t_index,
        "optimize_s": t_opt,
        "lists_s": t_lists,
        "lists": n_lists,
        "build_rate": n / (total + t_opt),
        "index_rate": n / (t_index + t_opt),
        "index_bytes": float(index_bytes),
    }


def export_files(db: str, out: Path) -> None:
    """One text file per record not in the trash (what a folder of documents searched with
    rg would be): its raw fields, one a line, from the kept JSON lines."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for rid, text in load_corpus(Path(db)).items():
        (out / f"{rid:06d}.txt").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Measuring


def _cpu() -> float:
    """CPU time of this process and of its finished children (ripgrep, caselib), user + sys."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn: Any, repeats: int) -> tuple[float, float, Any]:
    """Median wall time and median CPU time of ``fn()`` over ``repeats`` runs after one
    warming run, and its result. CPU time is what to compare when the machine is loaded."""
    result = fn()
    walls, cpus = [], []
    for _ in range(repeats):
        a, c = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - a)
        cpus.append(_cpu() - c)
    return statistics.median(walls), statistics.median(cpus), result


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


def search_worker(db: str, queries: list[str], repeats: int) -> dict[str, Any]:
    """Run in a fresh process: per query the time to the complete ranked match set and to the
    top 20, the ids, and the peak memory."""
    from caselib import search as s
    from caselib.store import impact
    from caselib.store.sqlite_backend import configure_connection

    conn = sqlite3.connect(db)
    configure_connection(conn)
    out: dict[str, Any] = {"queries": {}}
    rss_before = peak_memory_mb()
    for q in queries:
        full_s, full_cpu, ids = _timed(lambda q=q: s.search_ids(conn, q), repeats)
        parsed = s.parse_query(q)
        single = len(parsed.groups) == 1 and len(parsed.groups[0]) == 1
        # answered from an impact list (else FTS5 scores every match)
        listed = single and impact.top(conn, parsed.groups[0][0].text, 20) is not None
        top_s, top_cpu, hits = _timed(lambda q=q: s.search(conn, q, limit=20), repeats)
        out["queries"][q] = {
            "full_s": full_s,
            "full_cpu": full_cpu,
            "top_s": top_s,
            "top_cpu": top_cpu,
            "ids": ids,
            "top": [h.id for h in hits],
            "listed": listed,
        }
    f = s.SearchFilters(tags=["共同缔造"], since=dt.date(2020, 1, 1))
    out["filtered"] = _timed(lambda: s.search(conn, "暖心", f, limit=20), repeats)[0]
    out["list_only"] = _timed(
        lambda: s.search(conn, "", s.SearchFilters(kind="story"), limit=20), repeats
    )[0]
    out["maxrss_mb"] = peak_memory_mb()
    out["maxrss_before_mb"] = rss_before
    conn.close()
    return out


_LIKE_TERM = (
    "(r.title LIKE ?1 ESCAPE '\\' OR r.summary LIKE ?1 ESCAPE '\\' OR r.body LIKE ?1 ESCAPE '\\' "
    "OR u.name LIKE ?1 ESCAPE '\\' OR EXISTS (SELECT 1 FROM record_tag rt JOIN tag t "
    "ON t.id = rt.tag_id WHERE rt.record_id = r.id AND t.name LIKE ?1 ESCAPE '\\'))"
)


def like_sql(n_terms: int, top: bool) -> str:
    """``LIKE '%term%'`` over title, summary, body (its JSON), unit and tags; every term."""
    conds = [_LIKE_TERM.replace("?1", f"?{k + 1}") for k in range(n_terms)]
    sql = (
        "SELECT r.id FROM record r JOIN unit u ON u.id = r.unit_id "
        f"WHERE r.deleted_at IS NULL AND {' AND '.join(conds)}"
    )
    return sql + (" ORDER BY r.date DESC, r.id DESC LIMIT 20" if top else "")


def like_times(db: str, terms: list[str], repeats: int) -> tuple[float, float, set[int]]:
    """(median time to the complete set, median time to the newest 20, the set) with LIKE."""
    conn = sqlite3.connect(db)
    pats = [
        "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms
    ]
    full, _, rows = _timed(
        lambda: conn.execute(like_sql(len(terms), False), pats).fetchall(), repeats
    )
    top, _, _ = _timed(lambda: conn.execute(like_sql(len(terms), True), pats).fetchall(), repeats)
    conn.close()
    return full, top, {int(r[0]) for r in rows}


def rg_files(folder: Path, terms: list[str]) -> set[int]:
    """The records whose file holds every term, by ``rg -l -F`` once per term."""
    rg = shutil.which("rg")
    assert rg is not None
    found: set[int] | None = None
    for term in terms:
        proc = subprocess.run(
            [rg, "-l", "-F", "--", term, str(folder)], capture_output=True, text=True, check=False
        )
        ids = {int(Path(line).stem) for line in proc.stdout.splitlines()}
        found = ids if found is None else found & ids
    return found or set()


def rg_latency(folder: Path, queries: list[str], repeats: int = 3) -> dict[str, float] | None:
    """Warmed median wall time of ripgrep per query (None without ripgrep)."""
    if shutil.which("rg") is None:
        return None
    return {q: _timed(lambda q=q: rg_files(folder, q.split()), repeats)[0] for q in queries}


def time_cli_search(
    db: str, queries: list[str], repeats: int = 3
) -> dict[str, tuple[float, float]] | None:
    """Warmed median (wall, CPU) time of the whole command ``caselib --db DB search 词`` per query,
    interpreter start-up and imports included (the ``caselib`` beside this Python first)."""
    exe = str(Path(sys.executable).with_name("caselib"))
    if not Path(exe).exists():
        exe = shutil.which("caselib") or ""
    if not exe:
        return None
    result = {}
    for q in queries:

        def run(q: str = q) -> None:
            proc = subprocess.run(
                [exe, "--db", db, "search", *q.split()], capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                raise RuntimeError(f"caselib search {q!r} failed: {proc.stderr.strip()[:200]}")

        result[q] = _timed(run, repeats)[:2]
    return result


# --------------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def bench_queries() -> list[tuple[str, str, list[str]]]:
    """(class, the query as typed to caselib, its terms as raw text for the oracle and rg)."""
    from caselib.search import quote_term  # only to type the planted phrases as phrases

    out = [(cls, q, q.split()) for cls, qs in QUERIES.items() for q in qs]
    return out + [("phrase", quote_term(p), [p]) for p in PLANTED]


def _check_corpus(db: Path, corpus: dict[int, str], n: int) -> None:
    """The kept JSON lines describe this library (same count, same titles)."""
    conn = sqlite3.connect(db)
    count = conn.execute("SELECT COUNT(*) FROM record").fetchone()[0]
    rows = conn.execute(
        "SELECT id, title FROM record WHERE deleted_at IS NULL AND id % 997 = 1"
    ).fetchall()
    conn.close()
    bad = [rid for rid, title in rows if corpus.get(rid, "").split("\n")[0] != title]
    if count != n or bad:
        sys.exit(f"{db} does not hold the records of {corpus_path(db)}: rebuild without --reuse")


def _diff(got: set[int], want: set[int]) -> str:
    return "=" if got == want else f"MISMATCH(-{len(want - got)} +{len(got - want)})"


def run_fault(n: int, work: Path, field: str) -> bool:
    """Build with ``field`` left out of the index; True when the oracle sees the difference."""
    from caselib import search as s

    db = work / f"bench-{n}-without-{field}.db"
    build_library(db, n, fault=field)
    corpus = load_corpus(db)
    conn = sqlite3.connect(db)
    differ = missed = 0
    for _cls, q, terms in bench_queries():
        got, want = set(s.search_ids(conn, q)), oracle(corpus, terms)
        differ += got != want
        missed += len(want - got)
    conn.close()
    print(f"index built without {field}: {differ} queries differ from the oracle, {missed} missed")
    return differ > 0


def run_size(n: int, work: Path, args: argparse.Namespace) -> bool:
    """Print the figures for one size; False when a result set differed from the oracle."""
    db = work / f"bench-{n}.db"
    print(f"\n=== N = {n:,} records ===", flush=True)
    if args.reuse and db.exists():
        if not corpus_path(db).exists():
            write_corpus(db, n)
        print(f"reusing {db}: library {_mb(db.stat().st_size)} (no build figures)")
    else:
        build = build_library(db, n)
        print(
            f"build: {build['build_rate']:,.0f} records/s overall, indexing alone (with commits) "
            f"{build['index_rate']:,.0f} records/s; generate {build['generate_s']:.1f}s, "
            f"insert {build['insert_s']:.1f}s, index {build['index_s']:.1f}s, "
            f"optimize {build['optimize_s']:.1f}s; impact lists for {build['lists']:,} terms "
            f"{build['lists_s']:.1f}s"
        )
        print(f"size: library {_mb(db.stat().st_size)}, of which index {_mb(build['index_bytes'])}")
    corpus = load_corpus(db)
    _check_corpus(db, corpus, n)
    queries = bench_queries()
    t = time.perf_counter()
    expected = {q: oracle(corpus, terms) for _cls, q, terms in queries}
    print(f"oracle (plain substring tests on the raw fields): {time.perf_counter() - t:.1f} s")

    proc = subprocess.run(
        [sys.executable, __file__, "--_worker", str(db), "--repeats", str(args.repeats)],
        input=json.dumps([q for _c, q, _t in queries]),
        capture_output=True,
        text=True,
        check=True,
    )
    worker = json.loads(proc.stdout)
    fts = worker["queries"]

    folder = work / f"bench-{n}-files"
    rg: dict[str, tuple[float, float, set[int]]] = {}
    if not args.no_rg and shutil.which("rg"):
        if not (args.reuse and folder.exists() and len(os.listdir(folder)) == len(corpus)):
            export_files(str(db), folder)
        for _cls, q, terms in queries:
            rg[q] = _timed(lambda terms=terms: rg_files(folder, terms), args.rg_repeats)
    like_every = 1 if n <= 10_000 else args.like_every
    like = {
        q: like_times(str(db), terms, args.rg_repeats) for _cls, q, terms in queries[::like_every]
    }

    ok = True
    print(
        "warmed medians in ms. set: the complete match set (caselib's ranked ids, rg -l files, "
        "LIKE rows), checked against the oracle; top: the best 20 (caselib with snippets; LIKE "
        "the newest 20); x: rg / caselib, by wall time and by CPU time (user+sys, rg's threads "
        "added up)"
    )
    print(
        f"  {'query':14} {'class':8} {'records':>7} | {'set':>7} {'rg':>6} {'x':>5} {'LIKE':>6} "
        f"{'check':>6} | {'top':>6} {'x':>5} {'cpu':>6} {'rg cpu':>6} {'x':>5} {'LIKE':>6} list"
    )
    nan = float("nan")
    for cls, q, _terms in sorted(queries, key=lambda x: len(expected[x[1]])):
        want = expected[q]
        f = fts[q]
        ids = f["ids"]
        check = _diff(set(ids), want)
        if f["top"] != ids[:20]:
            check = "TOP≠SET"
        r_s, r_cpu, r_ids = rg.get(q, (nan, nan, want))
        if r_ids != want:
            check += " rg" + _diff(r_ids, want)
        l_full, l_top, l_ids = like.get(q, (nan, nan, want))
        if l_ids != want:
            check += " LIKE" + _diff(l_ids, want)
        ok = ok and check == "="
        print(
            f"  {q:14} {cls:8} {len(want):7,} | {f['full_s'] * 1e3:7.1f} {r_s * 1e3:6.0f} "
            f"{r_s / f['full_s']:5.0f} {l_full * 1e3:6.0f} {check:>6} | {f['top_s'] * 1e3:6.2f} "
            f"{r_s / f['top_s']:5.0f} {f['top_cpu'] * 1e3:6.2f} {r_cpu * 1e3:6.0f} "
            f"{r_cpu / max(f['top_cpu'], 1e-6):5.0f} {l_top * 1e3:6.0f} "
            f"{'yes' if f['listed'] else 'no'}"
        )
    if rg:
        print("p50 over the queries of each class (caselib, rg, rg / caselib):")
        groups = {cls: [q for c, q, _t in queries if c == cls] for cls, _q, _t in queries}
        share = {q: len(expected[q]) / max(1, len(corpus)) for _c, q, _t in queries}
        groups["< 1% of records"] = [q for q in share if share[q] < 0.01]
        groups[">= 1% of records"] = [q for q in share if share[q] >= 0.01]
        for label, qs in groups.items():
            r = statistics.median(rg[q][0] for q in qs)
            r_cpu = statistics.median(rg[q][1] for q in qs)
            full = statistics.median(fts[q]["full_s"] for q in qs)
            top = statistics.median(fts[q]["top_s"] for q in qs)
            top_cpu = statistics.median(fts[q]["top_cpu"] for q in qs)
            worst = min(rg[q][0] / fts[q]["top_s"] for q in qs)
            listed = sum(fts[q]["listed"] for q in qs)
            print(
                f"  {label:17} set {full * 1e3:7.1f} ms ({r / full:4.0f}x)  top 20 "
                f"{top * 1e3:6.2f} ms ({r / top:4.0f}x, worst query {worst:4.0f}x), CPU "
                f"{top_cpu * 1e3:6.2f} ms ({r_cpu / max(top_cpu, 1e-6):4.0f}x)  rg {r * 1e3:5.0f} ms; "
                f"{listed} of {len(qs)} from impact lists, {len(qs) - listed} by FTS5"
            )
    print(
        f"search with tag+date filter {worker['filtered'] * 1e3:.2f} ms; "
        f"filters only {worker['list_only'] * 1e3:.2f} ms; peak memory of the searching "
        f"process {worker['maxrss_mb']:.0f} MB ({worker['maxrss_before_mb']:.0f} MB after imports)"
    )
    if args.cli:
        cli_q = ["党", "党建", "志愿服务", "暖心驿站", "鹊桥计划", "党建 迎新"]
        cli = time_cli_search(str(db), cli_q, args.rg_repeats)
        if cli is None:
            print("caselib search command: not installed")
        else:
            for q, (t, t_cpu) in cli.items():
                r, r_cpu, _ = rg.get(q, (nan, nan, set()))
                print(
                    f"  `caselib --db X search {q}`: {t * 1e3:.0f} ms, CPU {t_cpu * 1e3:.0f} ms; "
                    f"rg {r * 1e3:.0f} ms, CPU {r_cpu * 1e3:.0f} ms -> {r / t:.1f}x wall, "
                    f"{r_cpu / t_cpu:.1f}x CPU"
                )
    if not args.keep:
        db.unlink(missing_ok=True)
        corpus_path(db).unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated record counts")
    parser.add_argument("--repeats", type=int, default=5, help="caselib timings per query")
    parser.add_argument("--rg-repeats", type=int, default=3, help="rg, LIKE, CLI timings")
    parser.add_argument("--like-every", type=int, default=3, help="LIKE on every k-th query >10k")
    parser.add_argument("--dir", type=Path, default=None, help="working folder (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries and files")
    parser.add_argument("--reuse", action="store_true", help="reuse libraries kept in --dir")
    parser.add_argument("--no-rg", action="store_true", help="skip the ripgrep comparison")
    parser.add_argument("--cli", action="store_true", help="also time `caselib search`")
    parser.add_argument("--fault", choices=["title", "tags", "unit", "summary", "body"])
    parser.add_argument("--_worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._worker:
        queries = json.loads(sys.stdin.read())
        print(json.dumps(search_worker(args._worker, queries, args.repeats)))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="caselib-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}; working in {work}; load {os.getloadavg()[0]:.2f}")
    ok = True
    for n in (int(x) for x in args.sizes.split(",")):
        ok = (run_fault(n, work, args.fault) if args.fault else run_size(n, work, args)) and ok
    if not args.keep and args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
