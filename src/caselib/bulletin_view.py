"""Bulletins as the read commands show them (``bulletins``, ``bulletin show``), read with plain
SQL on the read path's connection (``store.reader``): no ORM. Finding an issue by its number is
here too, and ``bulletins`` (which writes) finds through it."""

from __future__ import annotations

import re
from typing import Any

from caselib.errors import InvalidInputError, NotFoundError
from caselib.store.recordjson import load_record_objects

DISTRIBUTION_KEYS = ("报", "送", "发")
_REF = re.compile(r"^(\d{4})\s*[-/年第]\s*(\d+)\s*期?$")


def find_bulletin(conn: Any, ref: str | int, series: str | None = None) -> int:
    """The id of a bulletin given by id, or by "YEAR-NUMBER" (2022-13, 2022年第13期) within
    ``series``."""
    text = str(ref).strip()
    if text.isdigit():
        if conn.execute("SELECT id FROM bulletin WHERE id = ?", (int(text),)).fetchone() is None:
            raise NotFoundError(f"简报不存在：{text}")
        return int(text)
    match = _REF.match(text)
    if not match:
        raise InvalidInputError(f"简报编号应为数字编号或“年份-期号”（如 2022-13），而不是“{text}”")
    year, number = int(match.group(1)), int(match.group(2))
    sql = "SELECT id, series FROM bulletin WHERE year = ? AND number = ?"
    params: list[Any] = [year, number]
    if series:
        sql += " AND series = ?"
        params.append(series)
    found = conn.execute(sql, params).fetchall()
    if not found:
        raise NotFoundError(f"简报不存在：{year} 年第 {number} 期")
    if len(found) > 1:
        names = "、".join(name for _id, name in found)
        raise InvalidInputError(f"{year} 年第 {number} 期有多个系列（{names}），请用 --series 指定")
    return int(found[0][0])


def bulletin_ids(conn: Any, series: str | None = None) -> list[int]:
    """The bulletins (of ``series``), newest first."""
    sql = "SELECT id FROM bulletin"
    params: list[Any] = []
    if series:
        sql += " WHERE series = ?"
        params.append(series)
    rows = conn.execute(sql + " ORDER BY date DESC, number DESC", params).fetchall()
    return [int(row[0]) for row in rows]


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def bulletin_object(conn: Any, bulletin_id: int, *, records: bool = True) -> dict[str, Any]:
    """The ``bulletin show --json`` object (field names documented in the README); with
    ``records=False`` the number of records instead of the records (``bulletins --json``)."""
    (bid, series, number, year, date, office, note, distribution, copies, source) = conn.execute(
        "SELECT id, series, number, year, date, office, editor_note, distribution, copies, "
        "source_name FROM bulletin WHERE id = ?",
        (bulletin_id,),
    ).fetchone()
    shares = _json(distribution) or {}
    data: dict[str, Any] = {
        "id": int(bid),
        "series": series,
        "number": int(number),
        "year": int(year),
        "date": str(date)[:10],
        "office": office,
        "editor_note": note,
        "distribution": {k: list(shares.get(k, [])) for k in DISTRIBUTION_KEYS},
        "copies": copies,
        "source": source,
    }
    ids = [
        int(row[0])
        for row in conn.execute(
            "SELECT record_id FROM bulletin_record WHERE bulletin_id = ? ORDER BY position",
            (bulletin_id,),
        )
    ]
    if records:
        data["records"] = load_record_objects(conn, ids, include_body=True)
    else:
        data["record_count"] = len(ids)
    return data
