"""Property tests: search returns exactly the records a plain substring scan finds.

The scanned text of a record is its title, summary, each body block, unit and each tag, each
``normalize()``-d; a phrase matches when ``normalize(phrase)`` is a substring of one of them.
Queries are random substrings (1–6 characters) of the stored texts, optionally rewritten into
an NFKC-equivalent variant (full-width letters and digits, curly quotes, upper case), plus
random text that may occur nowhere.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

import caselib.store.tables  # noqa: F401  (registers the tables)
from caselib.search import parse_query, quote_term, search
from caselib.store.sqlite_backend import (
    _code_normalized,
    _code_raw,
    configure_connection,
    create_index,
    reindex_records,
)
from caselib.text.normalize import normalize

PHRASES = (
    "党建引领 共同缔造 迎新 暖心 志愿服务 决策共谋 发展共建 为民办实事 少跑腿 一网通办 "
    "红色教育基地 老党员 新生报到 绿色通道 三会一课 主题党日 结对帮扶 乡村振兴 第一书记 "
    "暖心驿站 最后一公里 立德树人 课程思政 辅导员 谈心谈话"
).split()
FILLERS = (
    list("的了在和与对把将从为以并就都也还")
    + (
        "通过 进一步 全面 推动 围绕 坚持 深入开展 积极 不断 工作 机制 群众 师生 党员 学院 "
        "支部 活动 落实 加强 提升 服务 特色 品牌 经验 做法 成效"
    ).split()
)
ODDITIES = [
    "282项",
    "2022年",
    "１．６万人次",
    "“最多跑一次”",
    '"接诉即办"',
    "‘小切口’",
    "Python",
    "ＡＩ赋能",
    "8:00",
    "……",
    "（一）",
    "A/B",
    "100%",
    "QQ群",
    "②",
    "℃",
    " ",
    "　",
]
UNITS = ["机关党委", "计算机学院党委", "外国语学院党委", "后勤集团党委", "图书馆党总支"]
TAGS = ["共同缔造", "决策共谋", "迎新", "暖心服务", "志愿服务", "AI赋能"]


def sentence(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 9)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(PHRASES))
        elif r < 0.85:
            parts.append(rng.choice(FILLERS))
        else:
            parts.append(rng.choice(ODDITIES))
        if rng.random() < 0.2:
            parts.append(rng.choice("，，、；：！"))
    return "".join(parts) + "。"


@cache
def library() -> tuple[sqlite3.Connection, dict[int, list[str]]]:
    """A library of 40 generated records, and the normalised segments of the live ones."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    configure_connection(conn)
    create_index(conn)
    rng = random.Random(20221020)
    unit_ids = {u: conn.execute("INSERT INTO unit(name) VALUES (?)", (u,)).lastrowid for u in UNITS}
    tag_ids = {t: conn.execute("INSERT INTO tag(name) VALUES (?)", (t,)).lastrowid for t in TAGS}
    segments: dict[int, list[str]] = {}
    for i in range(40):
        title = sentence(rng)[:20]
        summary = sentence(rng) if rng.random() < 0.5 else None
        blocks = [sentence(rng) + sentence(rng) for _ in range(rng.randint(1, 4))]
        unit = rng.choice(UNITS)
        tags = rng.sample(TAGS, rng.randint(0, 2))
        body = json.dumps([{"type": "paragraph", "text": b} for b in blocks], ensure_ascii=False)
        deleted = i % 13 == 5
        rid = conn.execute(
            "INSERT INTO record(kind, title, unit_id, summary, body, date, status, created_at, "
            "updated_at, deleted_at) VALUES ('case', ?, ?, ?, ?, ?, 'submitted', '2024-01-01', "
            "'2024-01-01', ?)",
            (
                title,
                unit_ids[unit],
                summary,
                body,
                f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "2024-01-02" if deleted else None,
            ),
        ).lastrowid
        assert rid is not None
        for k, t in enumerate(tags):
            conn.execute(
                "INSERT INTO record_tag(record_id, tag_id, position) VALUES (?, ?, ?)",
                (rid, tag_ids[t], k),
            )
        if not deleted:
            raw = [title, summary or "", *blocks, unit, *tags]
            segments[rid] = [normalize(s) for s in raw if s]
    reindex_records(conn, list(range(1, 41)))
    conn.commit()
    return conn, segments


def raw_texts() -> list[str]:
    conn, _ = library()
    out = []
    for title, summary, body in conn.execute(
        "SELECT title, summary, body FROM record WHERE deleted_at IS NULL"
    ):
        out += [title, summary or "", *(b["text"] for b in json.loads(body))]
    out += UNITS + TAGS
    return [t for t in out if t]


