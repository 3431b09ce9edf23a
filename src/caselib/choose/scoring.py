"""Ranking records for 择优报送: an explained score, then a greedy selection under quotas.

The score of a record is a sum of terms, each shown as ``value × weight = contribution`` (the
way Taskwarrior explains urgency). Every term value lies in 0–1, so a weight is the number of
points a term can move; the weights live in ``[weights]`` of the library's TOML file.

| term        | value in 0–1                                                    | default weight |
|-------------|-----------------------------------------------------------------|---------------:|
| reviews     | mean over the record's reviewers of the review's percentile     | 10             |
|             | among that reviewer's current reviews (0 when unreviewed)        |                |
| figures     | distinct quantified results / saturation (per kind)             | 2              |
| dates       | distinct concrete dates / saturation (per kind)                 | 1              |
| structure   | section headings / saturation (per kind; 0 = not expected → 1)  | 1              |
| length      | 1 inside the guideline range, low→ len/min, high→ max/len        | 1              |
| theme       | parts of 共同缔造 covered by tags or text / number of parts        | 2              |
| freshness   | 0.5 ^ (age in days / half-life) at the reference date           | 2              |
| duplicate   | highest similarity to a near-duplicate ranked above it          | −5             |
| reported    | 1 if the record was already reported upward, else 0             | −3             |

Reviewer calibration. A harsh reviewer gives everything 2s, a lenient one 4s; some spread their
scores, some do not. Each review's weighted rubric mean is therefore replaced by its percentile
among the same reviewer's current reviews (mid-rank for ties: ``p = (below + below_or_equal) /
2n``, so the best of four reviews gets 7/8 and the worst 1/8), and a record's reviews value is
the mean of those percentiles over its reviewers; ``review_normalised`` maps it back to the
rubric scale (``min + p × (max − min)``). This is the rank-based form of the per-reviewer
z-score: like the z-score it removes a reviewer's level and spread (any shift or positive
scaling of all his scores leaves every percentile unchanged), and a reviewer with a single
review or identical scores everywhere falls back to the mid-point 0.5 — exactly what a
mean-shift gives him. Unlike the z-score it keeps the guarantee the selection needs: raising a
score never lowers the record's percentile nor raises anyone else's, so a better review can
never cost a record its place. With z-scores it can: raising a low score shrinks the reviewer's
standard deviation, which stretches the z-scores of his other records, and one he scored higher
but that ranked just below (because of other reviewers or other terms) overtakes the raised
record — the property test finds such cases within seconds when z-scores are swapped in. The
normalisation is overall (on the weighted mean), not per criterion: with a 1–5 scale and a
handful of reviews per reviewer, single criteria tie too often to rank. It runs over all the
reviewer's current reviews in the library, not only the records being ranked, so a filter never
changes a record's reviews value.

Penalties: ``duplicate`` looks at the order before that penalty (score of all other terms, then
the tie-break), so the best-placed copy of a resubmitted story keeps its place and the others
fall back. Pairs count only when both records are in the ranked pool. Because it depends on
that order, "raising a criterion never lowers the rank" is exact without duplicate pairs: a
better review for A lowers the percentiles of the reviewer's other records, and if one of them
falls below its near-duplicate C, C sheds its penalty and may pass A. With duplicates the
raised record's score and penalty still never get worse.

Ties are broken by date (newer first, undated last), then id (lower first), so a ranking is the
same on every run and for every input order.

The core (``score_records``, ``select_records``, ``rank_records``) is pure over plain dataclasses;
``ranking.rank`` loads its inputs from the database in six queries whatever the number of
records.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from caselib.errors import InvalidInputError
from caselib.store.config import Config
from caselib.text import evidence
from caselib.text.blocks import Block

TERM_NAMES = (
    "reviews",
    "figures",
    "dates",
    "structure",
    "length",
    "theme",
    "freshness",
    "duplicate",
    "reported",
)
TERM_LABELS = {
    "reviews": "评审",
    "figures": "量化成效",
    "dates": "具体日期",
    "structure": "结构",
    "length": "篇幅",
    "theme": "主题覆盖",
    "freshness": "时效",
    "duplicate": "重复",
    "reported": "已报送",
}

# Weighted means are rounded before ranking within a reviewer so that equal means computed from
# different scores (3 and 5 against 4 and 4) stay equal after floating-point arithmetic.
_MEAN_DIGITS = 9


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


class ReviewInput(NamedTuple):
    """A reviewer's current scores for one record (a tuple: 30,000 of them load fast)."""

    reviewer: str
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class RankInput:
    """Everything the score of one record depends on.

    ``tags`` are the record's own tags (quotas count them); ``theme_tags`` adds their ancestors
    (theme coverage counts a tag filed under 决策共谋 for 决策共谋). ``text`` defaults to the
    blocks joined by newlines and ``headings`` to ``evidence.count_headings(blocks)``: a loader
    may pass both instead of blocks. ``evidence``, when given, is the stored text evidence
    (``evidence.text_evidence``) and replaces the scan of the text altogether. ``duplicates``
    are (other record id, similarity 0–1) pairs.
    """

    id: int
    title: str
    unit: str
    date: dt.date | None
    kind: str = "case"
    tags: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    text: str | None = None
    reviews: tuple[ReviewInput, ...] = ()
    reported_before: bool = False
    duplicates: tuple[tuple[int, float], ...] = ()
    theme_tags: tuple[str, ...] = ()
    headings: int | None = None
    evidence: evidence.Evidence | None = None


