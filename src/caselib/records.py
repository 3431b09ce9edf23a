"""Records: add, read, edit, tag, trash, restore and purge."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from caselib.errors import ConflictError, InvalidInputError, NotFoundError
from caselib.store.meta import UNKNOWN_UNIT
from caselib.store.tables import Record, RecordTag, Tag, Unit, utcnow
from caselib.tags import clean_tag_name, find_tag, get_or_create_tags, resolve_tag, tag_ids_for
from caselib.text.blocks import Block, blocks_from_json, blocks_to_json, body_length
from caselib.text.normalize import normalize
from caselib.units import clean_unit_name, unit_id_for

if TYPE_CHECKING:  # the input schema (pydantic) loads only for commands that write a text
    from caselib.store.schemas import RecordIn


@dataclass
class Change:
    """The outcome of a write: the record, notes the user should see (new units and tags,
    near-duplicates) and the near-duplicates found, as (other record id, similarity).

    A record added with ``add_record`` is written without the ORM; ``record`` loads it on
    first use (the importer needs only ``record_id``)."""

    record_id: int
    session: Session
    notes: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, float]] = field(default_factory=list)

    @property
    def record(self) -> Record:
        return get_record(self.session, self.record_id)


def _flag_duplicates(
    session: Session, change: Change, title: str, body: Any, created: Any, *, new: bool
) -> Change:
    """Record the near-duplicates of a new (``new``) or edited text (see ``dedupe``)."""
    from caselib.dedupe import flag_text

    change.duplicates = flag_text(session, change.record_id, title, body, created, new=new)
    if change.duplicates:
        titles = dict(
            session.execute(
                select(Record.id, Record.title).where(
                    col(Record.id).in_([other for other, _ in change.duplicates])
                )
            ).all()
        )
        for other_id, similarity in change.duplicates:
            title_of = f"（{titles[other_id]}）" if other_id in titles else ""
            change.notes.append(f"疑似与记录 {other_id}{title_of}重复，相似度 {similarity:.0%}")
    return change


def content_hash(title: str, blocks: list[Block]) -> str:
    """A hash of the normalised title and body: equal for texts that differ only in form."""
    text = normalize(title + "\n" + "\n".join(b.text for b in blocks))
    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()


def stored_evidence(blocks: list[Block]) -> dict[str, Any]:
    """The text evidence kept with a record, and the theme parts it was checked against
    (ranking rescans a record whose parts differ from the configured ones); ``chars``, the
    body's length as JSON and tables show it (``blocks.body_length``), spares those reads
    parsing every body (``recordjson.stored_length``)."""
    from caselib.store.config import default_config
    from caselib.text.evidence import text_evidence

    parts = list(default_config().theme.parts)
    evidence = text_evidence(blocks, parts).to_json()
    return {"parts": parts, **evidence, "chars": body_length(blocks)}


def rebuild_evidence(session: Session, batch: int = 500) -> int:
    """Recompute the text evidence stored with every record (derived data, rebuilt like the
    index by ``caselib reindex``), so that a record written by an older caselib gains what
    it lacks (such as ``chars``). Returns the number of records."""
    conn = session.connection()
    done = 0
    last = 0
    while True:
        rows = conn.execute(
            select(Record.id, Record.body)
            .where(col(Record.id) > last)
            .order_by(col(Record.id))
            .limit(batch)
        ).all()
        if not rows:
            return done
        conn.execute(
            update(Record)
            .where(col(Record.id) == bindparam("rid"))
            .values(evidence=bindparam("ev")),
            [
                {"rid": rid, "ev": stored_evidence(blocks_from_json(body or []))}
                for rid, body in rows
            ],
        )
        done += len(rows)
        last = rows[-1][0]


def _columns(
    session: Session, data: RecordIn, missing: list[str], text_hash: str | None = None
) -> tuple[dict[str, Any], list[int], list[str]]:
    """The record's column values for ``data`` (units and tags created if new), its tags'
    ids and the notes naming what was created. ``text_hash``: its ``content_hash`` when the
    caller has it already."""
    notes: list[str] = []
    unit_id, created = unit_id_for(session, data.unit)
    if created and data.unit != UNKNOWN_UNIT:  # the placeholder is no news: 待补 says it
        notes.append(f"新建单位：{clean_unit_name(data.unit)}")
    tag_ids, new_tags = tag_ids_for(session, data.tags)
    notes += [f"新建标签：{name}" for name in new_tags]
    values: dict[str, Any] = {
        "kind": data.kind,
        "title": data.title,
        "unit_id": unit_id,
        "summary": data.summary,
        "body": blocks_to_json(data.body),
        "date": data.date,
        "end_date": data.end_date,
        "submitted": data.submitted,
        "author": data.author,
        "contact": data.contact,
        "status": data.status,
        "source_info": dict(data.source_info),
        "missing": missing,
        "content_hash": text_hash or content_hash(data.title, data.body),
        "evidence": stored_evidence(data.body),
        "updated_at": utcnow(),
    }
    for name in ("source_name", "source_hash", "source_path"):
        if getattr(data, name) is not None:
            values[name] = getattr(data, name)
    return values, tag_ids, notes


def still_missing(record: Record | None, data: RecordIn) -> list[str]:
    """What the record still lacks after a write of ``data``: the unit while it is the
    placeholder ``UNKNOWN_UNIT``; the title while it is the one the import put in its place
    (taken from the file name); the date while none is given. Only what an import found
    missing is tracked: a record typed in without a date is not incomplete."""
    before = set(data.missing) | set((record.missing if record else None) or [])
    missing = []
    if data.unit == UNKNOWN_UNIT:
        missing.append("unit")
    if "title" in before and (record is None or data.title == record.title):
        missing.append("title")
    if "date" in before and data.date is None:
        missing.append("date")
    return missing


def set_tags(session: Session, record: Record, tags: list[Tag]) -> None:
    """Give the record exactly these tags, remembering their order."""
    record.tags = list(tags)
    session.add(record)
    session.flush()
    for position, tag in enumerate(tags):
        session.execute(
            update(RecordTag)
            .where(col(RecordTag.record_id) == record.id, col(RecordTag.tag_id) == tag.id)
            .values(position=position)
        )


_INSERT_RECORD = insert(Record)
_INSERT_TAGS = insert(RecordTag)


def add_record(session: Session, data: RecordIn, *, text_hash: str | None = None) -> Change:
    """Store a new record; unknown units and tags are created and named in the notes, and
    near-duplicates of its text are flagged (``text_hash``: its ``content_hash``, when the
    caller has it already).

    The row, its tags and its index entries are written with plain statements in the
    session's transaction (the ORM's unit of work costs more than the rest of an import)."""
    from caselib.store.library import reindex

    values, tag_ids, notes = _columns(session, data, still_missing(None, data), text_hash)
    values["created_at"] = values["updated_at"]
    conn = session.connection()
    key = conn.execute(_INSERT_RECORD, values).inserted_primary_key
    assert key is not None
    rid = int(key[0])
    if tag_ids:
        conn.execute(
            _INSERT_TAGS,
            [{"record_id": rid, "tag_id": t, "position": i} for i, t in enumerate(tag_ids)],
        )
    reindex(session, [rid])
    change = Change(rid, session, notes)
    return _flag_duplicates(
        session, change, values["title"], values["body"], values["created_at"], new=True
    )


def get_record(session: Session, record_id: int, *, include_trash: bool = True) -> Record:
    record = session.get(Record, record_id)
    if record is None or (not include_trash and record.deleted_at is not None):
        raise NotFoundError(f"记录不存在：{record_id}")
    return record


def live_record(session: Session, record_id: int, action: str) -> Record:
    """The record if it exists and is not in the trash; ``action`` names what was refused."""
    record = get_record(session, record_id)
    if record.deleted_at is not None:
        raise InvalidInputError(f"记录 {record_id} 在回收站中，不能{action}（请先恢复）")
    return record


def update_record(session: Session, record_id: int, data: RecordIn) -> Change:
    """Replace a record's fields with ``data`` (the whole record, as ``edit`` gives it)."""
    record = get_record(session, record_id)
    values, tag_ids, notes = _columns(session, data, still_missing(record, data))
    for name, value in values.items():
        setattr(record, name, value)
    record.unit = session.get(Unit, values["unit_id"])  # type: ignore[assignment]
    set_tags(session, record, [t for t in (session.get(Tag, i) for i in tag_ids) if t])
    session.flush()
    change = Change(record_id, session, notes)
    return _flag_duplicates(
        session, change, record.title, record.body, record.created_at, new=False
    )


