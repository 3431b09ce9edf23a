"""Looking after a library as a whole: backups, copies between libraries (and backends), and
the integrity checks that are not about the full-text index (orphan rows, schema version).

Everything here goes through SQLAlchemy Core over the table definitions in ``tables``, so it
works the same on SQLite and PostgreSQL; what differs (the snapshot, the index) is asked of
the backend modules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, exists, func, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import SQLModel

from caselib.errors import LibraryError, os_reason
from caselib.store import sqlite_backend
from caselib.store import tables as _tables  # noqa: F401  (registers the tables)
from caselib.store.library import Library
from caselib.store.location import mask_url, resolve_url
from caselib.store.meta import SCHEMA_VERSION

_BATCH = 1000
#: Tables a library made by ``init`` fills (the default tag vocabulary).
_VOCABULARY = {"tag", "tag_alias"}


def data_tables() -> list[Table]:
    """Every table that holds the office's data, parents before children (``meta`` left out:
    each library keeps its own)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name != "meta"]


# --------------------------------------------------------------------------------------------
# Backup


def pg_dump_advice(url: str) -> str:
    return (
        f"PostgreSQL 库（{mask_url(url)}）请用数据库自带的工具备份，例如："
        "pg_dump -Fc -f 备份.dump 数据库名 ；恢复：pg_restore -d 数据库名 备份.dump ；"
        "也可用 caselib copy --from 该库 --to 备份.db 复制成一个 SQLite 库文件"
    )


def backup(lib: Library, dest: Path, *, force: bool = False) -> Path:
    """A consistent snapshot of a SQLite library in the new file ``dest`` (0600), taken while
    others may be writing. A PostgreSQL library is backed up with ``pg_dump`` (the message
    says how)."""
    if lib.path is None:
        raise LibraryError(pg_dump_advice(lib.url))
    dest = dest.expanduser().resolve()
    if dest == lib.path.resolve():
        raise LibraryError("备份文件不能是库文件本身")
    if dest.is_dir():
        raise LibraryError(f"备份目标是一个文件夹：{dest}（请给出文件名）")
    if dest.exists() and not force:
        raise LibraryError(f"备份文件已存在：{dest}（加 --force 覆盖）")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        sqlite_backend.snapshot(lib.path, dest)
    except OSError as exc:
        raise LibraryError(f"无法写入备份：{dest}（{os_reason(exc)}）") from exc
    except Exception as exc:  # sqlite3.Error: the library's own trouble
        import sqlite3

        if isinstance(exc, sqlite3.Error):
            raise lib.translate_error(exc) from exc
        raise
    return dest


# --------------------------------------------------------------------------------------------
# Dump (what a copy must preserve)


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(conn: Connection, table: Table) -> list[tuple[Any, ...]]:
    rows = conn.execute(select(table)).all()
    return sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)


def dump(lib: Library) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table's rows, as comparable plain values, in a fixed order."""
    try:
        with lib.engine.connect() as conn:
            return {t.name: _rows(conn, t) for t in data_tables()}
    except (OperationalError, DatabaseError) as exc:
        raise lib.translate_error(exc) from exc


# --------------------------------------------------------------------------------------------
# Copy


