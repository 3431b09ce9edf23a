"""What an export covers and where it goes: the output format from ``--format`` or the file's
suffix, the output file or folder, and the selection of records (ids, filters, a shortlist or a
bulletin issue), checked before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caselib.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from sqlmodel import Session

    from caselib.search import SearchFilters
    from caselib.store.tables import Bulletin, Record


FORMATS = ("md", "json", "csv", "xlsx", "docx", "pdf")
_SUFFIX_FORMATS = {
    ".docx": "docx",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".json": "json",
}
# Suffixes that name a kind of file: an output called so must be that kind. Any other suffix
# ("第14期.终稿") is part of the name, and the format's own suffix is added to it.
FILE_SUFFIXES = frozenset(
    {*_SUFFIX_FORMATS, ".md", ".markdown", ".txt", ".pdf", ".doc", ".dotx", ".wps", ".xls",
     ".ods", ".odt", ".rtf", ".html", ".htm", ".xml", ".zip", ".png", ".jpg"}
)  # fmt: skip
IN_CHUNK = 900  # bound parameters per IN (...) query


def resolve_format(fmt: str | None, output: Path | None, *, folder: bool = False) -> str:
    """The export format: as given, else from the output's suffix (.docx, .pdf, .xlsx, .csv, .json);
    Markdown when the output is a folder (an existing one, ``folder``: written with a trailing
    slash, or a name without a file's suffix: ``-o 2022.11备份``). An unknown format, or an
    output suffix that names another kind of file (``-o 简报.pdf``), raises
    ``InvalidInputError``."""
    if fmt is None:
        suffix = output.suffix.lower() if output is not None else ""
        if suffix in _SUFFIX_FORMATS and not (folder or (output and output.is_dir())):
            return _SUFFIX_FORMATS[suffix]
        if output is None or folder or output.is_dir() or suffix not in FILE_SUFFIXES:
            return "md"
        raise InvalidInputError(
            f"无法按扩展名 {output.suffix} 导出：可用 .docx、.pdf、.xlsx、.csv、.json，"
            "md 导出到文件夹；也可用 --format 指定格式"
        )
    cleaned = fmt.strip().lower().lstrip(".")
    if cleaned in ("markdown",):
        cleaned = "md"
    if cleaned not in FORMATS:
        raise InvalidInputError(f"不支持的导出格式：{fmt}（可用：{'、'.join(FORMATS)}）")
    return cleaned


def output_path(fmt: str, output: Path, *, folder: bool = False) -> Path:
    """Where an export in ``fmt`` goes, checked before anything is written.

    Markdown goes to a folder (one file per record): ``output`` is made if missing, but not
    its parent, and a name with a file's suffix (``备份.pdf``) is refused. Other formats go to
    a file: ``output`` itself when its suffix is the format's; with the suffix added when it
    has none (``-o 简报第14期`` → 简报第14期.docx); refused when its suffix names another kind of
    file (``-o 简报.pdf`` with docx). A folder (existing, or written with a trailing slash)
    must exist and gets a name chosen inside it (``output_file``). A missing folder is
    reported (``InvalidInputError``), never made silently.
    """
    if fmt == "md":
        if not output.is_dir() and not folder and output.suffix.lower() in FILE_SUFFIXES:
            raise InvalidInputError(
                f"md 格式每条记录导出为一个文件，-o 应给出文件夹（如 备份/），而不是“{output.name}”"
            )
        _parent_exists(output)
        return output
    if folder or output.is_dir():
        if not output.is_dir():
            raise InvalidInputError(f"输出文件夹不存在：{output}（请先创建）")
        return output
    expected = f".{fmt}"
    suffix = output.suffix.lower()
    if suffix != expected:
        if suffix in FILE_SUFFIXES:
            raise InvalidInputError(
                f"输出文件“{output.name}”的扩展名与导出格式 {fmt} 不符：请改为 {expected}"
            )
        output = output.with_name(output.name + expected)
    _parent_exists(output)
    return output


def _parent_exists(output: Path) -> None:
    parent = output.parent
    if not parent.is_dir():
        what = "不是文件夹" if parent.exists() else "不存在"
        raise InvalidInputError(f"输出位置所在的文件夹{what}：{parent}（请先创建）")


def output_file(output: Path, default_name: str, *, folder: bool = False) -> Path:
    """``output`` itself, or ``output/default_name`` when it is an existing folder or
    ``folder`` says it is meant as one (the user wrote a trailing slash)."""
    return output / default_name if folder or output.is_dir() else output


# ---------------------------------------------------------------------------------------------
# Selection


@dataclass
class Selection:
    """The records to export, in export order; ``bulletin`` when an issue was selected."""

    ids: list[int]
    bulletin: Bulletin | None = None
    label: str = ""


def _has_filters(filters: SearchFilters | None) -> bool:
    if filters is None:
        return False
    return bool(
        filters.tags
        or filters.any_tags
        or filters.unit is not None
        or filters.kind is not None
        or filters.status is not None
        or filters.since is not None
        or filters.until is not None
    )


def check_selection(
    *,
    ids: Sequence[int] = (),
    all_records: bool = False,
    shortlist: str | None = None,
    bulletin: str | None = None,
    filters: SearchFilters | None = None,
) -> None:
    """``InvalidInputError`` unless exactly one way of selecting records is given (checked
    before the library is opened, so the message is about what matters)."""
    ways = [
        name
        for name, given in (
            ("记录编号", bool(ids)),
            ("--all", all_records),
            ("--shortlist", shortlist is not None),
            ("--bulletin", bulletin is not None),
            ("筛选条件", _has_filters(filters)),
        )
        if given
    ]
    if not ways:
        raise InvalidInputError(
            "请指定要导出的记录：记录编号、--all、--shortlist、--bulletin 或筛选条件（--tag、--unit 等）"
        )
    if len(ways) > 1:
        raise InvalidInputError(f"只能用一种方式选择要导出的记录（现在给出了：{'、'.join(ways)}）")


def select_records(
    db: Any,
    *,
    ids: Sequence[int] = (),
    all_records: bool = False,
    shortlist: str | None = None,
    bulletin: str | None = None,
    series: str | None = None,
    filters: SearchFilters | None = None,
) -> Selection:
    """The records chosen by exactly one of: ``ids`` (in the given order), ``all_records``
    (every live record, by id), ``shortlist`` (its order), ``bulletin`` (an issue by id or
    "2022-13", ``series`` telling same-numbered issues of two series apart; its records in
    order, trashed ones included, since the issue printed them) or ``filters`` (the
    ``list``/``search`` filters, by id).

    ``db``: an ORM session; ids, ``all_records`` and filters are read with plain SQL, so for
    them a plain-SQL connection (``store.reader.connect``) does as well.

    Refused with ``InvalidInputError``: no way or several, an empty result, a record in the
    trash named by id or in the shortlist. Unknown records, shortlists, bulletins, tags and
    units raise ``NotFoundError``.
    """
    from caselib.choose.ranking import plain_connection

    check_selection(
        ids=ids, all_records=all_records, shortlist=shortlist, bulletin=bulletin, filters=filters
    )
    if shortlist is not None:
        from caselib.choose.shortlists import show_shortlist

        view = show_shortlist(db, shortlist)
        for entry in view.items:
            if entry.trashed:
                raise InvalidInputError(
                    f"入围名单“{view.name}”中的记录 {entry.record_id} 在回收站中"
                    "（请先恢复，或把它移出名单）"
                )
        return _non_empty(
            Selection(view.record_ids, label=f"入围名单“{view.name}”"),
            f"入围名单“{view.name}”是空的，未导出任何内容",
        )
    if bulletin is not None:
        from caselib.bulletins import bulletin_records, get_bulletin

        issue = get_bulletin(db, bulletin, series)
        found = [int(r.id) for r in bulletin_records(db, issue) if r.id is not None]
        label = f"{issue.series} {issue.year} 年第 {issue.number} 期"
        return _non_empty(Selection(found, issue, label), f"简报 {label} 中没有记录")
    conn = plain_connection(db)
    if ids:
        chosen = list(dict.fromkeys(ids))
        trashed: dict[int, bool] = {}
        for start in range(0, len(chosen), IN_CHUNK):
            chunk = chosen[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for rid, deleted in conn.execute(
                f"SELECT id, deleted_at FROM record WHERE id IN ({marks})", chunk
            ).fetchall():
                trashed[int(rid)] = deleted is not None
        for rid in chosen:
            if rid not in trashed:
                raise NotFoundError(f"记录不存在：{rid}")
            if trashed[rid]:
                raise InvalidInputError(
                    f"记录 {rid} 在回收站中，不能导出（请先 caselib restore {rid}）"
                )
        return Selection(chosen, label="记录" + "、".join(str(i) for i in chosen))
    if all_records:
        sql = "SELECT id FROM record WHERE deleted_at IS NULL ORDER BY id"
        found = [int(row[0]) for row in conn.execute(sql).fetchall()]
        return _non_empty(Selection(found, label="全部记录"), "库中没有记录，未导出任何内容")
    from caselib.search import filter_clause

    where, params = filter_clause(conn, filters)
    sql = f"SELECT r.id FROM record AS r WHERE {where} ORDER BY r.id"
    found = [int(row[0]) for row in conn.execute(sql, params).fetchall()]
    return _non_empty(
        Selection(found, label=_filters_label(filters)), "没有符合筛选条件的记录，未导出任何内容"
    )


def _filters_label(filters: SearchFilters | None) -> str:
    """A short description of the filters, e.g. “共同缔造_机关党委”, to name an output file."""
    from caselib.store.meta import KIND_LABELS, STATUS_LABELS

    if filters is None:
        return "筛选结果"
    parts = [*filters.tags]
    if filters.any_tags:
        parts.append("或".join(filters.any_tags))
    if filters.unit:
        parts.append(filters.unit)
    if filters.kind:
        parts.append(KIND_LABELS.get(filters.kind, filters.kind))
    if filters.status:
        parts.append(STATUS_LABELS.get(filters.status, filters.status))
    if filters.since or filters.until:
        since = filters.since.isoformat() if filters.since else ""
        until = filters.until.isoformat() if filters.until else ""
        parts.append(f"{since}至{until}")
    return "_".join(parts) or "筛选结果"


def _non_empty(selection: Selection, message: str) -> Selection:
    if not selection.ids:
        raise InvalidInputError(message)
    return selection


def load_records(session: Session, ids: Sequence[int]) -> list[Record]:
    """The records of ``ids`` in that order, units and tags loaded with them (a few queries
    for any number of records, not one per record)."""
    from sqlalchemy.orm import selectinload
    from sqlmodel import col, select

    from caselib.store.tables import Record

    found: dict[int, Record] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_CHUNK):
        chunk = unique[start : start + IN_CHUNK]
        query = (
            select(Record)
            .where(col(Record.id).in_(chunk))
            .options(selectinload(Record.unit), selectinload(Record.tags))  # type: ignore[arg-type]
        )
        for record in session.exec(query).all():
            found[int(record.id or 0)] = record
    missing = [i for i in unique if i not in found]
    if missing:
        raise NotFoundError(f"记录不存在：{missing[0]}")
    return [found[i] for i in ids]
