"""Ranking the library's records: load the inputs of the pure core (``scoring``) from the
database in six queries, whatever the number of records, and rank them under quotas."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, or_, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from caselib.choose.scoring import (
    Ranking,
    RankInput,
    ReviewInput,
    check_quota,
    gc_paused,
    rank_records,
)
from caselib.choose.tracking import reported_condition
from caselib.errors import InvalidInputError
from caselib.store.config import Config
from caselib.store.tables import (
    KINDS,
    STATUSES,
    NearDuplicate,
    Record,
    RecordTag,
    Review,
    Tag,
    Unit,
)
from caselib.tags import descendant_ids, resolve_tag
from caselib.text import evidence
from caselib.units import resolve_unit

# Loading from the database


@dataclass(frozen=True, slots=True)
class RankFilter:
    """Which records take part. Trashed records never do. ``since``/``until`` are inclusive and
    leave out undated records; ``tag`` includes the tags under it."""

    kind: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    unit: str | None = None
    tag: str | None = None
    statuses: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()


def _tag_tree(session: Session) -> dict[int, tuple[str, int | None]]:
    rows = session.exec(select(Tag.id, Tag.name, Tag.parent_id)).all()
    return {int(tid): (name, parent) for tid, name, parent in rows if tid is not None}


def _ancestors(tid: int, tree: Mapping[int, tuple[str, int | None]]) -> list[str]:
    out: list[str] = []
    seen = {tid}
    parent = tree[tid][1] if tid in tree else None
    while parent is not None and parent in tree and parent not in seen:
        seen.add(parent)
        out.append(tree[parent][0])
        parent = tree[parent][1]
    return out


def load_inputs(
    session: Session, flt: RankFilter = RankFilter(), config_parts: Sequence[str] | None = None
) -> tuple[list[RankInput], list[tuple[int, ReviewInput]]]:
    """The ranking inputs of the records matching ``flt`` and, for reviewer calibration, the
    current reviews of every other record in the library (not in the trash). Six queries,
    whatever the number of records."""
    tree = _tag_tree(session)
    conds: list[Any] = [col(Record.deleted_at).is_(None)]
    if flt.kind is not None:
        if flt.kind not in KINDS:
            raise InvalidInputError(f"未知的类型“{flt.kind}”（可用：{'、'.join(KINDS)}）")
        conds.append(col(Record.kind) == flt.kind)
    if flt.since is not None:
        conds.append(col(Record.date) >= flt.since)
    if flt.until is not None:
        conds.append(col(Record.date) <= flt.until)
    if flt.since and flt.until and flt.since > flt.until:
        raise InvalidInputError(f"起始日期 {flt.since} 晚于截止日期 {flt.until}")
    if flt.unit is not None:
        conds.append(col(Record.unit_id) == resolve_unit(session, flt.unit).id)
    if flt.tag is not None:
        tag_ids = descendant_ids(session, resolve_tag(session, flt.tag))
        conds.append(
            col(Record.id).in_(
                select(RecordTag.record_id).where(col(RecordTag.tag_id).in_(tag_ids))
            )
        )
    if flt.statuses:
        unknown = [s for s in flt.statuses if s not in STATUSES]
        if unknown:
            raise InvalidInputError(f"未知的状态“{unknown[0]}”（可用：{'、'.join(STATUSES)}）")
        conds.append(col(Record.status).in_(flt.statuses))
    if flt.ids:
        conds.append(col(Record.id).in_(flt.ids))
    pool = select(Record.id).where(*conds)

    # Speed matters here (10,000 records, 30,000 reviews): body, scores and date come back raw
    # (``type_coerce``) and are parsed below, the same work as SQLAlchemy's JSON/Date
    # processors without their per-row overhead (drivers that parse them already are handled);
    # the big queries run as Core on the session's connection, without the ORM's per-row
    # bookkeeping (these are plain columns, not entities); SQLAlchemy's ``select`` because
    # SQLModel's typed one stops at four columns.
    conn = session.connection()
    rows = conn.execute(
        sa_select(
            col(Record.id),
            col(Record.kind),
            col(Record.title),
            col(Unit.name),
            type_coerce(col(Record.date), String),
            type_coerce(col(Record.evidence), String),
        )
        .join(Unit, col(Unit.id) == col(Record.unit_id))
        .where(*conds)
    ).all()
    # The text evidence stored with each record spares reading and scanning its body; a
    # record without it (or checked against other theme parts) is scanned from its body.
    parts = list(config_parts) if config_parts is not None else None
    stored: dict[int, evidence.Evidence] = {}
    for row in rows:
        data = _json(row[-1]) if row[-1] is not None else None
        if isinstance(data, dict) and parts is not None and data.get("parts") == parts:
            stored[int(row[0])] = evidence.Evidence.from_json(data)  # type: ignore[arg-type]
    missing = [int(row[0]) for row in rows if row[0] not in stored]  # type: ignore[arg-type]
    bodies: dict[int, Any] = {}
    for start in range(0, len(missing), 10_000):
        chunk = missing[start : start + 10_000]
        query = sa_select(col(Record.id), type_coerce(col(Record.body), String))
        for rid, body in conn.execute(query.where(col(Record.id).in_(chunk))):
            bodies[int(rid)] = body  # type: ignore[arg-type]

    tags: dict[int, list[int]] = defaultdict(list)
    for rid, tid in conn.execute(
        sa_select(col(RecordTag.record_id), col(RecordTag.tag_id)).where(
            col(RecordTag.record_id).in_(pool)
        )
    ).all():
        tags[rid].append(tid)

    # Scores on a 1–5 scale repeat a lot: parse each distinct JSON text once (read-only dicts).
    parsed: dict[Any, Any] = {}
    reviews: dict[int, list[ReviewInput]] = defaultdict(list)
    for rid, reviewer, scores in conn.execute(
        sa_select(
            col(Review.record_id), col(Review.reviewer), type_coerce(col(Review.scores), String)
        )
        .join(Record, col(Record.id) == col(Review.record_id))
        .where(col(Review.superseded_at).is_(None), col(Record.deleted_at).is_(None))
    ).all():
        if isinstance(scores, str):
            if scores not in parsed:
                parsed[scores] = _json(scores)
            scores = parsed[scores]
        reviews[rid].append(ReviewInput(reviewer, scores))

    # Reported before: a report or adoption row, or a status saying so (an imported file's
    # 已报送/已采用), the same test as the statistics' (``tracking.reported_condition``).
    reported = set(session.exec(select(Record.id).where(*conds, reported_condition())).all())

    dups: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, sim in session.exec(
        select(NearDuplicate.record_id, NearDuplicate.other_id, NearDuplicate.similarity).where(
            or_(col(NearDuplicate.record_id).in_(pool), col(NearDuplicate.other_id).in_(pool))
        )
    ).all():
        dups[a].append((b, float(sim)))
        dups[b].append((a, float(sim)))

    names = {tid: name for tid, (name, _parent) in tree.items()}
    ancestors = {tid: _ancestors(tid, tree) for tid in tree}
    inputs: list[RankInput] = []
    for row_id, kind, title, unit, date, _evidence in rows:
        assert row_id is not None  # a primary key
        rid = row_id
        own = tags.get(rid, ())
        kept = stored.get(rid)
        text, headings = ("", None) if kept else _body_text(_json(bodies.get(rid)))
        inputs.append(
            RankInput(
                id=rid,
                title=title,
                unit=unit,
                date=_date(date),
                kind=kind,
                tags=tuple(sorted(names[t] for t in own if t in names)),
                text=text,
                headings=headings,
                evidence=kept,
                reviews=tuple(reviews.pop(rid, ())),
                reported_before=rid in reported,
                duplicates=tuple(sorted(dups[rid])) if rid in dups else (),
                theme_tags=tuple(sorted({a for t in own for a in ancestors.get(t, ())})),
            )
        )
    calibration = [(rid, rv) for rid, rvs in sorted(reviews.items()) for rv in rvs]
    return inputs, calibration


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _body_text(body: Any) -> tuple[str, int]:
    """The text of a stored body (blocks joined by newlines) and its number of section
    headings. Damaged entries are skipped, not fatal: a ranking must not fail because one
    imported body holds a stray element."""
    texts: list[str] = []
    lines: list[str] = []  # heading candidates: every block but tables (count_headings)
    explicit = 0
    if isinstance(body, list):
        for item in body:
            if isinstance(item, dict):
                text = item.get("text")
                if isinstance(text, str):
                    texts.append(text)
                    kind = item.get("type")
                    if kind != "table":
                        lines.append(text)
                    if kind == "heading":
                        explicit += 1
    return "\n".join(texts), evidence.headings_from(explicit, lines)


def rank(
    session: Session,
    *,
    reference_date: dt.date,
    config: Config,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    unit: str | None = None,
    tag: str | None = None,
    statuses: Sequence[str] = (),
    ids: Sequence[int] = (),
    top: int | None = None,
    per_unit: int | None = None,
    per_tag: int | None = None,
) -> Ranking:
    """Rank the library's records (filtered) at ``reference_date`` and select under quotas.

    Filters combine: ``kind`` (case/story), ``since``/``until`` (record date, inclusive;
    undated records drop out), ``unit`` (name or alias), ``tag`` (name or alias, tags under it
    included), ``statuses``, ``ids``. Trashed records never take part.

    Raises ``InvalidInputError`` for a quota below 1 or a bad filter, ``NotFoundError`` for an
    unknown unit or tag.
    """
    for name, value in (("top", top), ("per_unit", per_unit), ("per_tag", per_tag)):
        check_quota(name, value)
    flt = RankFilter(kind, since, until, unit, tag, tuple(statuses), tuple(ids))
    with gc_paused():
        inputs, calibration = load_inputs(session, flt, config.theme.parts)
        return rank_records(
            inputs,
            config,
            reference_date,
            top=top,
            per_unit=per_unit,
            per_tag=per_tag,
            calibration=calibration,
        )
