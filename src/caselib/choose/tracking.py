"""Reports upward (报送) and adoptions (采用); a record's history for ``show`` is in ``history``.

Each report and each adoption is a row, and each row is one fact:

* a report is identified by (record, recipient, date): reporting the same record to the same
  superior on the same day again records nothing and says so (``Logged.created`` is False);
* an adoption is identified by (record, outlet): an outlet (省委教育工委工作简报第8期) carries a
  record once, so a second ``adopt`` with the same outlet records nothing, and one with another
  level or date is refused (a correction is an undo followed by a new adoption). Points are
  earned per adoption, so a duplicate would double them.

``remove_report`` / ``remove_adoption`` undo a row. The record's status follows the rows: a
report makes it "reported" (an adopted record stays "adopted"), an adoption makes it
"adopted"; after an undo it is "adopted" while adoptions remain, "reported" while reports remain
(or "declined" if so marked), else back to "shortlisted" (in a shortlist), "reviewing" (has
current reviews) or "submitted".

A report with ``bulletin_id`` must name a bulletin that carried the record. Adopting a record
that was never reported, or dating an adoption before the first report, is refused unless
``force=True`` (an adoption found in a superior's bulletin may predate the office's own
bookkeeping); a forced adoption without a report carries a warning in its notes.

A record counts as reported when it has a report or an adoption row *or* its status says so
(已报送、已采用、未采用: e.g. read from an imported file's front matter); as adopted when it has
an adoption row or its status is 已采用. ``stats`` and ranking's already-reported penalty both
use ``store.meta.REPORTED_STATUSES`` / ``ADOPTED_STATUSES``, so the two never disagree.

Idempotency is enforced by checking inside the caller's transaction before inserting (SQLite
transactions are serialisable: two writers racing cannot both insert; the loser gets a "locked"
error). These functions flush but never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlmodel import Session, col, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError
from caselib.records import get_record, live_record
from caselib.store.tables import (
    Adoption,
    Bulletin,
    BulletinRecord,
    Record,
    Report,
    Review,
    ShortlistItem,
    utcnow,
)

if TYPE_CHECKING:  # the settings load only for what needs them (adoption levels)
    from caselib.store.config import Config

Row = TypeVar("Row", Report, Adoption)


@dataclass(frozen=True, slots=True)
class Logged(Generic[Row]):
    """The outcome of ``add_report`` / ``add_adoption``: the row (new, or the one already
    there), whether it was created, and notes for the user (Chinese, one line each)."""

    row: Row
    created: bool
    notes: list[str] = field(default_factory=list)


def _bulletin_name(bulletin: Bulletin) -> str:
    return f"{bulletin.series}{bulletin.year}年第{bulletin.number}期"


def add_report(
    session: Session,
    record_id: int,
    to: str,
    date: dt.date,
    bulletin_id: int | None = None,
) -> Logged[Report]:
    """Record that the record was reported to ``to`` on ``date`` (optionally in a bulletin,
    which must have carried the record). The same record, recipient and date again is the same
    fact: nothing is added (``created`` False, a note says so); the same fact with another
    bulletin is refused (``ConflictError``)."""
    recipient = to.strip()
    if not recipient:
        raise InvalidInputError("报送对象不能为空")
    record = live_record(session, record_id, "报送")
    bulletin = None
    if bulletin_id is not None:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFoundError(f"简报 #{bulletin_id} 不存在")
        carried = session.exec(
            select(BulletinRecord.record_id).where(
                BulletinRecord.bulletin_id == bulletin_id, BulletinRecord.record_id == record_id
            )
        ).first()
        if carried is None:
            raise InvalidInputError(
                f"记录 {record_id} 不在{_bulletin_name(bulletin)}中，不能登记为随该期报送"
                "（请核对编号，或不加 --bulletin 登记）"
            )
    existing = session.exec(
        select(Report).where(
            Report.record_id == record_id, Report.to == recipient, Report.date == date
        )
    ).first()
    if existing is not None:
        if bulletin_id is not None and existing.bulletin_id != bulletin_id:
            earlier = session.get(Bulletin, existing.bulletin_id) if existing.bulletin_id else None
            where = f"随{_bulletin_name(earlier)}" if earlier else "未注明简报"
            raise ConflictError(
                f"记录 {record_id} 已登记 {date} 报送{recipient}（{where}），与本次不同；"
                "如需更正，请先用 --undo 撤销原登记"
            )
        return Logged(
            existing, False, [f"记录 {record_id} 已登记过 {date} 报送{recipient}，未重复登记"]
        )
    report = Report(record_id=record_id, to=recipient, date=date, bulletin_id=bulletin_id)
    session.add(report)
    if record.status != "adopted":
        _set_status(session, record, "reported")
    session.flush()
    return Logged(report, True)


def add_adoption(
    session: Session,
    record_id: int,
    by: str,
    level: str,
    date: dt.date,
    *,
    force: bool = False,
    config: Config | None = None,
) -> Logged[Adoption]:
    """Record that ``by`` (an outlet: 省委教育工委工作简报第8期) adopted the record at ``level``
    (one of the configured adoption levels: 校级/市级/省级/国家级) on ``date``.

    The same record and outlet again: nothing is added if level and date agree (``created``
    False), refused (``ConflictError``) if they differ. Refused unless ``force``: a record never
    reported (forced, it is recorded with a warning), an adoption dated before the first
    report. Always refused: an unknown level, an empty outlet, a record in the trash.
    """
    outlet = by.strip()
    if not outlet:
        raise InvalidInputError("采用单位（刊物）不能为空")
    from caselib.store.config import default_config

    levels = (config or default_config()).adoption_levels
    if level not in levels:
        raise InvalidInputError(f"未知的采用级别“{level}”（可用：{'、'.join(levels)}）")
    record = live_record(session, record_id, "登记采用")
    existing = session.exec(
        select(Adoption).where(Adoption.record_id == record_id, Adoption.by == outlet)
    ).first()
    if existing is not None:
        if existing.level == level and existing.date == date:
            return Logged(existing, False, [f"记录 {record_id} 已登记过被{outlet}采用，未重复计入"])
        raise ConflictError(
            f"记录 {record_id} 已登记被{outlet}采用（{existing.level}，{existing.date}），"
            "与本次不同；如需更正，请先用 --undo 撤销原登记"
        )
    first = session.exec(
        select(col(Report.date)).where(Report.record_id == record_id).order_by(col(Report.date))
    ).first()
    notes: list[str] = []
    if first is None:
        if not force:
            raise InvalidInputError(
                f"记录 {record_id} 尚未报送，不能登记采用（确属采用请使用 --force）"
            )
        notes.append(
            f"注意：记录 {record_id} 没有报送登记，统计时按已报送计；"
            "如有报送，请用 caselib report 补登"
        )
    elif date < first:
        if not force:
            raise InvalidInputError(
                f"采用日期 {date} 早于首次报送日期 {first}（确属如此请使用 --force）"
            )
        notes.append(f"注意：采用日期 {date} 早于首次报送日期 {first}")
    adoption = Adoption(record_id=record_id, by=outlet, level=level, date=date)
    session.add(adoption)
    _set_status(session, record, "adopted")
    session.flush()
    return Logged(adoption, True, notes)


def remove_report(
    session: Session, record_id: int, to: str, date: dt.date | None = None
) -> Logged[Report]:
    """Undo a report: the record's report to ``to`` (on ``date``; without a date there must be
    exactly one). ``NotFoundError`` if there is none; the status follows the remaining rows."""
    recipient = to.strip()
    record = get_record(session, record_id)
    query = select(Report).where(Report.record_id == record_id, Report.to == recipient)
    if date is not None:
        query = query.where(Report.date == date)
    rows = list(session.exec(query.order_by(col(Report.date), col(Report.id))).all())
    if not rows:
        when = f" {date} " if date else ""
        known = list_reports(session, record_id)
        hint = "；已登记：" + "、".join(f"{r.date} 报送{r.to}" for r in known) if known else ""
        raise NotFoundError(f"记录 {record_id} 没有{when}报送{recipient}的登记{hint}")
    if len(rows) > 1:
        dates = "、".join(str(r.date) for r in rows)
        raise InvalidInputError(
            f"记录 {record_id} 有 {len(rows)} 次报送{recipient}（{dates}），请用 --date 指明撤销哪一次"
        )
    report = rows[0]
    session.delete(report)
    session.flush()
    _settle_status(session, record)
    notes: list[str] = []
    if not list_reports(session, record_id) and list_adoptions(session, record_id):
        notes.append(f"注意：记录 {record_id} 仍登记有采用，但已没有报送登记")
    return Logged(report, False, notes)


def remove_adoption(
    session: Session,
    record_id: int,
    by: str,
    level: str | None = None,
    date: dt.date | None = None,
) -> Logged[Adoption]:
    """Undo an adoption: the record's adoption by ``by``. ``level`` and ``date``, if given,
    must be the recorded ones. ``NotFoundError`` if there is none; the status follows."""
    outlet = by.strip()
    record = get_record(session, record_id)
    adoption = session.exec(
        select(Adoption).where(Adoption.record_id == record_id, Adoption.by == outlet)
    ).first()
    if adoption is None:
        known = list_adoptions(session, record_id)
        hint = "；已登记：" + "、".join(f"被{a.by}采用" for a in known) if known else ""
        raise NotFoundError(f"记录 {record_id} 没有被{outlet}采用的登记{hint}")
    if (level is not None and level != adoption.level) or (
        date is not None and date != adoption.date
    ):
        raise InvalidInputError(
            f"记录 {record_id} 登记的是被{outlet}采用（{adoption.level}，{adoption.date}），"
            "与给出的级别或日期不符，未撤销"
        )
    session.delete(adoption)
    session.flush()
    _settle_status(session, record)
    return Logged(adoption, False)


def _settle_status(session: Session, record: Record) -> None:
    """The status after an undo: what the remaining rows and shortlists say."""
    rid = record.id
    if session.exec(select(Adoption.id).where(Adoption.record_id == rid)).first() is not None:
        status = "adopted"
    elif session.exec(select(Report.id).where(Report.record_id == rid)).first() is not None:
        status = "declined" if record.status == "declined" else "reported"
    elif (
        session.exec(select(ShortlistItem.record_id).where(ShortlistItem.record_id == rid)).first()
        is not None
    ):
        status = "shortlisted"
    elif (
        session.exec(
            select(Review.id).where(Review.record_id == rid, col(Review.superseded_at).is_(None))
        ).first()
        is not None
    ):
        status = "reviewing"
    else:
        status = "submitted"
    _set_status(session, record, status)
    session.flush()


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
