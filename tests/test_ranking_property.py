"""Properties of the ranking core, checked by hypothesis over generated pools of records.

- contributions sum to the score, and the order is score desc, date desc, id asc;
- per-unit, per-tag and top quotas always hold, and every skip is justified;
- raising one criterion never lowers the record's rank (nor its score, even with duplicates);
- a harsh or lenient reviewer (all his scores shifted or scaled) changes nothing;
- the ranking is the same on every run and for every input order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from caselib.choose.scoring import RankedRecord, RankInput, ReviewInput, rank_records, score_records
from caselib.store.config import default_config
from caselib.text.blocks import Block
from caselib.text.evidence import text_evidence

CONFIG = default_config()
CRITERIA = CONFIG.rubric.names
REF = dt.date(2022, 10, 31)

UNITS = [
    "机关党委",
    "文学院党委",
    "计算机与信息工程学院党委",
    "生命科学学院党委",
    "历史文化学院党委",
]
TAGS = ["决策共谋", "发展共建", "建设共管", "效果共评", "成果共享", "党建服务力", "就业"]
REVIEWERS = ["张明", "李华", "王芳", "赵磊"]
HEADINGS = [
    "身入心至下基层，提升党建引领力",
    "把脉问诊促发展，提升党建服务力",
    "一、问需于师生，共谋改什么",
    "（一）走出去摸清堵点",
]
FRAGMENTS = [
    "机关党委组织各党支部深入基层，其中问题清单 282 项、任务清单 217 项、效果清单 280 项。",
    "8月26日，60余名机关党员干部集中开展校园义务劳动，令校园环境焕然一新。",
    "8月27日和9月3日，机关党员干部两次下沉到阳逻校区学生回迁和迎新工作现场。",
    "5个基层党组织入选全省高校基层党建示范培育创建单位。",
    "学院与共建企业联合举办专场招聘会，38家企业进校设岗，提供岗位410个。",
    "师生对机关办事效率的满意率达到94.6%，较行动开始前提高了17个百分点。",
    "坚持以决策共谋、发展共建为抓手，推动建设共管、效果共评、成果共享。",
    "机关党委改“加法”为“乘法”，将“你”“我”凝聚成“我们”。",
    "2022年10月20日，学校召开实践活动推进会，发放慰问金1.2万元。",
]


def decode_scores(code: int, low: int = 1, high: int = 5) -> dict[str, float]:
    """Five scores from one integer: one draw per review keeps generation fast, and shrinking
    a code towards 0 makes the scores equal (ties are the interesting cases)."""
    base = high - low + 1
    out: dict[str, float] = {}
    for c in CRITERIA:
        code, digit = divmod(code, base)
        out[c] = float(low + digit)
    return out


def review_scores(low: int = 1, high: int = 5) -> st.SearchStrategy[dict[str, float]]:
    base = high - low + 1
    return st.integers(0, base ** len(CRITERIA) - 1).map(lambda c: decode_scores(c, low, high))


@st.composite
def pools(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 10, duplicates: bool = True
) -> list[RankInput]:
    """Pools of records. Ids, units and review scores are drawn by hypothesis (they decide
    quotas, ties and order, and shrink well); text, tags, dates and who reviewed what come from
    a Random seeded by one draw, which keeps generation fast (a hypothesis draw is costly)."""
    n = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    records: list[RankInput] = []
    for rid in ids:
        blocks = [
            Block.heading(rnd.choice(HEADINGS))
            if rnd.random() < 0.3
            else Block.paragraph(rnd.choice(FRAGMENTS))
            for _ in range(rnd.randint(0, 6))
        ]
        reviewers = rnd.sample(REVIEWERS, rnd.randint(0, 3))
        date = (
            None if rnd.random() < 0.15 else dt.date(2021, 1, 1) + dt.timedelta(rnd.randint(0, 729))
        )
        records.append(
            RankInput(
                id=rid,
                title=f"记录{rid}",
                unit=draw(st.sampled_from(UNITS)),
                date=date,
                kind=rnd.choice(["case", "story"]),
                tags=tuple(rnd.sample(TAGS, rnd.randint(0, 3))),
                blocks=tuple(blocks),
                reviews=tuple(ReviewInput(r, draw(review_scores())) for r in reviewers),
                reported_before=rnd.random() < 0.2,
            )
        )
    if duplicates and n >= 2:
        links: dict[int, list[tuple[int, float]]] = {}
        for _ in range(rnd.randint(0, 3)):
            a, b = rnd.sample(ids, 2)
            sim = round(rnd.uniform(0.8, 1.0), 3)
            links.setdefault(a, []).append((b, sim))
            links.setdefault(b, []).append((a, sim))
        records = [replace(r, duplicates=tuple(links.get(r.id, ()))) for r in records]
    return records


quota = st.one_of(st.none(), st.integers(1, 4))


def order_key(r: RankedRecord) -> tuple[float, int, int]:
    return (-r.score, -(r.date.toordinal() if r.date else 0), r.id)


@settings(max_examples=100, deadline=None)
@given(pools())
def test_contributions_sum_to_the_score_and_order_is_total(inputs: list[RankInput]) -> None:
    ranked = score_records(inputs, CONFIG, REF)
    assert sorted(r.id for r in ranked) == sorted(r.id for r in inputs)
    assert [r.rank for r in ranked] == list(range(1, len(inputs) + 1))
    for r in ranked:
        assert abs(math.fsum(t.contribution for t in r.terms) - r.score) <= 1e-6
        assert all(0.0 <= t.value <= 1.0 for t in r.terms)
        assert r.unreviewed == (not any(i.reviews for i in inputs if i.id == r.id))
    assert [order_key(r) for r in ranked] == sorted(order_key(r) for r in ranked)


@settings(max_examples=200, deadline=None)
@given(pools(), quota, quota, quota)
def test_quotas_always_hold_and_every_skip_is_justified(
    inputs: list[RankInput], top: int | None, per_unit: int | None, per_tag: int | None
) -> None:
    ranking = rank_records(inputs, CONFIG, REF, top=top, per_unit=per_unit, per_tag=per_tag)
    chosen = ranking.selected
    if top is not None:
        assert len(chosen) <= top
    if per_unit is not None:
        assert max(Counter(r.unit for r in chosen).values(), default=0) <= per_unit
    if per_tag is not None:
        assert max(Counter(t for r in chosen for t in r.tags).values(), default=0) <= per_tag
    # Greedy: a record is skipped only if taking it would break a quota at its turn.
    taken: list[RankedRecord] = []
    for r in ranking:
        units = Counter(x.unit for x in taken)
        tags = Counter(t for x in taken for t in x.tags)
        blocked = (
            (top is not None and len(taken) >= top)
            or (per_unit is not None and units[r.unit] >= per_unit)
            or (per_tag is not None and any(tags[t] >= per_tag for t in r.tags))
        )
        assert r.selected == (not blocked)
        assert r.reason.startswith("入选" if r.selected else "跳过：")
        if r.selected:
            taken.append(r)
    if top is not None and top > len(inputs):
        assert ranking.warnings and ranking.warnings[0].startswith("候选记录只有")


@st.composite
def raise_one_score(
    draw: st.DrawFn, duplicates: bool
) -> tuple[list[RankInput], list[RankInput], int]:
    """A pool, the same pool with one criterion of one review raised, and that record's id."""
    inputs = draw(pools(min_size=2, duplicates=duplicates))
    reviewed = [i for i, r in enumerate(inputs) if r.reviews]
    assume(reviewed)
    index = draw(st.sampled_from(reviewed))
    rec = inputs[index]
    which = draw(st.integers(0, len(rec.reviews) - 1))
    criterion = draw(st.sampled_from(CRITERIA))
    old = rec.reviews[which].scores[criterion]
    assume(old < 5)
    new = draw(st.sampled_from([v / 2 for v in range(int(old * 2) + 1, 11)]))
    review = rec.reviews[which]
    raised = ReviewInput(review.reviewer, {**review.scores, criterion: new})
    reviews = (*rec.reviews[:which], raised, *rec.reviews[which + 1 :])
    changed = list(inputs)
    changed[index] = replace(rec, reviews=reviews)
    return inputs, changed, rec.id


