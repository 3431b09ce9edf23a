"""Database tables (SQLModel). Input/output schemas live in ``schemas.py``.

One table per domain noun: records and the units and tags that describe them, bulletins that
published them, reviews, shortlists, reports upward and adoptions.
"""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from caselib.store.meta import KIND_LABELS as KIND_LABELS  # re-exported for convenience
from caselib.store.meta import KINDS as KINDS
from caselib.store.meta import STATUS_LABELS as STATUS_LABELS
from caselib.store.meta import STATUSES as STATUSES


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Meta(SQLModel, table=True):
    """Key/value facts about the library itself (application name, schema version)."""

    key: str = Field(primary_key=True)
    value: str


class RecordTag(SQLModel, table=True):
    __tablename__ = "record_tag"

    record_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, ondelete="CASCADE")
    position: int = 0  # the order the user gave the tags in


class Unit(SQLModel, table=True):
    """A sub-unit that submits material (二级党组织), e.g. 机关党委."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)

    aliases: list["UnitAlias"] = Relationship(
        back_populates="unit", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    records: list["Record"] = Relationship(back_populates="unit")


class UnitAlias(SQLModel, table=True):
    __tablename__ = "unit_alias"

    alias: str = Field(primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE")

    unit: "Unit" = Relationship(back_populates="aliases")


class Tag(SQLModel, table=True):
    """A theme tag; tags form a tree (共同缔造 → 决策共谋 …)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    parent_id: int | None = Field(default=None, foreign_key="tag.id", ondelete="SET NULL")

    aliases: list["TagAlias"] = Relationship(
        back_populates="tag", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    records: list["Record"] = Relationship(back_populates="tags", link_model=RecordTag)


class TagAlias(SQLModel, table=True):
    __tablename__ = "tag_alias"

    alias: str = Field(primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", ondelete="CASCADE")

    tag: "Tag" = Relationship(back_populates="aliases")


class Record(SQLModel, table=True):
    """A 经验案例 (kind "case") or 暖心故事 (kind "story")."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="case", index=True)
    title: str
    unit_id: int = Field(foreign_key="unit.id", index=True)
    summary: str | None = None
    # Body as ordered blocks: [{"type": "heading"|"paragraph"|"table", "text": ..., "level": n}]
    # (a table also carries "rows": [[cell, ...], ...]; see text/blocks.py)
    body: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    date: dt.date | None = Field(default=None, index=True)  # event date (start)
    end_date: dt.date | None = None  # event end, for multi-day events
    submitted: dt.date | None = None  # when the unit sent it in
    author: str | None = None
    contact: str | None = None
    status: str = Field(default="submitted", index=True)
    source_name: str | None = Field(default=None, index=True)  # file it was imported from
    source_hash: str | None = Field(default=None, index=True)  # sha256 of that file's bytes
    # The imported file's absolute path (with "#n" for the n-th article of a bulletin): only
    # ``import --update`` uses it, to replace the record that came from the same file.
    source_path: str | None = Field(default=None, index=True)
    # Facts the source states beside the text: {"文号": "鄂大党发〔2022〕18号", ...}.
    source_info: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # What an import could not find ("unit", "title", "date"): the record is incomplete
    # until ``edit`` supplies it (``list --incomplete``).
    missing: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    content_hash: str | None = Field(default=None, index=True)  # sha256 of normalised text
    # What the text shows (figures, dates, headings, length, theme parts named), computed when
    # the body is written so that ranking needs neither the body nor a scan: see evidence.py.
    evidence: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    deleted_at: dt.datetime | None = Field(default=None, index=True)  # in the trash when set

    unit: "Unit" = Relationship(back_populates="records")
    tags: list["Tag"] = Relationship(
        back_populates="records",
        link_model=RecordTag,
        sa_relationship_kwargs={"order_by": "[RecordTag.position, RecordTag.tag_id]"},
    )


class Bulletin(SQLModel, table=True):
    """An issue of a 简报: series, 第 N 期 of a year, issuing office, 编者按, distribution."""

    __table_args__ = (UniqueConstraint("series", "year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    series: str = Field(index=True)
    number: int
    year: int
    date: dt.date
    office: str
    editor_note: str | None = None
    # {"报": [...], "送": [...], "发": [...]}
    distribution: dict[str, list[str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    copies: int | None = None
    source_name: str | None = None
    source_hash: str | None = Field(default=None, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class BulletinRecord(SQLModel, table=True):
    __tablename__ = "bulletin_record"

    bulletin_id: int = Field(foreign_key="bulletin.id", primary_key=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    position: int


class NearDuplicate(SQLModel, table=True):
    """A pair of records whose texts are very similar (resubmissions, one story from two units)."""

    __tablename__ = "near_duplicate"

    record_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    other_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    similarity: float
    detected_at: dt.datetime = Field(default_factory=utcnow)


class Review(SQLModel, table=True):
    """One reviewer's scores for one record; a re-review supersedes, history is kept."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True, ondelete="CASCADE")
    reviewer: str = Field(index=True)
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    superseded_at: dt.datetime | None = None  # None: the reviewer's current review


class Shortlist(SQLModel, table=True):
    """A named, ordered selection (e.g. 2022年第四季度报送)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ShortlistItem(SQLModel, table=True):
    __tablename__ = "shortlist_item"

    shortlist_id: int = Field(foreign_key="shortlist.id", primary_key=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    position: int
    # The record's status before it entered its first shortlist (draft/submitted/reviewing),
    # restored when it leaves its last one; None for items made before this was kept.
    previous_status: str | None = None


class Report(SQLModel, table=True):
    """One upward submission (报送) of a record: to whom, when, in which bulletin."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True, ondelete="CASCADE")
    to: str
    date: dt.date
    bulletin_id: int | None = Field(default=None, foreign_key="bulletin.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow)


class Adoption(SQLModel, table=True):
    """A superior's publication (采用) of a reported record: where, at which level, when."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True, ondelete="CASCADE")
    by: str  # the outlet, e.g. 省委教育工委工作简报第8期
    level: str  # 校级 / 市级 / 省级 / 国家级
    date: dt.date
    created_at: dt.datetime = Field(default_factory=utcnow)


class DupeBand(SQLModel, table=True):
    """Locality-sensitive hash bands of a record's text, to find near-duplicate candidates
    without comparing every pair (see ``dedupe.py``)."""

    __tablename__ = "dupe_band"

    record_id: int = Field(foreign_key="record.id", primary_key=True, ondelete="CASCADE")
    band: int = Field(primary_key=True)
    value: int = Field(index=True, sa_type=BigInteger)  # a 64-bit hash
