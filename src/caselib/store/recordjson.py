"""The record object of the JSON output, in one place.

Built from plain column values, so that the ORM (``records.record_to_json``) and the fast read
path of ``caselib list``, which reads SQLite with the standard ``sqlite3`` module and never
loads SQLAlchemy, give the same objects. Field names are documented in the README.
``list --json`` on SQLite has SQLite build the same objects as JSON text (``JSON_COLUMNS``),
which ``tests/test_list_cli.py`` checks byte for byte against ``record_object``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from caselib.errors import NotFoundError
from caselib.text.blocks import body_length

_CHUNK = 10_000  # ids per query, well under SQLite's limit on bound parameters


def _iso_date(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def _iso_datetime(value: Any) -> str | None:
    """Timestamps are stored in UTC; SQLite gives them back as naive text."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) in (19, 26) and value[10] == " ":
        # the text SQLAlchemy writes ("2024-06-01 08:30:00.000000"; without the fraction from
        # plain SQL), rewritten as ``datetime.isoformat`` would (microseconds only when not 0)
        # without parsing it: ``list --json`` of 10,000 records shows 30,000 timestamps
        fraction = value[19:]
        if fraction == ".000000":
            fraction = ""
        return value[:10] + "T" + value[11:19] + fraction + "+00:00"
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return str(value.isoformat())


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite gives the text, other drivers the value itself."""
    if not isinstance(value, str):
        return value
    if value == "{}":  # most records: no source facts, nothing missing
        return {}
    if value == "[]":
        return []
    return json.loads(value)


def record_object(
    *,
    id: int,
    kind: str,
    title: str,
    unit: str,
    tags: Sequence[str],
    date: Any,
    end_date: Any,
    submitted: Any,
    status: str,
    author: str | None,
    contact: str | None,
    summary: str | None,
    source_name: str | None,
    source_hash: str | None,
    source_info: dict[str, str] | None,
    missing: Sequence[str] | None,
    created: Any,
    updated: Any,
    deleted: Any,
    body: list[dict[str, Any]] | None,
    length: int | None = None,
    include_body: bool = False,
) -> dict[str, Any]:
    """One record object; ``body`` (the blocks) is included with ``include_body``. Its
    "length" is ``length`` when given (the stored one), else counted in ``body``."""
    data: dict[str, Any] = {
        "id": id,
        "kind": kind,
        "title": title,
        "unit": unit,
        "tags": list(tags),
        "date": _iso_date(date),
        "end_date": _iso_date(end_date),
        "submitted": _iso_date(submitted),
        "status": status,
        "author": author,
        "contact": contact,
        "summary": summary,
        "source": {"name": source_name, "hash": source_hash, "info": dict(source_info or {})},
        "missing": list(missing or []),
        "created": _iso_datetime(created),
        "updated": _iso_datetime(updated),
        "deleted": _iso_datetime(deleted),
        "length": body_length(body) if length is None else length,
    }
    if include_body:
        data["body"] = body
    return data


_SELECT = (
    "SELECT r.id, r.kind, r.title, u.name, r.date, r.end_date, r.submitted, r.status, r.author, "
    "r.contact, r.summary, r.source_name, r.source_hash, r.source_info, r.missing, r.created_at, r.updated_at, "
    "r.deleted_at, {} FROM record AS r JOIN unit AS u ON u.id = r.unit_id WHERE r.id IN ({})"
)
_TAGS = (
    "SELECT rt.record_id, t.name FROM record_tag AS rt JOIN tag AS t ON t.id = rt.tag_id "
    "WHERE rt.record_id IN ({}) ORDER BY rt.record_id, rt.position, rt.tag_id"
)


def stored_length(conn: Any) -> str:
    """SQL for the body length stored with record ``r`` (``records.stored_evidence``: "chars"
    in its evidence), NULL for a record written before caselib stored it."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        return "CAST(r.evidence ->> 'chars' AS INTEGER)"
    return "json_extract(r.evidence, '$.chars')"


def body_lengths(conn: Any, lengths: dict[int, Any]) -> dict[int, int]:
    """``lengths`` (record id → stored length or NULL) completed: a record without a stored
    length is counted in its body, read for those records alone."""
    out = {rid: int(n) for rid, n in lengths.items() if n is not None}
    missing = [rid for rid in lengths if rid not in out]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for rid, body in conn.execute(f"SELECT id, body FROM record WHERE id IN ({marks})", chunk):
            out[int(rid)] = body_length(body)
    return out


def load_record_objects(
    conn: Any, ids: Sequence[int], *, include_body: bool = False
) -> list[dict[str, Any]]:
    """The record objects of ``ids``, in that order, read with plain SQL. Without
    ``include_body`` no body is read: the length is the stored one (``stored_length``)."""
    rows: dict[int, tuple[Any, ...]] = {}
    tags: dict[int, list[str]] = {}
    last = "r.body" if include_body else stored_length(conn)
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(_SELECT.format(last, marks), chunk):
            rows[int(row[0])] = row
        for record_id, name in conn.execute(_TAGS.format(marks), chunk):
            tags.setdefault(int(record_id), []).append(name)
    lengths = (
        {} if include_body else body_lengths(conn, {rid: row[-1] for rid, row in rows.items()})
    )
    result = []
    for record_id in ids:
        row = rows.get(record_id)
        if row is None:
            continue
        (rid, kind, title, unit, date, end_date, submitted, status, author, contact, summary,
         source_name, source_hash, source_info, missing, created, updated, deleted, last) = row  # fmt: skip
        body = _json(last) if include_body else None
        result.append(
            record_object(
                id=rid,
                kind=kind,
                title=title,
                unit=unit,
                tags=tags.get(rid, []),
                date=date,
                end_date=end_date,
                submitted=submitted,
                status=status,
                author=author,
                contact=contact,
                summary=summary,
                source_name=source_name,
                source_hash=source_hash,
                source_info=_json(source_info),
                missing=_json(missing),
                created=created,
                updated=updated,
                deleted=deleted,
                body=body,
                length=lengths.get(rid),
                include_body=include_body,
            )  # fmt: skip
        )
    return result