def _place(ranked: list[RankedRecord], rid: int) -> RankedRecord:
    return next(r for r in ranked if r.id == rid)


@settings(max_examples=300, deadline=None)
@given(raise_one_score(duplicates=False))
def test_raising_one_criterion_never_lowers_the_rank(
    case: tuple[list[RankInput], list[RankInput], int],
) -> None:
    before, after, rid = case
    old = _place(score_records(before, CONFIG, REF), rid)
    new = _place(score_records(after, CONFIG, REF), rid)
    assert new.rank <= old.rank
    assert new.score >= old.score - 1e-12


@settings(max_examples=150, deadline=None)
@given(raise_one_score(duplicates=True))
def test_raising_one_criterion_never_lowers_the_score_even_with_duplicates(
    case: tuple[list[RankInput], list[RankInput], int],
) -> None:
    before, after, rid = case
    old = _place(score_records(before, CONFIG, REF), rid)
    new = _place(score_records(after, CONFIG, REF), rid)
    assert new.score >= old.score - 1e-12
    assert new.term("duplicate").value <= old.term("duplicate").value


TRANSFORMS: dict[str, Callable[[float], float]] = {
    "harsher by 1": lambda x: x - 1,
    "harsher by 0.5": lambda x: x - 0.5,
    "compressed to 1–3": lambda x: 1 + (x - 1) / 2,
    "compressed to 2–3.5": lambda x: 2 + (x - 2) / 2,
}


