"""``caselib list``: the records passing the filters, in the order asked for, as ids or as the
JSON objects of ``list --json`` (built by SQLite, ``recordjson.JSON_COLUMNS``)."""

from __future__ import annotations

from typing import Any

from caselib.errors import InvalidInputError
from caselib.search import (
    DATE_ORDER,
    SearchFilters,
    filter_clause,
    is_postgres,
    no_limit,
    run_query,
)
from caselib.store import recordjson

#: ``caselib list --sort``: date (newest first, undated last), id, title, unit, updated.
SORT_ORDERS = {
    "date": DATE_ORDER,
    "id": "r.id",
    "title": "r.title, r.id",
    "unit": "(SELECT name FROM unit WHERE unit.id = r.unit_id), r.date DESC, r.id",
    "updated": "r.updated_at DESC, r.id DESC",
}


def _filtered(
    conn: Any,
    columns: str,
    filters: SearchFilters | None,
    sort: str,
    limit: int | None,
    offset: int,
) -> list[Any]:
    if sort not in SORT_ORDERS:
        raise InvalidInputError(f"排序方式无效：{sort}（可选：{'、'.join(SORT_ORDERS)}）")
    if (limit is not None and limit < 0) or offset < 0:
        raise InvalidInputError("--limit 与 --offset 不能为负数")
    where, params = filter_clause(conn, filters)
    sql = f"SELECT {columns} FROM record AS r WHERE {where} ORDER BY {SORT_ORDERS[sort]} "
    limit = no_limit(conn) if limit is None else limit
    return run_query(conn, sql + "LIMIT ? OFFSET ?", [*params, limit, offset])


def filtered_ids(
    conn: Any,
    filters: SearchFilters | None = None,
    *,
    sort: str = "date",
    limit: int | None = None,
    offset: int = 0,
) -> list[int]:
    """Ids of the records passing ``filters`` in ``sort`` order."""
    return [int(row[0]) for row in _filtered(conn, "r.id", filters, sort, limit, offset)]


def filtered_json(
    conn: Any,
    filters: SearchFilters | None = None,
    *,
    sort: str = "date",
    limit: int | None = None,
    offset: int = 0,
) -> list[bytes]:
    """The record objects of ``filtered_ids`` as JSON text in UTF-8, one line each."""
    if is_postgres(conn):
        ids = filtered_ids(conn, filters, sort=sort, limit=limit, offset=offset)
        objects = recordjson.load_record_objects(conn, ids)
        return [recordjson.json_text(o).encode() for o in objects]
    rows = _filtered(conn, recordjson.JSON_COLUMNS, filters, sort, limit, offset)
    return recordjson.json_texts(conn, rows)