def change_tags(session: Session, record_id: int, add: list[str], remove: list[str]) -> Change:
    """Add and remove tags on a record. Adding a tag it already has, or removing one it
    does not have, is an error and changes nothing."""
    record = get_record(session, record_id, include_trash=False)
    notes: list[str] = []
    current = {t.id for t in record.tags}
    to_remove: list[Tag] = []
    for name in remove:
        tag = resolve_tag(session, name)
        if tag.id not in current:
            raise InvalidInputError(f"记录 {record_id} 没有标签：{tag.name}")
        to_remove.append(tag)
    for name in add:
        existing = find_tag(session, clean_tag_name(name))
        if existing is not None and existing.id in current:
            raise ConflictError(f"记录 {record_id} 已有标签：{existing.name}")
    new_tags, created = get_or_create_tags(session, add)
    notes += [f"新建标签：{n}" for n in created]
    record.updated_at = utcnow()
    kept = [t for t in record.tags if t not in to_remove]
    set_tags(session, record, kept + [t for t in new_tags if t not in kept])
    return Change(record_id, session, notes)


def trash_record(session: Session, record_id: int) -> Record:
    """Move a record to the trash (``restore`` brings it back)."""
    record = get_record(session, record_id)
    if record.deleted_at is not None:
        raise InvalidInputError(f"记录 {record_id} 已在回收站中")
    record.deleted_at = utcnow()
    session.add(record)
    session.flush()
    return record