def scan(phrase: str) -> set[int]:
    _, segments = library()
    wanted = normalize(phrase)
    return {rid for rid, segs in segments.items() if any(wanted in s for s in segs)}


def found(query: str) -> set[int]:
    conn, _ = library()
    return {h.id for h in search(conn, query, limit=None)}


_WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_CURLY = {'"': "“", "'": "‘"}


def variants(text: str, rng: random.Random) -> Iterator[str]:
    """``text`` and NFKC-equivalent spellings of it."""
    yield text
    yield "".join(_WIDE.get(ch, ch) if rng.random() < 0.5 else ch for ch in text)
    yield "".join(_CURLY.get(ch, ch) for ch in text)
    yield text.upper()
    yield normalize(text)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.data())
def test_substring_queries_find_exactly_what_a_scan_finds(data: st.DataObject) -> None:
    texts = raw_texts()
    text = data.draw(st.sampled_from(texts))
    length = data.draw(st.integers(1, min(6, len(text))))
    start = data.draw(st.integers(0, len(text) - length))
    sub = text[start : start + length]
    seed = data.draw(st.integers(0, 2**16))
    for variant in variants(sub, random.Random(seed)):
        if not normalize(variant).strip() and variant != sub:
            continue
        query = quote_term(variant)
        assert found(query) == scan(variant), (sub, variant)
    assert found(quote_term(sub)), "a substring of a stored text is found"


@SETTINGS
@given(st.text(alphabet="党建引领共同缔造迎新暖心，。“”\"' 2８aＡ-OR()*:^", min_size=1, max_size=5))
def test_random_phrases(phrase: str) -> None:
    assert found(quote_term(phrase)) == scan(phrase)


@SETTINGS
@given(st.data())
def test_and_or_and_exclusion_agree_with_a_scan(data: st.DataObject) -> None:
    words = PHRASES + ODDITIES + ["党", "暖", "项", "年"]
    a, b, c = (data.draw(st.sampled_from(words)) for _ in range(3))
    qa, qb, qc = quote_term(a), quote_term(b), quote_term(c)
    everything = set(library()[1])
    assert found(f"{qa} {qb}") == scan(a) & scan(b)
    assert found(f"{qa} OR {qb}") == scan(a) | scan(b)
    assert found(f"{qa} -{qb}") == scan(a) - scan(b)
    assert found(f"-{qa}") == everything - scan(a)
    assert found(f"{qa} OR {qb} -{qc}") == (scan(a) | scan(b)) - scan(c)


@SETTINGS
@given(st.text(min_size=0, max_size=12))
def test_any_input_gives_results_or_a_clean_error(text: str) -> None:
    from caselib.errors import InvalidInputError

    try:
        parsed = parse_query(text)
    except InvalidInputError as exc:
        assert "\n" not in str(exc)
        return
    hits = found(text)
    expected = set(library()[1])
    for group in parsed.groups:
        expected &= set().union(*(scan(t.text) for t in group))
    for term in parsed.excluded:
        expected -= scan(term.text)
    assert hits == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"]),
        min_size=1,
        max_size=20,
    )
)
def test_fast_coding_agrees_with_the_definition(text: str) -> None:
    assert _code_raw(text) == _code_normalized(normalize(text))


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12),
    st.data(),
)
def test_any_text_is_found_by_any_of_its_substrings(text: str, data: st.DataObject) -> None:
    """Arbitrary Unicode (combining marks, private use, controls…) in a one-record library."""
    conn = sqlite3.connect(":memory:")
    try:
        engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
        SQLModel.metadata.create_all(engine)
        create_index(conn)
        conn.execute("INSERT INTO unit(name) VALUES ('单位')")
        body = json.dumps([{"type": "paragraph", "text": text}])
        conn.execute(
            "INSERT INTO record(kind, title, unit_id, body, status, created_at, updated_at) "
            "VALUES ('case', '标题', 1, ?, 'submitted', '2024-01-01', '2024-01-01')",
            (body,),
        )
        reindex_records(conn, [1])
        length = data.draw(st.integers(1, len(text)))
        start = data.draw(st.integers(0, len(text) - length))
        sub = text[start : start + length]
        expected = (
            {1} if any(normalize(sub) in s for s in (normalize(text), "标题", "单位")) else set()
        )
        got = {h.id for h in search(conn, quote_term(sub), limit=None)}
        assert got == expected, (text, sub)
        other = data.draw(st.text(min_size=1, max_size=4))
        in_text = any(normalize(other) in s for s in (normalize(text), "标题", "单位"))
        got = {h.id for h in search(conn, quote_term(other), limit=None)}
        assert got == ({1} if in_text else set()), (text, other)
    finally:
        conn.close()
