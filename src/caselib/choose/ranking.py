"""Ranking the library's records: load the inputs of the pure core (``scoring``) with plain SQL
in six queries, whatever the number of records, and rank them under quotas.

Only the standard library and plain-SQL modules are imported here: ``caselib rank`` reads
through ``store.reader.connect`` and never loads SQLAlchemy. An ORM session may be passed
instead of a connection: the same SQL then runs in the session's transaction (what it has
flushed is seen)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caselib.choose.scoring import (
    Ranking,
    RankInput,
    ReviewInput,
    check_quota,
    gc_paused,
    rank_records,
    record_scores,
)
from caselib.errors import InvalidInputError
from caselib.search import resolve_tag, resolve_unit, tag_descendants
from caselib.store.config import Config
from caselib.store.meta import KINDS, REPORTED_STATUSES, STATUSES
from caselib.text import evidence

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


def plain_connection(db: Any) -> Any:
    """The plain-SQL connection (qmark parameters) to read through: ``db`` itself, or for an
    ORM session the raw connection of its transaction."""
    connection = getattr(db, "connection", None)
    if not callable(connection):
        return db
    from caselib.records import raw_connection

    return raw_connection(db)


def _where(conn: Any, flt: RankFilter) -> tuple[str, list[Any]]:
    """The condition on ``record AS r`` selecting the records of ``flt`` (qmark parameters)."""
    conds = ["r.deleted_at IS NULL"]
    params: list[Any] = []
    if flt.kind is not None:
        if flt.kind not in KINDS:
            raise InvalidInputError(f"未知的类型“{flt.kind}”（可用：{'、'.join(KINDS)}）")
        conds.append("r.kind = ?")
        params.append(flt.kind)
    if flt.since and flt.until and flt.since > flt.until:
        raise InvalidInputError(f"起始日期 {flt.since} 晚于截止日期 {flt.until}")
    if flt.since is not None:
        conds.append("r.date >= ?")
        params.append(flt.since.isoformat())
    if flt.until is not None:
        conds.append("r.date <= ?")
        params.append(flt.until.isoformat())
    if flt.unit is not None:
        conds.append("r.unit_id = ?")
        params.append(resolve_unit(conn, flt.unit))
    if flt.tag is not None:
        tag_ids = tag_descendants(conn, resolve_tag(conn, flt.tag))
        marks = ",".join("?" * len(tag_ids))
        conds.append(f"r.id IN (SELECT record_id FROM record_tag WHERE tag_id IN ({marks}))")
        params += tag_ids
    if flt.statuses:
        unknown = [s for s in flt.statuses if s not in STATUSES]
        if unknown:
            raise InvalidInputError(f"未知的状态“{unknown[0]}”（可用：{'、'.join(STATUSES)}）")
        conds.append(f"r.status IN ({','.join('?' * len(flt.statuses))})")
        params += flt.statuses
    if flt.ids:
        conds.append(f"r.id IN ({','.join('?' * len(flt.ids))})")
        params += [int(i) for i in flt.ids]
    return " AND ".join(conds), params


# Reported before: a report or adoption row, or a status saying so (an imported file's
# 已报送/已采用), the same test as the statistics' (``stats``, ``store.meta.REPORTED_STATUSES``).
_REPORTED = (
    f"(r.status IN ({','.join('?' * len(REPORTED_STATUSES))})"
    " OR EXISTS (SELECT 1 FROM report WHERE report.record_id = r.id)"
    " OR EXISTS (SELECT 1 FROM adoption WHERE adoption.record_id = r.id))"
)


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
    db: Any, flt: RankFilter = RankFilter(), config_parts: Sequence[str] | None = None
) -> tuple[list[RankInput], list[tuple[int, ReviewInput]]]:
    """The ranking inputs of the records matching ``flt`` and, for reviewer calibration, the
    current reviews of every other record in the library (not in the trash). Six queries,
    whatever the number of records. ``db``: a plain-SQL connection or an ORM session."""
    conn = plain_connection(db)
    where, params = _where(conn, flt)
    tree: dict[int, tuple[str, int | None]] = {
        int(tid): (name, parent)
        for tid, name, parent in conn.execute("SELECT id, name, parent_id FROM tag")
    }
    rows = conn.execute(
        "SELECT r.id, r.kind, r.title, u.name, r.date, r.evidence, "
        f"CASE WHEN {_REPORTED} THEN 1 ELSE 0 END "
        f"FROM record AS r JOIN unit AS u ON u.id = r.unit_id WHERE {where}",
        [*REPORTED_STATUSES, *params],
    ).fetchall()
    # The text evidence stored with each record spares reading and scanning its body; a
    # record without it (or checked against other theme parts) is scanned from its body.
    parts = list(config_parts) if config_parts is not None else None
    stored: dict[int, evidence.Evidence] = {}
    if parts is not None:
        for row, data in zip(rows, _json_values([row[5] for row in rows]), strict=True):
            if isinstance(data, dict) and data.get("parts") == parts:
                stored[row[0]] = evidence.Evidence.from_json(data)
    missing = [row[0] for row in rows if row[0] not in stored]
    bodies: dict[int, Any] = {}
    for start in range(0, len(missing), 10_000):
        chunk = missing[start : start + 10_000]
        marks = ",".join("?" * len(chunk))
        for rid, body in conn.execute(f"SELECT id, body FROM record WHERE id IN ({marks})", chunk):
            bodies[rid] = body

    pool = f"SELECT r.id FROM record AS r WHERE {where}"
    tags: dict[int, list[int]] = defaultdict(list)
    for rid, tid in conn.execute(
        f"SELECT record_id, tag_id FROM record_tag WHERE record_id IN ({pool})", params
    ):
        tags[rid].append(tid)

    # Current reviews of the records not in the trash (left out here: a join costs more).
    # Scores on a 1–5 scale repeat a lot: each distinct JSON text is parsed once, and equal
    # reviews share one read-only ``ReviewInput``.
    trashed = {rid for (rid,) in conn.execute("SELECT id FROM record WHERE deleted_at IS NOT NULL")}
    shared: dict[tuple[str, Any], ReviewInput] = {}
    parsed: dict[Any, Any] = {}
    reviews: dict[int, list[ReviewInput]] = defaultdict(list)
    for rid, reviewer, scores in conn.execute(
        "SELECT record_id, reviewer, scores FROM review WHERE superseded_at IS NULL"
    ):
        if rid in trashed:
            continue
        if not isinstance(scores, str):  # a driver that parses JSON itself
            reviews[rid].append(ReviewInput(reviewer, scores))
            continue
        review = shared.get((reviewer, scores))
        if review is None:
            if scores not in parsed:
                parsed[scores] = _json(scores)
            review = shared[reviewer, scores] = ReviewInput(reviewer, parsed[scores])
        reviews[rid].append(review)

    dups: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, sim in conn.execute(
        "SELECT record_id, other_id, similarity FROM near_duplicate "
        f"WHERE record_id IN ({pool}) OR other_id IN ({pool})",
        [*params, *params],
    ):
        dups[a].append((b, float(sim)))
        dups[b].append((a, float(sim)))

    # Records with the same tags share their (sorted) names and theme tags.
    names = {tid: name for tid, (name, _parent) in tree.items()}
    ancestors = {tid: _ancestors(tid, tree) for tid in tree}
    tag_names: dict[tuple[int, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {(): ((), ())}
    inputs: list[RankInput] = []
    for rid, kind, title, unit, date, _evidence, reported in rows:
        own = tuple(tags.get(rid, ()))
        named = tag_names.get(own)
        if named is None:
            named = tag_names[own] = (
                tuple(sorted(names[t] for t in own if t in names)),
                tuple(sorted({a for t in own for a in ancestors.get(t, ())})),
            )
        kept = stored.get(rid)
        text, headings = ("", None) if kept else _body_text(_json(bodies.get(rid)))
        inputs.append(
            RankInput(
                id=rid,
                title=title,
                unit=unit,
                date=_date(date),
                kind=kind,
                tags=named[0],
                text=text,
                headings=headings,
                evidence=kept,
                reviews=tuple(reviews.pop(rid, ())),
                reported_before=bool(reported),
                duplicates=tuple(sorted(dups[rid])) if rid in dups else (),
                theme_tags=named[1],
            )
        )
    calibration = [(rid, rv) for rid, rvs in sorted(reviews.items()) for rv in rvs]
    return inputs, calibration


def _json_values(values: list[Any]) -> list[Any]:
    """``_json`` of each value; JSON texts are parsed in one go (one call instead of
    10,000), each on its own only when one of them is damaged."""
    if all(isinstance(v, str) or v is None for v in values):
        try:
            parsed = json.loads("[" + ",".join(v or "null" for v in values) + "]")
        except ValueError:
            pass
        else:
            if len(parsed) == len(values):
                return list(parsed)
    return [_json(v) for v in values]


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
    db: Any,
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
        inputs, calibration = load_inputs(db, flt, config.theme.parts)
        return rank_records(
            inputs,
            config,
            reference_date,
            top=top,
            per_unit=per_unit,
            per_tag=per_tag,
            calibration=calibration,
        )


def library_scores(db: Any, *, reference_date: dt.date, config: Config) -> dict[int, float]:
    """Every record's score (not in the trash) in the ranking of the whole library at
    ``reference_date``: what ``rank`` without filters gives each, without ordering them into
    ranked records (the 评分 column of a table export)."""
    with gc_paused():
        inputs, calibration = load_inputs(db, RankFilter(), config.theme.parts)
        return record_scores(inputs, config, reference_date, calibration)
