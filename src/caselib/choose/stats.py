"""Statistics by unit, tag, month or status: what offices are assessed on.

Per group: records, submitted records (status other than draft), reports (rows: 报送次数),
adoptions (rows: 采用次数), reported and adopted records (distinct records: what the table shows
as 报送 and 采用), adoption rate (adopted records / reported records), mean review score (the
mean over reviewed records of their current reviews' raw weighted rubric mean, on the rubric
scale), and adoption points per level (points from the configuration × adoptions). Trashed
records are left out.

A record counts as reported when it has a report or an adoption row or its status is
reported/adopted/declined (a status read from an imported file counts), and as adopted when it
has an adoption row or its status is adopted (``store.meta.REPORTED_STATUSES``): so an adopted
record is always a reported one, and no row can show more adopted than reported records. A
record adopted by status only has no level, hence no points: ``status_only_adoptions`` names
such records so that the office can record the adoption (``caselib adopt``).

A record with several tags counts in each of its tags' rows (its own tags only, not their
ancestors); untagged records, undated records make rows of their own. The optional total row
counts every record once. Read with plain SQL (the read path's connection, ``store.reader``),
so ``caselib stats`` starts without the ORM. Data only: rendering (rich tables and bars) belongs to the CLI;
``bars`` gives it the lengths.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from caselib.errors import InvalidInputError
from caselib.store.meta import (
    ADOPTED_STATUSES,
    KINDS,
    REPORTED_STATUSES,
    STATUS_LABELS,
    STATUSES,
)

if TYPE_CHECKING:
    from caselib.store.config import Config

GROUPINGS = {"unit": "单位", "tag": "标签", "month": "月份", "status": "状态"}
NO_TAG = "（无标签）"
NO_DATE = "（无日期）"
TOTAL = "合计"

METRICS = {
    "records": "记录数",
    "submitted": "已提交",
    "reports": "报送次数",
    "adoptions": "采用次数",
    "reported_records": "报送记录数",
    "adopted_records": "采用记录数",
    "adoption_rate": "采用率",
    "mean_score": "平均评分",
    "points": "积分",
}


@dataclass(frozen=True, slots=True)
class StatRow:
    """One group's figures. ``key`` is stable (unit name, tag name, 2022-10, status code; ""
    for the total row); ``label`` is what to show (状态 in Chinese, 2022年10月)."""

    key: str
    label: str
    records: int = 0
    submitted: int = 0
    reports: int = 0
    adoptions: int = 0
    reported_records: int = 0
    adopted_records: int = 0
    adoption_rate: float | None = None
    mean_score: float | None = None
    reviewed_records: int = 0
    points: float = 0.0
    points_by_level: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "records": self.records,
            "submitted": self.submitted,
            "reports": self.reports,
            "adoptions": self.adoptions,
            "reported_records": self.reported_records,
            "adopted_records": self.adopted_records,
            "adoption_rate": self.adoption_rate,
            "mean_score": self.mean_score,
            "reviewed_records": self.reviewed_records,
            "points": self.points,
            "points_by_level": dict(self.points_by_level),
        }


class _Facts(NamedTuple):
    """What statistics need of one record (a tuple: 10,000 of them are built per command)."""

    id: int
    unit: str
    status: str
    month: str | None  # "2022-10" of the record date
    tags: tuple[str, ...]  # read for ``by="tag"`` alone
    reports: int
    adoption_levels: tuple[str, ...]
    score: float | None


def group_stats(
    conn: Any,
    by: str,
    *,
    config: Config | None = None,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    total: bool = False,
) -> list[StatRow]:
    """Rows of figures grouped ``by`` unit, tag, month (of the record date) or status.

    Order: months chronologically (undated last), statuses in workflow order, units and tags by
    number of records (most first) then name. ``total`` appends a 合计 row.
    """
    if by not in GROUPINGS:
        raise InvalidInputError(f"未知的分组方式“{by}”（可用：{'、'.join(GROUPINGS)}）")
    if config is None:
        from caselib.store.config import default_config

        config = default_config()
    cfg = config
    facts = _load(conn, cfg, kind, since, until, with_tags=by == "tag")
    groups: dict[str, list[_Facts]] = defaultdict(list)
    for f in facts:
        for key in _keys(f, by):
            groups[key].append(f)
    if by == "status":
        for status in STATUSES:
            groups.setdefault(status, [])
    rows = [_row(key, _label(key, by), members, cfg) for key, members in groups.items()]
    rows.sort(key=lambda r: _sort_key(r, by))
    if total:
        rows.append(_row("", TOTAL, facts, cfg))
    return rows


def _keys(f: _Facts, by: str) -> Iterable[str]:
    if by == "unit":
        return (f.unit,)
    if by == "tag":
        return f.tags or (NO_TAG,)
    if by == "month":
        return (f.month or NO_DATE,)
    return (f.status,)


def _label(key: str, by: str) -> str:
    if by == "status":
        return STATUS_LABELS.get(key, key)
    if by == "month" and key != NO_DATE:
        year, month = key.split("-")
        return f"{int(year)}年{int(month)}月"
    return key


def _sort_key(row: StatRow, by: str) -> tuple[Any, ...]:
    if by == "month":
        return (row.key == NO_DATE, row.key)
    if by == "status":
        order = STATUSES.index(row.key) if row.key in STATUSES else len(STATUSES)
        return (order, row.key)
    return (row.key in (NO_TAG,), -row.records, row.key)


def _row(key: str, label: str, members: Sequence[_Facts], cfg: Config) -> StatRow:
    levels = cfg.adoption_points
    points_by_level: dict[str, float] = dict.fromkeys(cfg.adoption_levels, 0.0)
    adoptions = 0
    for f in members:
        for level in f.adoption_levels:
            adoptions += 1
            points_by_level[level] = points_by_level.get(level, 0.0) + levels.get(level, 0.0)
    reported = sum(
        1 for f in members if f.reports or f.adoption_levels or f.status in REPORTED_STATUSES
    )
    adopted = sum(1 for f in members if f.adoption_levels or f.status in ADOPTED_STATUSES)
    scores = sorted(f.score for f in members if f.score is not None)
    return StatRow(
        key=key,
        label=label,
        records=len(members),
        submitted=sum(1 for f in members if f.status != "draft"),
        reports=sum(f.reports for f in members),
        adoptions=adoptions,
        reported_records=reported,
        adopted_records=adopted,
        adoption_rate=adopted / reported if reported else None,
        mean_score=math.fsum(scores) / len(scores) if scores else None,
        reviewed_records=len(scores),
        points=math.fsum(points_by_level.values()),
        points_by_level=points_by_level,
    )


def _column(conn: Any, column: str) -> dict[int, Any]:
    """``column`` of every record (those in the trash too) by id. In SQLite a record's row
    holds its body before these columns, so reading them from the rows walks every body's
    pages; this query is answered by a scan of the column's index alone (a tenth of the time
    at 10,000 records)."""
    return dict(conn.execute(f"SELECT id, {column} FROM record").fetchall())


def _load(
    conn: Any,
    cfg: Config,
    kind: str | None,
    since: dt.date | None,
    until: dt.date | None,
    *,
    with_tags: bool,
) -> list[_Facts]:
    """The facts of the records (not in the trash) of ``kind`` dated within ``since`` and
    ``until`` (an undated record is outside any such range), by id."""
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(f"未知的类型“{kind}”（可用：{'、'.join(KINDS)}）")
    trashed = conn.execute("SELECT id FROM record WHERE deleted_at IS NOT NULL").fetchall()
    trash = {int(rid) for (rid,) in trashed}
    statuses = _column(conn, "status")
    dates = {  # ISO text from SQLite, dates from PostgreSQL
        rid: d if d is None or isinstance(d, str) else d.isoformat()
        for rid, d in _column(conn, "date").items()
    }
    kinds = _column(conn, "kind") if kind is not None else {}
    low = since.isoformat() if since is not None else None
    high = until.isoformat() if until is not None else None
    wanted: set[int] = set()
    for rid, day in dates.items():
        if rid in trash or (kind is not None and kinds.get(rid) != kind):
            continue
        if low is not None or high is not None:
            if day is None or (low is not None and day < low) or (high is not None and day > high):
                continue
        wanted.add(rid)
    unit_names = {int(uid): name for uid, name in conn.execute("SELECT id, name FROM unit")}
    units = _column(conn, "unit_id")
    tags: dict[int, list[str]] = defaultdict(list)
    if with_tags:  # only the tag rows need them
        for rid, name in conn.execute(
            "SELECT rt.record_id, t.name FROM record_tag AS rt JOIN tag AS t ON t.id = rt.tag_id"
        ):
            tags[int(rid)].append(name)
    reports = {
        int(rid): int(n)
        for rid, n in conn.execute("SELECT record_id, COUNT(*) FROM report GROUP BY record_id")
    }
    adoptions: dict[int, list[str]] = defaultdict(list)
    for rid, level in conn.execute("SELECT record_id, level FROM adoption ORDER BY id"):
        adoptions[int(rid)].append(level)
    means: dict[int, list[float]] = defaultdict(list)
    for rid, scores in conn.execute(
        "SELECT record_id, scores FROM review WHERE superseded_at IS NULL"
    ):
        if int(rid) not in wanted:
            continue
        mean = cfg.rubric.weighted_mean(json.loads(scores) if isinstance(scores, str) else scores)
        if mean is not None:
            means[int(rid)].append(mean)
    out: list[_Facts] = []
    for rid in sorted(wanted):
        m = means.get(rid)
        day = dates[rid]
        out.append(
            _Facts(
                rid,
                unit_names[units[rid]],
                statuses[rid],
                None if day is None else day[:7],
                tuple(sorted(tags[rid])) if rid in tags else (),
                reports.get(rid, 0),
                tuple(adoptions[rid]) if rid in adoptions else (),
                math.fsum(sorted(m)) / len(m) if m else None,
            )
        )
    return out


def status_only_adoptions(conn: Any) -> list[int]:
    """Records (not in the trash) whose status is adopted but that have no adoption row: their
    adoption counts, but without a level it earns no points."""
    marks = ", ".join("?" * len(ADOPTED_STATUSES))
    rows = conn.execute(
        f"SELECT r.id FROM record AS r WHERE r.deleted_at IS NULL AND r.status IN ({marks}) "
        "AND NOT EXISTS (SELECT 1 FROM adoption AS a WHERE a.record_id = r.id) ORDER BY r.id",
        ADOPTED_STATUSES,
    ).fetchall()
    return [int(row[0]) for row in rows]


def csv_table(rows: Sequence[StatRow], by: str = "") -> tuple[list[str], list[list[Any]]]:
    """The header and the rows of the CSV table, Chinese headers, one points column per
    adoption level; rates and means with 4 decimals, empty when undefined. Written by the
    same CSV writer as exported records (``publish.formats.csv_bytes``)."""
    levels: list[str] = []
    for row in rows:
        for level in row.points_by_level:
            if level not in levels:
                levels.append(level)
    header = [GROUPINGS.get(by, "分组"), *METRICS.values(), *(f"积分（{lv}）" for lv in levels)]
    body: list[list[Any]] = []
    for row in rows:
        body.append(
            [
                row.label,
                row.records,
                row.submitted,
                row.reports,
                row.adoptions,
                row.reported_records,
                row.adopted_records,
                _fmt(row.adoption_rate),
                _fmt(row.mean_score),
                f"{row.points:g}",
                *(f"{row.points_by_level.get(lv, 0.0):g}" for lv in levels),
            ]
        )
    return header, body


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a chart: ``length`` cells out of the chart width."""

    label: str
    value: float
    length: int

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "length": self.length}


def bars(rows: Sequence[StatRow], metric: str = "adoptions", width: int = 40) -> list[Bar]:
    """Bar lengths for ``metric`` (a ``StatRow`` field: records, adoptions, points,
    adoption_rate…), scaled so the largest value fills ``width``; a nonzero value gets at least
    one cell, undefined values (no rate) count as 0. The total row, if present, is left out."""
    if metric not in METRICS:
        raise InvalidInputError(f"未知的统计指标“{metric}”（可用：{'、'.join(METRICS)}）")
    if width < 1:
        raise InvalidInputError(f"图表宽度必须是正整数（收到 {width}）")
    values = [(r.label, float(getattr(r, metric) or 0.0)) for r in rows if r.key != ""]
    top = max((v for _, v in values), default=0.0)
    out: list[Bar] = []
    for label, value in values:
        length = 0
        if top > 0 and value > 0:
            length = max(1, round(value / top * width))
        out.append(Bar(label, value, length))
    return out