def json_text(data: Any, *, ascii_only: bool = False) -> str:
    """One JSON value as one compact line, Chinese as it is (``ascii_only``: \\u-escaped, for a
    console that cannot show it): how every JSON array is written one element to a line
    (``cli.common.emit_json``), and what SQLite's ``json_object`` gives."""
    return json.dumps(data, ensure_ascii=ascii_only, separators=(",", ":"), default=str)


def _stamp(column: str) -> str:
    """SQL: ``_iso_datetime`` of a timestamp column in the text SQLAlchemy writes."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE replace(substr({column}, 1, 19), ' ', 'T') "
        f"|| iif(substr({column}, 20) IN ('', '.000000'), '', substr({column}, 20)) || '+00:00' END"
    )


def _usual(column: str) -> str:
    """SQL: the timestamp is NULL or in the text ``_stamp`` rewrites."""
    return f"coalesce(length({column}) IN (19, 26) AND substr({column}, 11, 1) = ' ', 1)"


#: The columns a SQLite query over ``record AS r`` selects for ``json_texts``: the id, the
#: record object before and after its tags (``record_object``'s fields, in its order) as UTF-8
#: bytes, and whether SQLite built it as ``record_object`` would (a stored length and usual
#: timestamps).
JSON_COLUMNS = (
    "r.id, CAST(json_object('id', r.id, 'kind', r.kind, 'title', r.title, "
    "'unit', (SELECT name FROM unit WHERE unit.id = r.unit_id)) AS BLOB), "
    "CAST(json_object('date', substr(r.date, 1, 10), 'end_date', substr(r.end_date, 1, 10), "
    "'submitted', substr(r.submitted, 1, 10), 'status', r.status, 'author', r.author, "
    "'contact', r.contact, 'summary', r.summary, 'source', json_object('name', r.source_name, "
    "'hash', r.source_hash, 'info', json(r.source_info)), 'missing', json(r.missing), "
    f"'created', {_stamp('r.created_at')}, 'updated', {_stamp('r.updated_at')}, "
    f"'deleted', {_stamp('r.deleted_at')}, 'length', json_extract(r.evidence, '$.chars')) AS BLOB), "
    f"json_extract(r.evidence, '$.chars') IS NOT NULL AND {_usual('r.created_at')} AND "
    f"{_usual('r.updated_at')} AND {_usual('r.deleted_at')}"
)
_ALL_TAGS = 1000  # from this many records on, the tags of every record are read in one pass


def json_texts(conn: Any, rows: Sequence[tuple[Any, ...]]) -> list[bytes]:
    """The record objects of ``rows`` (selected with ``JSON_COLUMNS`` from SQLite) as
    ``json_text`` lines in UTF-8, in their order. SQLite builds the JSON: ``list --json`` of
    10,000 records took 265 ms over ``--help`` with Python objects written by the json module,
    112 ms so (``bench/startup.py``). A record written before caselib stored its length, or
    with a timestamp in another form, is built by ``record_object``."""
    if not rows:
        return []
    ids = [int(row[0]) for row in rows]
    own = "" if len(ids) >= _ALL_TAGS else f"WHERE rt.record_id IN ({','.join('?' * len(ids))})"
    tags = dict(
        conn.execute(
            "SELECT record_id, CAST(json_group_array(name) AS BLOB) FROM (SELECT rt.record_id, "
            f"t.name FROM record_tag AS rt JOIN tag AS t ON t.id = rt.tag_id {own} "
            "ORDER BY rt.record_id, rt.position, rt.tag_id) GROUP BY record_id",
            [] if not own else ids,
        )
    )
    others = [int(row[0]) for row in rows if not row[3]]
    built = {o["id"]: json_text(o).encode() for o in load_record_objects(conn, others)}
    return [
        built.get(rid) or b'%s,"tags":%s,%s' % (head[:-1], tags.get(rid, b"[]"), tail[1:])
        for rid, (_, head, tail, _exact) in zip(ids, rows, strict=True)
    ]


def load_record_object(conn: Any, record_id: int) -> dict[str, Any]:
    """One record object with its body (a record in the trash too), read with plain SQL."""
    found = load_record_objects(conn, [record_id], include_body=True)
    if not found:
        raise NotFoundError(f"记录不存在：{record_id}")
    return found[0]


def trashed_ids(conn: Any) -> list[int]:
    """The records in the trash, the most recently deleted first."""
    rows = conn.execute(
        "SELECT id FROM record WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC"
    ).fetchall()
    return [int(row[0]) for row in rows]


def check_record(conn: Any, record_id: int) -> None:
    """NotFoundError unless the record exists (in the trash or not)."""
    if conn.execute("SELECT id FROM record WHERE id = ?", (record_id,)).fetchone() is None:
        raise NotFoundError(f"记录不存在：{record_id}")
