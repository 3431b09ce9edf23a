"""Bulletins (简报): issues of a series, the records they carried, and series settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from caselib.records import raw_connection
from caselib.store.tables import Bulletin, BulletinRecord, Record


def get_bulletin(session: Session, ref: str | int, series: str | None = None) -> Bulletin:
    """A bulletin by id, or by "YEAR-NUMBER" (2022-13, 2022年第13期) within ``series``
    (``bulletin_view.find_bulletin``)."""
    from caselib.bulletin_view import find_bulletin

    bulletin = session.get(Bulletin, find_bulletin(raw_connection(session), ref, series))
    assert bulletin is not None
    return bulletin


def bulletin_records(session: Session, bulletin: Bulletin) -> list[Record]:
    query = (
        select(Record)
        .join(BulletinRecord, col(BulletinRecord.record_id) == col(Record.id))
        .where(BulletinRecord.bulletin_id == bulletin.id)
        .order_by(col(BulletinRecord.position))
    )
    return list(session.exec(query).all())


def list_bulletins(session: Session, series: str | None = None) -> list[Bulletin]:
    """The bulletins (of ``series``), newest first (``bulletin_view.bulletin_ids``)."""
    from caselib.bulletin_view import bulletin_ids

    found = (session.get(Bulletin, i) for i in bulletin_ids(raw_connection(session), series))
    return [b for b in found if b is not None]


def next_number(session: Session, series: str, year: int) -> int:
    """The next issue number of ``series`` in ``year`` (numbers restart every year)."""
    top = session.exec(
        select(func.max(Bulletin.number)).where(Bulletin.series == series, Bulletin.year == year)
    ).one()
    return int(top or 0) + 1


@dataclass
class SeriesSettings:
    """What an office keeps the same from one issue of a series to the next."""

    series: str
    office: str | None = None
    distribution: dict[str, list[str]] | None = None


def series_settings(session: Session, series: str) -> SeriesSettings:
    """The settings of the latest issue of ``series`` (empty for a new series)."""
    latest = session.exec(
        select(Bulletin)
        .where(Bulletin.series == series)
        .order_by(col(Bulletin.date).desc(), col(Bulletin.id).desc())
    ).first()
    if latest is None:
        return SeriesSettings(series)
    return SeriesSettings(series, latest.office, dict(latest.distribution))


def check_issue_free(session: Session, series: str, year: int, number: int, hint: str = "") -> None:
    """``ConflictError`` if issue ``number`` of ``series`` in ``year`` exists already."""
    from caselib.errors import ConflictError

    clash = session.exec(
        select(Bulletin.id).where(
            Bulletin.series == series, Bulletin.year == year, Bulletin.number == number
        )
    ).first()
    if clash is not None:
        raise ConflictError(f"简报已存在：{series} {year} 年第 {number} 期{hint}")


def record_bulletin(
    session: Session,
    *,
    series: str,
    number: int,
    date: Any,
    office: str,
    editor_note: str | None,
    distribution: dict[str, list[str]],
    record_ids: list[int],
    copies: int | None = None,
    source_name: str | None = None,
    source_hash: str | None = None,
) -> Bulletin:
    """Store an issue and the records it carries, in order; an existing issue of the same
    series, year and number is refused."""
    year = date.year
    check_issue_free(session, series, year, number)
    bulletin = Bulletin(
        series=series,
        number=number,
        year=year,
        date=date,
        office=office,
        editor_note=editor_note,
        distribution={k: list(v) for k, v in distribution.items() if v},
        copies=copies,
        source_name=source_name,
        source_hash=source_hash,
    )
    session.add(bulletin)
    session.flush()
    for position, record_id in enumerate(record_ids):
        session.add(
            BulletinRecord(bulletin_id=bulletin.id, record_id=record_id, position=position)  # type: ignore[arg-type]
        )
    session.flush()
    return bulletin