class Term(NamedTuple):
    """One term of a score: ``value × weight = contribution``."""

    name: str
    value: float
    weight: float
    contribution: float

    @property
    def label(self) -> str:
        return TERM_LABELS.get(self.name, self.name)

    def explain(self) -> str:
        """``评审 0.75 × 10 = +7.50``"""
        return f"{self.label} {self.value:.2f} × {self.weight:g} = {self.contribution:+.2f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "weight": self.weight,
            "contribution": self.contribution,
        }


@dataclass(frozen=True, slots=True)
class RankedRecord:
    """A record's place in a ranking, its explained score and whether the selection took it.

    ``review_mean`` is the mean of the raw weighted review means (on the rubric scale);
    ``review_normalised`` the calibrated value mapped back to that scale.
    """

    id: int
    title: str
    unit: str
    kind: str
    date: dt.date | None
    tags: tuple[str, ...]
    score: float
    values: tuple[float, ...]  # term values, in TERM_NAMES order
    weights: tuple[float, ...]  # term weights, same order
    rank: int = 0
    selected: bool = False
    reason: str = ""
    unreviewed: bool = False
    review_count: int = 0
    review_mean: float | None = None
    review_normalised: float | None = None

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every term as ``value × weight = contribution``, in ``TERM_NAMES`` order; the
        contributions sum to ``score``. Built on access: the ranking itself needs only the
        numbers, and most records of a 10,000-record ranking are never displayed."""
        return tuple(
            Term(name, v, w, v * w + 0.0)
            for name, v, w in zip(TERM_NAMES, self.values, self.weights, strict=True)
        )

    def term(self, name: str) -> Term:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "score": self.score,
            "selected": self.selected,
            "reason": None if self.selected else self.reason,
            "terms": [t.to_json() for t in self.terms],
            "rank": self.rank,
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "unreviewed": self.unreviewed,
            "review_count": self.review_count,
            "review_mean": self.review_mean,
            "review_normalised": self.review_normalised,
        }


@dataclass(frozen=True, slots=True)
class Ranking:
    """A ranking: records in rank order, and warnings about the selection (Chinese lines)."""

    records: list[RankedRecord]
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[RankedRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> RankedRecord:
        return self.records[index]

    @property
    def selected(self) -> list[RankedRecord]:
        return [r for r in self.records if r.selected]

    def to_json(self) -> dict[str, Any]:
        return {"records": [r.to_json() for r in self.records], "warnings": list(self.warnings)}


# ---------------------------------------------------------------------------------------------
# The pure core


def review_percentiles(
    reviews: Iterable[tuple[int, ReviewInput]], config: Config
) -> dict[int, list[tuple[float, float]]]:
    """Per record, (percentile, raw weighted mean) of each review, the percentile taken among
    the same reviewer's reviews: ``(count below + count below or equal) / 2n``. A reviewer's
    single review, or a set of identical means, gets 0.5. Reviews naming no criterion of the
    rubric are ignored."""
    criteria = [(c.name, c.weight) for c in config.rubric.criteria]
    # Loaders share one mapping among equal score sets (30,000 reviews on a 1–5 scale hold a
    # thousand distinct ones): each mapping's mean is computed once. The mapping is kept with
    # its mean, so its id cannot be reused by another object while this runs.
    means: dict[int, tuple[Mapping[str, float], float | None]] = {}
    by_reviewer: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for record_id, (reviewer, scores) in reviews:
        known = means.get(id(scores))
        if known is not None and known[0] is scores:
            mean = known[1]
        else:
            num = den = 0.0
            for name, weight in criteria:  # the rubric's order: the same sum on every run
                value = scores.get(name)
                if value is not None:
                    num += weight * value
                    den += weight
            mean = round(num / den, _MEAN_DIGITS) if den else None
            means[id(scores)] = (scores, mean)
        if mean is not None:
            by_reviewer[reviewer].append((mean, record_id))
    out: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for items in by_reviewer.values():
        items.sort()
        n = len(items)
        i = 0
        while i < n:
            j = i + 1
            while j < n and items[j][0] == items[i][0]:
                j += 1
            p = (i + j) / (2 * n)
            for k in range(i, j):
                out[items[k][1]].append((p, items[k][0]))
            i = j
    return out


def freshness(date: dt.date | None, reference_date: dt.date, half_life_days: float) -> float:
    """0.5 ^ (age / half-life); 1 for dates on or after the reference date; 0 without a date."""
    if date is None:
        return 0.0
    age = (reference_date - date).days
    if age <= 0:
        return 1.0
    return float(0.5 ** (age / half_life_days))


_DUP = TERM_NAMES.index("duplicate")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a ranking creates its tens of thousands of
    (acyclic) objects: collections triggered by the allocations alone cost 15–20 % of a
    10,000-record ranking. The previous state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Scored(NamedTuple):
    """A scored record before it becomes a ``RankedRecord`` (built once, with its selection)."""

    key: tuple[float, int, int]  # score desc, date desc (undated last), id asc
    rec: RankInput
    values: tuple[float, ...]
    score: float
    review_count: int
    review_mean: float | None
    review_normalised: float | None


def _score(
    inputs: Sequence[RankInput],
    config: Config,
    reference_date: dt.date,
    calibration: Iterable[tuple[int, ReviewInput]],
) -> list[_Scored]:
    all_weights = _weights(config)
    parts = config.theme.parts
    n_parts = len(parts)
    half_life = config.freshness.half_life_days
    all_reviews: list[tuple[int, ReviewInput]] = list(calibration)
    all_reviews.extend((rec.id, rv) for rec in inputs for rv in rec.reviews)
    percentiles = review_percentiles(all_reviews, config)
    scale_min, scale_max = config.rubric.scale_min, config.rubric.scale_max
    kinds = {
        kind: (config.evidence.for_kind(kind), config.length.for_kind(kind))
        for kind in {rec.kind for rec in inputs}
    }

    base: list[tuple[tuple[float, int, int], RankInput, tuple[float, ...], Any]] = []
    saturating, length_fit = evidence.saturating, evidence.length_fit
    fsum, mul = math.fsum, operator.mul
    covered: dict[tuple[tuple[str, ...], ...], int] = {}  # theme parts per tags and evidence
    for rec in inputs:
        ev = rec.evidence
        if ev is None:
            ev = evidence.extract(
                rec.blocks, (*rec.tags, *rec.theme_tags), parts, rec.text, rec.headings
            )
            theme = len(ev.theme_parts)
        else:
            tagged = (rec.tags, rec.theme_tags, ev.theme_parts)
            theme = covered.get(tagged, -1)
            if theme < 0:
                theme = covered[tagged] = len(
                    evidence.theme_parts_covered((*tagged[0], *tagged[1], *tagged[2]), "", parts)
                )
        kind_ev, (low, high) = kinds[rec.kind]
        reviewed = percentiles.get(rec.id)
        if reviewed:
            # fsum is exactly rounded, so the order of the terms does not matter
            count = len(reviewed)
            ranks, means = zip(*reviewed, strict=True)
            review_value = fsum(ranks) / count
            review_mean: float | None = fsum(means) / count
            normalised: float | None = scale_min + review_value * (scale_max - scale_min)
        else:
            count, review_value, review_mean, normalised = 0, 0.0, None, None
        values: tuple[float, ...] = (
            review_value,
            saturating(ev.quantities, kind_ev.figures),
            saturating(ev.dates, kind_ev.dates),
            saturating(ev.headings, kind_ev.headings),
            length_fit(ev.length, low, high),
            theme / n_parts,
            freshness(rec.date, reference_date, half_life),
            0.0,  # duplicate: known once the order before it is
            1.0 if rec.reported_before else 0.0,
        )
        score = fsum(map(mul, values, all_weights))  # exactly rounded: never -0.0
        ordinal = -(rec.date.toordinal() if rec.date else 0)
        base.append(((-score, ordinal, rec.id), rec, values, (count, review_mean, normalised)))

    # The duplicate penalty depends on the order before it: a record is penalised for the
    # near-duplicates placed above it, by the highest similarity among them.
    base.sort(key=lambda item: item[0])
    position = {item[1].id: i for i, item in enumerate(base)}
    scored: list[_Scored] = []
    for i, (key, rec, base_values, (count, review_mean, normalised)) in enumerate(base):
        values = base_values
        above = 0.0
        for other, sim in rec.duplicates:
            if other != rec.id and position.get(other, i) < i:
                above = max(above, min(max(sim, 0.0), 1.0))
        if above:
            values = (*values[:_DUP], above, *values[_DUP + 1 :])
            score = fsum(map(mul, values, all_weights))
        else:
            score = -key[0]
        scored.append(
            _Scored((-score, key[1], key[2]), rec, values, score, count, review_mean, normalised)
        )
    scored.sort(key=lambda s: s.key)
    return scored


def _build(
    s: _Scored, weights: tuple[float, ...], rank: int, selected: bool, reason: str
) -> RankedRecord:
    rec = s.rec
    return RankedRecord(
        id=rec.id,
        title=rec.title,
        unit=rec.unit,
        kind=rec.kind,
        date=rec.date,
        tags=rec.tags,
        score=s.score,
        values=s.values,
        weights=weights,
        rank=rank,
        selected=selected,
        reason=reason,
        unreviewed=s.review_count == 0,
        review_count=s.review_count,
        review_mean=s.review_mean,
        review_normalised=s.review_normalised,
    )


def score_records(
    inputs: Sequence[RankInput],
    config: Config,
    reference_date: dt.date,
    calibration: Iterable[tuple[int, ReviewInput]] = (),
) -> list[RankedRecord]:
    """Score and order the records (not yet selected: ``selected`` False, ``reason`` "").

    ``calibration`` holds current reviews of records outside ``inputs``: they take part in each
    reviewer's normalisation only.
    """
    scored = _score(inputs, config, reference_date, calibration)
    weights = _weights(config)
    return [_build(s, weights, i, False, "") for i, s in enumerate(scored, start=1)]


def record_scores(
    inputs: Sequence[RankInput],
    config: Config,
    reference_date: dt.date,
    calibration: Iterable[tuple[int, ReviewInput]] = (),
) -> dict[int, float]:
    """Each record's score, as ``score_records`` gives it, by id: for a score column, without
    building the ranked records (nor selecting: the score does not depend on quotas)."""
    with gc_paused():
        return {s.rec.id: s.score for s in _score(inputs, config, reference_date, calibration)}


def _weights(config: Config) -> tuple[float, ...]:
    return tuple(float(getattr(config.weights, name)) for name in TERM_NAMES)


_QUOTA_LABELS = {"top": "入选数量", "per_unit": "每个单位的名额", "per_tag": "每个标签的名额"}


def check_quota(name: str, value: int | None) -> None:
    """Quotas are positive integers (or None: no limit); 0 or negative is refused."""
    if value is not None and value < 1:
        raise InvalidInputError(f"{_QUOTA_LABELS.get(name, name)}必须是正整数（收到 {value}）")


def _choose(
    pool: Sequence[tuple[str, tuple[str, ...]]],
    top: int | None,
    per_unit: int | None,
    per_tag: int | None,
) -> tuple[list[tuple[bool, str]], list[str]]:
    """(selected, reason) for each (unit, tags) in rank order, and the warnings."""
    check_quota("top", top)
    check_quota("per_unit", per_unit)
    check_quota("per_tag", per_tag)
    warnings: list[str] = []
    if top is not None and top > len(pool):
        warnings.append(f"候选记录只有 {len(pool)} 条，少于要求的 {top} 条，已全部参与选择")
    unit_count: dict[str, int] = defaultdict(int)
    tag_count: dict[str, int] = defaultdict(int)
    chosen = 0
    out: list[tuple[bool, str]] = []
    for unit, tags in pool:
        if top is not None and chosen >= top:
            # every record after this one is skipped for the same reason
            out.extend([(False, f"跳过：已选满 {top} 项")] * (len(pool) - len(out)))
            break
        if per_unit is not None and unit_count[unit] >= per_unit:
            out.append((False, f"跳过：{unit}已达名额（{per_unit}）"))
        elif per_tag is not None and (full := [t for t in tags if tag_count[t] >= per_tag]):
            out.append((False, f"跳过：标签“{'、'.join(full)}”已达名额（{per_tag}）"))
        else:
            chosen += 1
            unit_count[unit] += 1
            for t in set(tags):
                tag_count[t] += 1
            out.append((True, f"入选（第 {chosen} 项）"))
    if top is not None and chosen < top <= len(pool):
        warnings.append(f"受名额限制，只选出 {chosen} 项（要求 {top} 项）")
    return out, warnings


def select_records(
    ranked: Sequence[RankedRecord],
    *,
    top: int | None = None,
    per_unit: int | None = None,
    per_tag: int | None = None,
) -> Ranking:
    """Greedy selection in rank order: take a record unless the top N are already chosen, its
    unit has ``per_unit`` chosen, or one of its tags has ``per_tag`` chosen (a record with
    several tags counts against each; untagged records are bound by top and unit only). Every
    record gets a Chinese reason. With no limit at all every record is selected.

    ``top`` larger than the pool is allowed: all records are returned, with a warning; so is a
    selection that quotas leave short of ``top``. 0 or a negative quota: ``InvalidInputError``.
    """
    decisions, warnings = _choose([(r.unit, r.tags) for r in ranked], top, per_unit, per_tag)
    records = [
        replace(r, selected=selected, reason=reason)
        for r, (selected, reason) in zip(ranked, decisions, strict=True)
    ]
    return Ranking(records, warnings)


def rank_records(
    inputs: Sequence[RankInput],
    config: Config,
    reference_date: dt.date,
    *,
    top: int | None = None,
    per_unit: int | None = None,
    per_tag: int | None = None,
    calibration: Iterable[tuple[int, ReviewInput]] = (),
) -> Ranking:
    """``score_records`` then ``select_records``: the whole ranking, pure."""
    for name, value in (("top", top), ("per_unit", per_unit), ("per_tag", per_tag)):
        check_quota(name, value)
    with gc_paused():
        return _rank(inputs, config, reference_date, top, per_unit, per_tag, calibration)


def _rank(
    inputs: Sequence[RankInput],
    config: Config,
    reference_date: dt.date,
    top: int | None,
    per_unit: int | None,
    per_tag: int | None,
    calibration: Iterable[tuple[int, ReviewInput]],
) -> Ranking:
    scored = _score(inputs, config, reference_date, calibration)
    decisions, warnings = _choose(
        [(s.rec.unit, s.rec.tags) for s in scored], top, per_unit, per_tag
    )
    weights = _weights(config)
    records = [
        _build(s, weights, i, selected, reason)
        for i, (s, (selected, reason)) in enumerate(zip(scored, decisions, strict=True), start=1)
    ]
    return Ranking(records, warnings)
