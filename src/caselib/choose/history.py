"""A record's history for ``show`` (reviews, shortlists, reports and adoptions, in date order)
and its reviews for ``reviews``.

Read with plain SQL on the read path's connection (``store.reader``), so these commands start
without the ORM; ``show`` loads the rubric (which weighs a review's scores) only for a record
that has reviews.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from caselib.text.dates import local_time

if TYPE_CHECKING:
    from caselib.store.config import Rubric


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event in a record's life, for ``show``: ``text`` is a one-line Chinese summary."""

    date: dt.date
    kind: str  # review / shortlist / report / adoption
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind, "text": self.text, **self.data}


def _datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def history(conn: Any, record_id: int, rubric: Callable[[], Rubric]) -> list[HistoryEvent]:
    """Reviews (superseded ones too), shortlists, reports and adoptions of a record in date
    order; on one day reviews come first, then shortlists, reports, adoptions.

    A shortlist entry is dated by the shortlist's creation (entries carry no date of their own).
    ``rubric`` gives the rubric that weighs review scores; it is called only if there are reviews.
    """
    events: list[tuple[tuple[Any, ...], HistoryEvent]] = []
    reviews = conn.execute(
        "SELECT id, reviewer, scores, comment, created_at, superseded_at FROM review "
        "WHERE record_id = ? ORDER BY created_at",
        (record_id,),
    ).fetchall()
    rub = rubric() if reviews else None
    for rid, reviewer, raw_scores, comment, created, superseded in reviews:
        assert rub is not None
        scores: dict[str, float] = _json(raw_scores)
        created = _datetime(created)
        mean = rub.weighted_mean(scores)
        text = f"{reviewer} 评审：{'，'.join(f'{k} {v:g}' for k, v in scores.items())}"
        if mean is not None:
            text += f"（加权平均 {mean:.2f}）"
        if superseded is not None:
            text += "（已被新评审取代）"
        data = {
            "reviewer": reviewer,
            "scores": dict(scores),
            "comment": comment,
            "mean": mean,
            "current": superseded is None,
        }
        day = local_time(created).date()
        events.append(((day, 0, created, rid), HistoryEvent(day, "review", text, data)))
    for sid, name, created, position in conn.execute(
        "SELECT s.id, s.name, s.created_at, i.position FROM shortlist AS s "
        "JOIN shortlist_item AS i ON i.shortlist_id = s.id WHERE i.record_id = ? "
        "ORDER BY s.created_at, s.id",
        (record_id,),
    ).fetchall():
        created = _datetime(created)
        day = local_time(created).date()
        text = f"列入入围名单“{name}”第 {int(position)} 位"
        data = {"shortlist": name, "position": int(position)}
        events.append(((day, 1, created, sid), HistoryEvent(day, "shortlist", text, data)))
    for rid, to, day, bulletin_id, created, series, year, number in conn.execute(
        'SELECT r.id, r."to", r.date, r.bulletin_id, r.created_at, b.series, b.year, b.number '
        "FROM report AS r LEFT JOIN bulletin AS b ON b.id = r.bulletin_id WHERE r.record_id = ?",
        (record_id,),
    ).fetchall():
        day = _date(day)
        where = f"（{series}{year}年第{number}期）" if series is not None else ""
        data = {"to": to, "bulletin_id": bulletin_id}
        event = HistoryEvent(day, "report", f"报送{to}{where}", data)
        events.append(((day, 2, _datetime(created), rid), event))
    for aid, by, level, day, created in conn.execute(
        'SELECT id, "by", level, date, created_at FROM adoption WHERE record_id = ?',
        (record_id,),
    ).fetchall():
        day = _date(day)
        event = HistoryEvent(day, "adoption", f"被{by}采用（{level}）", {"by": by, "level": level})
        events.append(((day, 3, _datetime(created), aid), event))
    events.sort(key=lambda pair: pair[0])
    return [event for _key, event in events]


def review_object(
    *,
    id: Any,
    record_id: Any,
    reviewer: str,
    scores: dict[str, float],
    comment: str | None,
    created: Any,
    superseded: Any,
    rubric: Rubric,
) -> dict[str, Any]:
    """One review as ``review --json`` and ``reviews --json`` give it."""
    return {
        "id": id,
        "record_id": record_id,
        "reviewer": reviewer,
        "scores": scores,
        "weighted_mean": rubric.weighted_mean(scores),
        "comment": comment,
        "created": _datetime(created).isoformat(),
        "current": superseded is None,
    }


def review_objects(
    conn: Any, record_id: int, rubric: Rubric, include_history: bool = False
) -> list[dict[str, Any]]:
    """The record's current reviews (one per reviewer), oldest first; with ``include_history``
    also the superseded ones."""
    sql = (
        "SELECT id, record_id, reviewer, scores, comment, created_at, superseded_at FROM review "
        "WHERE record_id = ?"
    )
    if not include_history:
        sql += " AND superseded_at IS NULL"
    return [
        review_object(
            id=rid,
            record_id=record,
            reviewer=reviewer,
            scores=_json(scores),
            comment=comment,
            created=created,
            superseded=superseded,
            rubric=rubric,
        )
        for rid, record, reviewer, scores, comment, created, superseded in conn.execute(
            sql + " ORDER BY created_at, id", (record_id,)
        )
    ]
