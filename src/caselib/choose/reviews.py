"""Reviews: reviewers score records against the rubric; a re-review supersedes, history is kept.

Any number of reviewers per record, one current review per reviewer. A reviewer's second review
is merged into the first per criterion: the criteria it scores replace the earlier scores, the
others keep theirs, and the comment stays unless a new one is given (an empty one clears it).
The merged review becomes the current one and the earlier one is kept, superseded, as history.
These functions flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlmodel import Session, col, select

from caselib.errors import InvalidInputError
from caselib.records import get_record, live_record
from caselib.store.config import Rubric
from caselib.store.tables import Review, utcnow

# A first review moves a record from these statuses to "reviewing"; later statuses
# (shortlisted, reported, adopted, declined) are further along and are left alone.
_BEFORE_REVIEW = ("draft", "submitted")


def add_review(
    session: Session,
    record_id: int,
    reviewer: str,
    scores: Mapping[str, float],
    comment: str | None,
    rubric: Rubric,
    *,
    now: dt.datetime | None = None,
) -> Review:
    """Record ``reviewer``'s scores for a record. If he reviewed it before, the new review is
    merged into his current one (criteria given here replace, criteria not given keep their
    earlier scores, the earlier comment stays when ``comment`` is None, "" clears it); the
    earlier review is superseded (``superseded_at`` set) and kept as history.

    Refused (``InvalidInputError``): an empty reviewer name, an unknown criterion, no
    criterion at all, a score outside the scale, a record in the trash. ``NotFoundError``: no such
    record. A first review moves a draft/submitted record to "reviewing".
    """
    name = reviewer.strip()
    if not name:
        raise InvalidInputError("评审人不能为空")
    record = live_record(session, record_id, "评审")
    checked = rubric.check_scores(scores)
    when = now or utcnow()
    previous = session.exec(
        select(Review).where(
            Review.record_id == record_id,
            Review.reviewer == name,
            col(Review.superseded_at).is_(None),
        )
    ).all()
    merged: dict[str, float] = {}
    kept_comment: str | None = None
    for old in sorted(previous, key=lambda r: (r.created_at, r.id or 0)):
        merged.update(old.scores)
        kept_comment = old.comment or kept_comment
        old.superseded_at = when
        session.add(old)
    merged.update(checked)
    text = comment.strip() if comment else None
    review = Review(
        record_id=record_id,
        reviewer=name,
        scores=merged,
        comment=kept_comment if comment is None else text or None,
        created_at=when,
    )
    session.add(review)
    if record.status in _BEFORE_REVIEW:
        record.status = "reviewing"
        record.updated_at = when
        session.add(record)
    session.flush()
    return review


def list_reviews(session: Session, record_id: int, include_history: bool = False) -> list[Review]:
    """The record's current reviews (one per reviewer), oldest first; with
    ``include_history`` also the superseded ones. ``NotFoundError`` for an unknown record
    (trashed records still show their reviews)."""
    get_record(session, record_id)
    query = select(Review).where(Review.record_id == record_id)
    if not include_history:
        query = query.where(col(Review.superseded_at).is_(None))
    return list(session.exec(query.order_by(col(Review.created_at), col(Review.id))).all())


def weighted_mean(review: Review, rubric: Rubric) -> float | None:
    """The review's weighted rubric mean (raw, on the rubric scale)."""
    return rubric.weighted_mean(review.scores)
