"""Shortlists: named, ordered selections of records (e.g. 2022年第四季度报送).

Positions are 1-based and kept contiguous. A record put in a shortlist gets status
"shortlisted" unless it is already further along (reported, adopted, declined); the status it
had before (draft, submitted, reviewing: perhaps read from an imported file, with no review in
caselib) is kept with its shortlist entries. A record taken out of its last shortlist while
still "shortlisted" gets that status back, or "reviewing" if it was reviewed meanwhile (entries
made before the previous status was kept: "reviewing" with current reviews, else "submitted").
These functions flush but never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError, suggest
from caselib.records import get_record
from caselib.store.tables import Record, Review, Shortlist, ShortlistItem, Unit, utcnow

# Statuses a shortlist must not overwrite: the record has already gone further.
_PAST_SHORTLIST = ("reported", "adopted", "declined")
# Statuses a shortlist replaces, and gives back when the record leaves it.
_BEFORE_SHORTLIST = ("draft", "submitted", "reviewing")


@dataclass(frozen=True, slots=True)
class ShortlistEntry:
    position: int
    record_id: int
    title: str
    unit: str
    kind: str
    status: str
    date: dt.date | None
    trashed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "id": self.record_id,
            "title": self.title,
            "unit": self.unit,
            "kind": self.kind,
            "status": self.status,
            "date": self.date.isoformat() if self.date else None,
            "trashed": self.trashed,
        }


@dataclass(frozen=True, slots=True)
class ShortlistView:
    id: int
    name: str
    created_at: dt.datetime
    items: list[ShortlistEntry]

    @property
    def record_ids(self) -> list[int]:
        return [e.record_id for e in self.items]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "items": [e.to_json() for e in self.items],
        }


@dataclass(frozen=True, slots=True)
class ShortlistSummary:
    id: int
    name: str
    created_at: dt.datetime
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "count": self.count,
        }


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInputError("入围名单的名称不能为空")
    return cleaned


def get_shortlist(session: Session, name: str) -> Shortlist:
    """The shortlist called ``name``, or ``NotFoundError`` suggesting close names."""
    found = session.exec(select(Shortlist).where(Shortlist.name == name.strip())).first()
    if found is None:
        names = list(session.exec(select(Shortlist.name)).all())
        raise NotFoundError(f"入围名单“{name}”不存在{suggest(name, names)}")
    return found


def create_shortlist(session: Session, name: str, *, now: dt.datetime | None = None) -> Shortlist:
    """A new, empty shortlist; ``ConflictError`` if the name is taken."""
    cleaned = _clean_name(name)
    if session.exec(select(Shortlist.id).where(Shortlist.name == cleaned)).first() is not None:
        raise ConflictError(f"入围名单“{cleaned}”已存在")
    shortlist = Shortlist(name=cleaned, created_at=now or utcnow())
    session.add(shortlist)
    session.flush()
    return shortlist


def delete_shortlist(session: Session, name: str) -> None:
    """Delete a shortlist; its records leave it (statuses follow as for ``remove``)."""
    shortlist = get_shortlist(session, name)
    items = _items(session, _id(shortlist))
    prior = {item.record_id: item.previous_status for item in items}
    for item in items:
        session.delete(item)
    session.flush()  # items first: the database would otherwise cascade them away under us
    session.delete(shortlist)
    session.flush()
    _release(session, prior)


def list_shortlists(session: Session) -> list[ShortlistSummary]:
    """Every shortlist with its number of records, oldest first."""
    counts = dict(
        session.exec(
            select(ShortlistItem.shortlist_id, func.count()).group_by(
                col(ShortlistItem.shortlist_id)
            )
        ).all()
    )
    rows = session.exec(
        select(Shortlist).order_by(col(Shortlist.created_at), col(Shortlist.id))
    ).all()
    return [ShortlistSummary(_id(s), s.name, s.created_at, counts.get(_id(s), 0)) for s in rows]


def show_shortlist(session: Session, name: str) -> ShortlistView:
    """The shortlist with its records in order."""
    return _view(session, get_shortlist(session, name))


def add_to_shortlist(
    session: Session,
    name: str,
    record_ids: Sequence[int],
    *,
    position: int | None = None,
    create: bool = False,
) -> ShortlistView:
    """Add records (in the given order) at the end, or from ``position`` (1-based) on.

    Refused: an unknown or trashed record, a record already in the shortlist (``ConflictError``),
    a position outside 1..n+1. With ``create`` a missing shortlist is created.
    """
    shortlist = _get_or_create(session, name, create)
    sid = _id(shortlist)
    order = _item_ids(session, sid)
    new: list[int] = []
    for rid in record_ids:
        record = get_record(session, rid)
        if record.deleted_at is not None:
            raise InvalidInputError(f"记录 {rid} 在回收站中，不能加入入围名单（请先恢复）")
        if rid in order or rid in new:
            raise ConflictError(f"记录 {rid} 已在入围名单“{shortlist.name}”中")
        new.append(rid)
    if position is None:
        at = len(order)
    elif 1 <= position <= len(order) + 1:
        at = position - 1
    else:
        raise InvalidInputError(f"位置 {position} 超出范围（1–{len(order) + 1}）")
    prior = {rid: _status_before_shortlists(session, rid) for rid in new}
    _write_order(session, sid, order[:at] + new + order[at:], prior)
    _mark_shortlisted(session, new)
    return _view(session, shortlist)


def remove_from_shortlist(session: Session, name: str, record_ids: Sequence[int]) -> ShortlistView:
    """Take records out of the shortlist; ``NotFoundError`` if one is not in it."""
    shortlist = get_shortlist(session, name)
    sid = _id(shortlist)
    order = _item_ids(session, sid)
    for rid in record_ids:
        if rid not in order:
            raise NotFoundError(f"记录 {rid} 不在入围名单“{shortlist.name}”中")
    gone = set(record_ids)
    prior = {i.record_id: i.previous_status for i in _items(session, sid) if i.record_id in gone}
    _write_order(session, sid, [rid for rid in order if rid not in gone])
    _release(session, prior)
    return _view(session, shortlist)


def reorder_shortlist(session: Session, name: str, record_ids: Sequence[int]) -> ShortlistView:
    """Put the given records first, in the given order; the others follow in their present
    order. Passing every record gives the full new order. Unknown or repeated ids are refused."""
    shortlist = get_shortlist(session, name)
    sid = _id(shortlist)
    order = _item_ids(session, sid)
    if len(set(record_ids)) != len(record_ids):
        raise InvalidInputError("重新排序时记录编号不能重复")
    for rid in record_ids:
        if rid not in order:
            raise NotFoundError(f"记录 {rid} 不在入围名单“{shortlist.name}”中")
    first = list(record_ids)
    _write_order(session, sid, first + [rid for rid in order if rid not in set(first)])
    return _view(session, shortlist)


def move_in_shortlist(session: Session, name: str, record_id: int, position: int) -> ShortlistView:
    """Move one record to ``position`` (1-based)."""
    shortlist = get_shortlist(session, name)
    sid = _id(shortlist)
    order = _item_ids(session, sid)
    if record_id not in order:
        raise NotFoundError(f"记录 {record_id} 不在入围名单“{shortlist.name}”中")
    if not 1 <= position <= len(order):
        raise InvalidInputError(f"位置 {position} 超出范围（1–{len(order)}）")
    order.remove(record_id)
    order.insert(position - 1, record_id)
    _write_order(session, sid, order)
    return _view(session, shortlist)


def fill_from_ranking(session: Session, name: str, ids: Sequence[int]) -> ShortlistView:
    """Append the ranking's selection (``ids`` in rank order) to the shortlist, creating it if
    needed; records already in it are skipped (not an error: filling twice is harmless)."""
    shortlist = _get_or_create(session, name, create=True)
    present = set(_item_ids(session, _id(shortlist)))
    fresh = [rid for rid in dict.fromkeys(ids) if rid not in present]
    if not fresh:
        return _view(session, shortlist)
    return add_to_shortlist(session, shortlist.name, fresh)


# ---------------------------------------------------------------------------------------------


def _id(shortlist: Shortlist) -> int:
    assert shortlist.id is not None
    return shortlist.id


def _get_or_create(session: Session, name: str, create: bool) -> Shortlist:
    cleaned = _clean_name(name)
    found = session.exec(select(Shortlist).where(Shortlist.name == cleaned)).first()
    if found is not None:
        return found
    if not create:
        return get_shortlist(session, cleaned)
    return create_shortlist(session, cleaned)


def _items(session: Session, sid: int) -> list[ShortlistItem]:
    return list(
        session.exec(
            select(ShortlistItem)
            .where(ShortlistItem.shortlist_id == sid)
            .order_by(col(ShortlistItem.position), col(ShortlistItem.record_id))
        ).all()
    )


def _item_ids(session: Session, sid: int) -> list[int]:
    return [item.record_id for item in _items(session, sid)]


def _write_order(
    session: Session, sid: int, order: list[int], prior: dict[int, str | None] | None = None
) -> None:
    """Give the shortlist exactly ``order``; new entries keep ``prior[rid]``, the record's
    status before its first shortlist."""
    existing = {item.record_id: item for item in _items(session, sid)}
    for rid, item in existing.items():
        if rid not in order:
            session.delete(item)
    for pos, rid in enumerate(order, start=1):
        current = existing.get(rid)
        if current is None:
            before = (prior or {}).get(rid)
            session.add(
                ShortlistItem(shortlist_id=sid, record_id=rid, position=pos, previous_status=before)
            )
        elif current.position != pos:
            current.position = pos
            session.add(current)
    session.flush()


def _mark_shortlisted(session: Session, ids: Sequence[int]) -> None:
    now = utcnow()
    for rid in ids:
        record = get_record(session, rid)
        if record.status not in _PAST_SHORTLIST and record.status != "shortlisted":
            record.status = "shortlisted"
            record.updated_at = now
            session.add(record)
    session.flush()


def _status_before_shortlists(session: Session, rid: int) -> str | None:
    """The status to restore when the record leaves its last shortlist: its present status,
    or, if it is already shortlisted, what its other entries remember (None if nothing)."""
    record = get_record(session, rid)
    if record.status != "shortlisted":
        return record.status if record.status in _BEFORE_SHORTLIST else None
    remembered = session.exec(
        select(ShortlistItem.previous_status).where(
            ShortlistItem.record_id == rid, col(ShortlistItem.previous_status).is_not(None)
        )
    ).first()
    return remembered


def _release(session: Session, prior: Mapping[int, str | None]) -> None:
    """Records that left a shortlist (with the status their entry remembered): if still
    "shortlisted" and in no other shortlist, they get that status back, at least "reviewing"
    if they have current reviews; without a remembered status, "reviewing" or "submitted"."""
    now = utcnow()
    for rid in sorted(prior):
        record = session.get(Record, rid)
        if record is None or record.status != "shortlisted":
            continue
        still = session.exec(select(ShortlistItem).where(ShortlistItem.record_id == rid)).first()
        if still is not None:
            continue
        reviewed = session.exec(
            select(Review.id).where(Review.record_id == rid, col(Review.superseded_at).is_(None))
        ).first()
        status = prior[rid] if prior[rid] in _BEFORE_SHORTLIST else "submitted"
        if reviewed is not None and status != "reviewing":
            status = "reviewing"  # reviewed while shortlisted (a draft too: it was reviewed)
        record.status = status or "submitted"
        record.updated_at = now
        session.add(record)
    session.flush()


def _view(session: Session, shortlist: Shortlist) -> ShortlistView:
    sid = _id(shortlist)
    rows = session.execute(
        sa_select(
            col(ShortlistItem.position),
            col(Record.id),
            col(Record.title),
            col(Unit.name),
            col(Record.kind),
            col(Record.status),
            col(Record.date),
            col(Record.deleted_at),
        )
        .join(Record, col(Record.id) == col(ShortlistItem.record_id))
        .join(Unit, col(Unit.id) == col(Record.unit_id))
        .where(col(ShortlistItem.shortlist_id) == sid)
        .order_by(col(ShortlistItem.position), col(Record.id))
    ).all()
    items = [
        ShortlistEntry(
            int(pos), int(rid or 0), title, unit, kind, status, date, deleted is not None
        )
        for pos, rid, title, unit, kind, status, date, deleted in rows
    ]
    return ShortlistView(sid, shortlist.name, shortlist.created_at, items)