def restore_record(session: Session, record_id: int) -> Record:
    record = get_record(session, record_id)
    if record.deleted_at is None:
        raise InvalidInputError(f"记录 {record_id} 不在回收站中")
    record.deleted_at = None
    session.add(record)
    session.flush()
    # Re-flag: records added or edited while this one was in the trash were not compared with
    # it, and its kept pairs may be stale (``duplicates.duplicate_pairs`` trusts the table).
    from caselib.dedupe import flag_text

    flag_text(session, record_id, record.title, record.body, record.created_at)
    return record


def purge_record(session: Session, record_id: int) -> str:
    """Delete a record for good (with its reviews, reports…); returns its title."""
    record = get_record(session, record_id)
    title = record.title
    record.tags = []
    session.flush()
    session.delete(record)
    session.flush()
    return title


def record_blocks(record: Record) -> list[Block]:
    return blocks_from_json(record.body)


def record_to_input(record: Record) -> RecordIn:
    """The record as input data again (for export and edit)."""
    from caselib.store.schemas import RecordIn

    return RecordIn(
        kind=record.kind,
        title=record.title,
        unit=record.unit.name,
        tags=[t.name for t in record.tags],
        date=record.date,
        end_date=record.end_date,
        submitted=record.submitted,
        author=record.author,
        contact=record.contact,
        status=record.status,
        summary=record.summary,
        body=record_blocks(record),
        source_name=record.source_name,
        source_hash=record.source_hash,
        source_path=record.source_path,
        source_info=dict(record.source_info or {}),
        missing=list(record.missing or []),
    )


def record_to_json(record: Record, *, body: bool = False) -> dict[str, Any]:
    """The record object of the JSON output (see ``recordjson``)."""
    from caselib.store.recordjson import record_object

    return record_object(
        id=int(record.id),  # type: ignore[arg-type]
        kind=record.kind,
        title=record.title,
        unit=record.unit.name,
        tags=[t.name for t in record.tags],
        date=record.date,
        end_date=record.end_date,
        submitted=record.submitted,
        status=record.status,
        author=record.author,
        contact=record.contact,
        summary=record.summary,
        source_name=record.source_name,
        source_hash=record.source_hash,
        source_info=record.source_info,
        missing=record.missing,
        created=record.created_at,
        updated=record.updated_at,
        deleted=record.deleted_at,
        body=record.body,
        include_body=body,
    )


def raw_connection(session: Session) -> Any:
    """The session's own plain-SQL connection (same transaction), for the shared SQL filters:
    ``sqlite3``, or ``postgres_backend.PgConnection`` on PostgreSQL."""
    conn = session.connection()
    raw = conn.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        return raw
    from caselib.store.postgres_backend import PgConnection

    return PgConnection(raw, owned=False)
