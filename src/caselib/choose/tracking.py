"""Reports upward (报送) and adoptions (采用), and a record's history for ``show``.

Each report and each adoption is a row; the record's status follows: a report makes it
"reported" (an adopted record stays "adopted"), an adoption makes it "adopted". Adopting a
record that was never reported, or dating an adoption before the first report, is refused
unless ``force=True`` (an adoption found in a superior's bulletin may predate the office's
own bookkeeping). These functions flush but never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from caselib.choose.shortlists import shortlists_of
from caselib.errors import InvalidInputError, NotFoundError
from caselib.records import get_record, live_record
from caselib.store.config import Config, Rubric, default_config
from caselib.store.tables import Adoption, Bulletin, Record, Report, Review, utcnow
from caselib.text.dates import local_time


def add_report(
    session: Session,
    record_id: int,
    to: str,
    date: dt.date,
    bulletin_id: int | None = None,
) -> Report:
    """Record that the record was reported to ``to`` on ``date`` (optionally in a bulletin)."""
    recipient = to.strip()
    if not recipient:
        raise InvalidInputError("报送对象不能为空")
    record = live_record(session, record_id, "报送")
    if bulletin_id is not None and session.get(Bulletin, bulletin_id) is None:
        raise NotFoundError(f"简报 #{bulletin_id} 不存在")
    report = Report(record_id=record_id, to=recipient, date=date, bulletin_id=bulletin_id)
    session.add(report)
    if record.status != "adopted":
        _set_status(session, record, "reported")
    session.flush()
    return report


def add_adoption(
    session: Session,
    record_id: int,
    by: str,
    level: str,
    date: dt.date,
    *,
    force: bool = False,
    config: Config | None = None,
) -> Adoption:
    """Record that ``by`` (an outlet: 省委教育工委工作简报第8期) adopted the record at ``level``
    (one of the configured adoption levels: 校级/市级/省级/国家级) on ``date``.

    Refused unless ``force``: a record never reported, an adoption dated before the first
    report. Always refused: an unknown level, an empty outlet, a record in the trash.
    """
    outlet = by.strip()
    if not outlet:
        raise InvalidInputError("采用单位（刊物）不能为空")
    levels = (config or default_config()).adoption_levels
    if level not in levels:
        raise InvalidInputError(f"未知的采用级别“{level}”（可用：{'、'.join(levels)}）")
    record = live_record(session, record_id, "登记采用")
    first = session.exec(
        select(col(Report.date)).where(Report.record_id == record_id).order_by(col(Report.date))
    ).first()
    if not force:
        if first is None:
            raise InvalidInputError(
                f"记录 {record_id} 尚未报送，不能登记采用（确属采用请使用 --force）"
            )
        if date < first:
            raise InvalidInputError(
                f"采用日期 {date} 早于首次报送日期 {first}（确属如此请使用 --force）"
            )
    adoption = Adoption(record_id=record_id, by=outlet, level=level, date=date)
    session.add(adoption)
    _set_status(session, record, "adopted")
    session.flush()
    return adoption


def mark_declined(session: Session, record_id: int) -> Record:
    """Mark a reported record as not adopted (未采用); only a "reported" record can be."""
    record = live_record(session, record_id, "标记为未采用")
    if record.status != "reported":
        raise InvalidInputError(f"记录 {record_id} 当前状态不是“已报送”，不能标记为未采用")
    _set_status(session, record, "declined")
    session.flush()
    return record


def list_reports(session: Session, record_id: int | None = None) -> list[Report]:
    """Reports, by date (all, or of one record)."""
    query = select(Report)
    if record_id is not None:
        get_record(session, record_id)
        query = query.where(Report.record_id == record_id)
    return list(session.exec(query.order_by(col(Report.date), col(Report.id))).all())


def list_adoptions(session: Session, record_id: int | None = None) -> list[Adoption]:
    """Adoptions, by date (all, or of one record)."""
    query = select(Adoption)
    if record_id is not None:
        get_record(session, record_id)
        query = query.where(Adoption.record_id == record_id)
    return list(session.exec(query.order_by(col(Adoption.date), col(Adoption.id))).all())


def _set_status(session: Session, record: Record, status: str) -> None:
    if record.status != status:
        record.status = status
        record.updated_at = utcnow()
        session.add(record)


# ---------------------------------------------------------------------------------------------
# History

_KIND_ORDER = {"review": 0, "shortlist": 1, "report": 2, "adoption": 3}


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event in a record's life, for ``show``: ``text`` is a one-line Chinese summary."""

    date: dt.date
    kind: str  # review / shortlist / report / adoption
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind, "text": self.text, **self.data}


def history(session: Session, record_id: int, rubric: Rubric | None = None) -> list[HistoryEvent]:
    """Reviews (superseded ones too), shortlists, reports and adoptions of a record in date
    order; on one day reviews come first, then shortlists, reports, adoptions.

    A shortlist entry is dated by the shortlist's creation (entries carry no date of their own).
    """
    get_record(session, record_id)
    rub = rubric or default_config().rubric
    events: list[tuple[tuple[Any, ...], HistoryEvent]] = []
    for rv in session.exec(
        select(Review).where(Review.record_id == record_id).order_by(col(Review.created_at))
    ).all():
        mean = rub.weighted_mean(rv.scores)
        scores = "，".join(f"{k} {v:g}" for k, v in rv.scores.items())
        text = f"{rv.reviewer} 评审：{scores}"
        if mean is not None:
            text += f"（加权平均 {mean:.2f}）"
        if rv.superseded_at is not None:
            text += "（已被新评审取代）"
        data = {
            "reviewer": rv.reviewer,
            "scores": dict(rv.scores),
            "comment": rv.comment,
            "mean": mean,
            "current": rv.superseded_at is None,
        }
        events.append(
            (
                (local_time(rv.created_at).date(), 0, rv.created_at, rv.id),
                HistoryEvent(local_time(rv.created_at).date(), "review", text, data),
            )
        )
    for shortlist, position in shortlists_of(session, record_id):
        day = local_time(shortlist.created_at).date()
        events.append(
            (
                (day, 1, shortlist.created_at, shortlist.id),
                HistoryEvent(
                    day,
                    "shortlist",
                    f"列入入围名单“{shortlist.name}”第 {position} 位",
                    {"shortlist": shortlist.name, "position": position},
                ),
            )
        )
    for rp in session.exec(select(Report).where(Report.record_id == record_id)).all():
        bulletin = session.get(Bulletin, rp.bulletin_id) if rp.bulletin_id else None
        where = f"（{bulletin.series}{bulletin.year}年第{bulletin.number}期）" if bulletin else ""
        events.append(
            (
                (rp.date, 2, rp.created_at, rp.id),
                HistoryEvent(
                    rp.date,
                    "report",
                    f"报送{rp.to}{where}",
                    {"to": rp.to, "bulletin_id": rp.bulletin_id},
                ),
            )
        )
    for ad in session.exec(select(Adoption).where(Adoption.record_id == record_id)).all():
        events.append(
            (
                (ad.date, 3, ad.created_at, ad.id),
                HistoryEvent(
                    ad.date,
                    "adoption",
                    f"被{ad.by}采用（{ad.level}）",
                    {"by": ad.by, "level": ad.level},
                ),
            )
        )
    events.sort(key=lambda pair: pair[0])
    return [event for _key, event in events]