@settings(max_examples=200, deadline=None)
@given(pools(), st.sampled_from(REVIEWERS), st.sampled_from(sorted(TRANSFORMS)), st.data())
def test_a_harsh_reviewer_does_not_change_the_order(
    inputs: list[RankInput], reviewer: str, name: str, data: st.DataObject
) -> None:
    """The same judgements written harsher (every score minus a constant) or narrower (every
    score scaled), all still on the 1–5 scale, give the same ranking and the same scores."""
    transform = TRANSFORMS[name]

    def fair(rec: RankInput) -> RankInput:
        # The reviewer's own (lenient) scores are 2–5 so that the harsh version stays in scale.
        reviews = tuple(
            ReviewInput(r.reviewer, data.draw(review_scores(2, 5))) if r.reviewer == reviewer else r
            for r in rec.reviews
        )
        return replace(rec, reviews=reviews)

    def harsh(rec: RankInput) -> RankInput:
        reviews = tuple(
            ReviewInput(r.reviewer, {k: transform(v) for k, v in r.scores.items()})
            if r.reviewer == reviewer
            else r
            for r in rec.reviews
        )
        return replace(rec, reviews=reviews)

    lenient = [fair(r) for r in inputs]
    strict = [harsh(r) for r in lenient]
    for rec in strict:
        for rv in rec.reviews:
            assert all(1 <= v <= 5 for v in rv.scores.values())
    a = score_records(lenient, CONFIG, REF)
    b = score_records(strict, CONFIG, REF)
    assert [r.id for r in a] == [r.id for r in b]
    for x, y in zip(a, b, strict=True):
        assert x.score == y.score
        assert x.term("reviews").value == y.term("reviews").value


@settings(max_examples=100, deadline=None)
@given(pools(), quota, quota, quota, st.randoms(use_true_random=False))
def test_ranking_is_deterministic(
    inputs: list[RankInput],
    top: int | None,
    per_unit: int | None,
    per_tag: int | None,
    rnd: random.Random,
) -> None:
    first = rank_records(inputs, CONFIG, REF, top=top, per_unit=per_unit, per_tag=per_tag)
    again = rank_records(inputs, CONFIG, REF, top=top, per_unit=per_unit, per_tag=per_tag)
    shuffled = [replace(r, reviews=tuple(rnd.sample(r.reviews, len(r.reviews)))) for r in inputs]
    rnd.shuffle(shuffled)
    other = rank_records(shuffled, CONFIG, REF, top=top, per_unit=per_unit, per_tag=per_tag)
    assert first.to_json() == again.to_json() == other.to_json()


@settings(max_examples=60, deadline=None)
@given(pools(duplicates=False), st.data())
def test_calibration_reviews_matter_only_through_the_reviewers(
    inputs: list[RankInput], data: st.DataObject
) -> None:
    """Splitting a pool into ranked records and calibration-only reviews leaves the ranked
    records' reviews values as they were in the whole pool."""
    assume(len(inputs) >= 2)
    keep = data.draw(st.integers(1, len(inputs) - 1))
    whole = {r.id: r for r in score_records(inputs, CONFIG, REF)}
    part, rest = inputs[:keep], inputs[keep:]
    calibration = [(r.id, rv) for r in rest for rv in r.reviews]
    for r in score_records(part, CONFIG, REF, calibration):
        assert r.term("reviews").value == whole[r.id].term("reviews").value


@settings(max_examples=60, deadline=None)
@given(pools())
def test_stored_text_evidence_ranks_exactly_like_the_text(inputs: list[RankInput]) -> None:
    """``evidence.text_evidence`` stored per record (so the body need not be loaded) gives
    the same ranking as scanning the text."""
    stored = [
        replace(r, blocks=(), evidence=text_evidence(r.blocks, CONFIG.theme.parts)) for r in inputs
    ]
    assert (
        rank_records(stored, CONFIG, REF).to_json() == rank_records(inputs, CONFIG, REF).to_json()
    )