def _parents_first(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (a tag's parent) ordered parents first."""
    self_fks = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not self_fks:
        return list(rows)
    child, parent = self_fks[0].parent.name, self_fks[0].column.name
    placed: set[Any] = set()
    pending = list(rows)
    out: list[dict[str, Any]] = []
    while pending:
        ready = [r for r in pending if r[child] is None or r[child] in placed]
        if not ready:  # a cycle cannot be placed: keep the rest as they are
            ready = pending
        out += ready
        placed.update(r[parent] for r in ready)
        ready_ids = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in ready_ids]
    return out


def _batches(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def copy_library(source: str, target: str) -> tuple[Library, int]:
    """Copy every table of the library ``source`` into ``target`` (a path or URL), losslessly
    and in one transaction; returns (target library, records copied). The target is created
    when absent. A target that already holds exactly the same data is left alone (0 records
    copied); one that holds anything else is refused."""
    src_url, dst_url = resolve_url(source), resolve_url(target)
    if src_url == dst_url:
        raise LibraryError("来源库与目标库是同一个库")
    src = Library.open(source)
    dst, created = Library.init(target)
    tables = data_tables()
    try:
        with dst.engine.connect() as conn:
            filled = {
                t.name
                for t in tables
                if conn.execute(select(func.count()).select_from(t)).scalar_one()
            }
    except (OperationalError, DatabaseError) as exc:
        raise dst.translate_error(exc) from exc
    # a library just made by ``caselib init`` holds only the default tag vocabulary: the
    # source's own vocabulary replaces it
    fresh_vocabulary = bool(filled) and filled <= _VOCABULARY
    if filled and not fresh_vocabulary:
        if dump(src) == dump(dst):
            return dst, 0
        raise LibraryError(
            f"目标库已有内容且与来源库不同，未做复制：{mask_url(dst_url)}（请指定一个新的或空的目标库）"
        )
    try:
        with src.engine.connect() as reader, dst.engine.begin() as writer:
            if fresh_vocabulary:
                for table in reversed(tables):
                    if table.name in _VOCABULARY:
                        writer.execute(table.delete())
            for table in tables:
                rows = [dict(r) for r in reader.execute(select(table)).mappings()]
                for batch in _batches(_parents_first(table, rows)):
                    writer.execute(table.insert(), batch)
            dst.after_bulk_load(writer)
            record = tables_by_name()["record"]
            count = int(writer.execute(select(func.count()).select_from(record)).scalar_one())
    except (OperationalError, DatabaseError) as exc:
        if created and dst.path is not None:
            dst.engine.dispose()
            dst.path.unlink(missing_ok=True)
        raise dst.translate_error(exc) from exc
    return dst, count


def tables_by_name() -> dict[str, Table]:
    return {t.name: t for t in SQLModel.metadata.sorted_tables}


# --------------------------------------------------------------------------------------------
# Integrity beyond the index


def orphan_rows(lib: Library) -> list[str]:
    """Rows that refer to a record, tag, unit, bulletin or shortlist that is not there, one
    Chinese line per kind (empty: none)."""
    problems: list[str] = []
    try:
        with lib.engine.connect() as conn:
            for table in data_tables():
                for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                    child = fk.parent
                    target = fk.column.table.alias("target")  # may be the table itself
                    parent = target.c[fk.column.name]
                    query = (
                        select(func.count())
                        .select_from(table)
                        .where(child.isnot(None))
                        .where(~exists().where(parent == child))
                    )
                    n = int(conn.execute(query).scalar_one())
                    if n:
                        problems.append(
                            f"表 {table.name} 有 {n} 行的 {child.name} 指向不存在的"
                            f" {fk.column.table.name}（孤立行）"
                        )
    except (OperationalError, DatabaseError) as exc:
        raise lib.translate_error(exc) from exc
    return problems


def schema_problems(lib: Library) -> list[str]:
    """The schema version and every table and column the version promises (empty: all there)."""
    problems: list[str] = []
    version = lib.schema_version
    if version != SCHEMA_VERSION:
        problems.append(
            f"库结构版本为 {version}，本程序为 {SCHEMA_VERSION}（运行 caselib upgrade）"
        )
    try:
        with lib.engine.connect() as conn:
            found = inspect(conn)
            names = set(found.get_table_names())
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in names:
                    problems.append(f"缺少表：{table.name}")
                    continue
                have = {c["name"] for c in found.get_columns(table.name)}
                lacking = [c.name for c in table.columns if c.name not in have]
                if lacking:
                    problems.append(f"表 {table.name} 缺少列：{'、'.join(lacking)}")
    except (OperationalError, DatabaseError) as exc:
        raise lib.translate_error(exc) from exc
    return problems
