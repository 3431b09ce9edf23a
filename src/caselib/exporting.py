"""Exporting records: Markdown (the import format, lossless), JSON, CSV and XLSX tables (one row
per record, with ranking scores), and DOCX: a 简报 issue (recorded as a bulletin) or a
compilation (汇编) with a cover and a table of contents.

The functions take an open session and flush but never commit: the caller's unit of work
decides. Files are written through ``fileio.atomic_write`` (a temporary file renamed into
place), so an interrupted or refused export leaves an existing file as it was, and every
target is checked before anything is written. python-docx and openpyxl are imported inside the
functions that need them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from caselib.errors import InvalidInputError, NotFoundError
from caselib.fileio import atomic_write, atomic_write_text, check_writable, safe_filename
from caselib.models import Bulletin, Record
from caselib.textproc import split_recipients

if TYPE_CHECKING:
    from caselib.docx_writer import Article, BulletinSpec
    from caselib.rubric import Config
    from caselib.search import SearchFilters

FORMATS = ("md", "json", "csv", "xlsx", "docx")
_SUFFIX_FORMATS = {".docx": "docx", ".xlsx": "xlsx", ".csv": "csv", ".json": "json"}
DISTRIBUTION_KEYS = ("报", "送", "发")
_IN_CHUNK = 900  # bound parameters per IN (...) query


def resolve_format(fmt: str | None, output: Path | None) -> str:
    """The export format: as given, else from the output's suffix (.docx, .xlsx, .csv, .json),
    else Markdown. An unknown format raises ``InvalidInputError``."""
    if fmt is None:
        suffix = output.suffix.lower() if output is not None else ""
        return _SUFFIX_FORMATS.get(suffix, "md")
    cleaned = fmt.strip().lower().lstrip(".")
    if cleaned in ("markdown",):
        cleaned = "md"
    if cleaned not in FORMATS:
        raise InvalidInputError(f"不支持的导出格式：{fmt}（可用：{'、'.join(FORMATS)}）")
    return cleaned


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
    session: Session,
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

    Refused with ``InvalidInputError``: no way or several, an empty result, a record in the
    trash named by id or in the shortlist. Unknown records, shortlists, bulletins, tags and
    units raise ``NotFoundError``.
    """
    check_selection(
        ids=ids, all_records=all_records, shortlist=shortlist, bulletin=bulletin, filters=filters
    )
    if ids:
        from caselib.records import get_record

        chosen = list(dict.fromkeys(ids))
        for rid in chosen:
            if get_record(session, rid).deleted_at is not None:
                raise InvalidInputError(
                    f"记录 {rid} 在回收站中，不能导出（请先 caselib restore {rid}）"
                )
        return Selection(chosen, label="记录" + "、".join(str(i) for i in chosen))
    if all_records:
        query = select(Record.id).where(col(Record.deleted_at).is_(None)).order_by(col(Record.id))
        found = [int(i) for i in session.exec(query).all() if i is not None]
        return _non_empty(Selection(found, label="全部记录"), "库中没有记录，未导出任何内容")
    if shortlist is not None:
        from caselib.shortlists import show_shortlist

        view = show_shortlist(session, shortlist)
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

        issue = get_bulletin(session, bulletin, series)
        found = [int(r.id) for r in bulletin_records(session, issue) if r.id is not None]
        label = f"{issue.series} {issue.year} 年第 {issue.number} 期"
        return _non_empty(Selection(found, issue, label), f"简报 {label} 中没有记录")
    from caselib.records import raw_sqlite
    from caselib.search import filter_clause

    raw = raw_sqlite(session)
    where, params = filter_clause(raw, filters)
    sql = f"SELECT r.id FROM record AS r WHERE {where} ORDER BY r.id"
    found = [int(row[0]) for row in raw.execute(sql, params).fetchall()]
    return _non_empty(
        Selection(found, label=_filters_label(filters)), "没有符合筛选条件的记录，未导出任何内容"
    )


def _filters_label(filters: SearchFilters | None) -> str:
    """A short description of the filters, e.g. “共同缔造_机关党委”, to name an output file."""
    from caselib.meta import KIND_LABELS, STATUS_LABELS

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

    found: dict[int, Record] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
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


# ---------------------------------------------------------------------------------------------
# Markdown and JSON


def markdown_filename(record: Record) -> str:
    return safe_filename(f"{record.id:04d}-{record.title}", ".md")


def markdown_targets(records: list[Record], outdir: Path) -> list[Path]:
    if outdir.exists() and not outdir.is_dir():
        raise InvalidInputError(f"输出位置应为文件夹：{outdir}")
    return [outdir / markdown_filename(r) for r in records]


def export_markdown(records: list[Record], outdir: Path, *, force: bool = False) -> list[Path]:
    """One Markdown file per record in ``outdir``. Every target is checked before anything is
    written, so a refused export writes nothing."""
    from caselib.markdown import render_record
    from caselib.records import record_to_input

    targets = markdown_targets(records, outdir)
    for target in targets:
        check_writable(target, force)
    for record, target in zip(records, targets, strict=True):
        atomic_write_text(target, render_record(record_to_input(record).model_dump()), force=force)
    return targets


def records_json(session: Session, records: list[Record]) -> list[dict[str, Any]]:
    """The ``--json`` record objects, with bodies."""
    from caselib.records import record_to_json

    return [record_to_json(r, body=True) for r in records]


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def export_json(
    session: Session, records: list[Record], target: Path, *, force: bool = False
) -> int:
    """The record objects as a JSON array in ``target``; returns the number of records."""
    data = records_json(session, records)
    atomic_write_text(target, json_text(data), force=force)
    return len(data)


# ---------------------------------------------------------------------------------------------
# Tables: CSV and XLSX

TABLE_HEADERS = (
    "编号",
    "类型",
    "标题",
    "单位",
    "标签",
    "事件日期",
    "报送日期",
    "状态",
    "评分",
    "评审数",
    "报送",
    "采用",
    "字数",
)
_SCORE_COLUMN = 8
_MAX_WIDTH = 60  # characters of the widest column
_MIN_WIDTH = 6


def table_rows(
    session: Session,
    ids: Sequence[int],
    *,
    config: Config,
    reference_date: dt.date,
) -> list[list[Any]]:
    """One row per record (``TABLE_HEADERS``), in the order of ``ids``.

    评分 is the record's score in the ranking of the whole library at ``reference_date`` (what
    ``caselib rank`` shows without filters; empty for a record in the trash); 评审数 counts the
    current reviews; 报送 lists "对象（日期）" and 采用 "载体（级别，日期）", joined by "；";
    字数 counts the characters of the body (as ``show`` does). Values keep their types (int,
    float, date; None for an empty cell) for XLSX; ``csv_value`` turns them into text.
    """
    from sqlalchemy import String, literal_column, type_coerce
    from sqlalchemy import select as sa_select

    from caselib.meta import KIND_LABELS, STATUS_LABELS
    from caselib.models import Adoption, RecordTag, Report, Review, Tag, Unit
    from caselib.ranking import rank

    wanted = list(dict.fromkeys(ids))
    wanted_set = set(wanted)
    conn = session.connection()

    # IN lists for a small selection; for a big one a single unrestricted query, filtered
    # here, is cheaper than thousands of bound parameters.
    if len(wanted) > _IN_CHUNK:
        chunks: list[list[int]] = [[]]
    else:
        chunks = [wanted[i : i + _IN_CHUNK] for i in range(0, len(wanted), _IN_CHUNK)]

    def fetch(query: Any, column: Any) -> list[Any]:
        rows: list[Any] = []
        for chunk in chunks:
            q = query.where(column.in_(chunk)) if chunk else query
            rows.extend(r for r in conn.execute(q).all() if r[0] in wanted_set)
        return rows

    if session.get_bind().dialect.name == "sqlite":
        # The body's length computed by SQLite (JSON1) instead of fetching and parsing every
        # body: a third of the time of a 10,000-row table.
        length: Any = literal_column(
            "(SELECT total(length(json_extract(j.value, '$.text'))) FROM json_each(record.body) AS j)"
        )
    else:
        length = type_coerce(col(Record.body), String)
    base: dict[int, Any] = {
        row[0]: row
        for row in fetch(
            sa_select(
                col(Record.id),
                col(Record.kind),
                col(Record.title),
                col(Unit.name),
                col(Record.date),
                col(Record.submitted),
                col(Record.status),
                length,
            ).join(Unit, col(Unit.id) == col(Record.unit_id)),
            col(Record.id),
        )
    }
    missing = [i for i in wanted if i not in base]
    if missing:
        raise NotFoundError(f"记录不存在：{missing[0]}")

    tags: dict[int, list[str]] = defaultdict(list)
    for rid, name in fetch(
        sa_select(col(RecordTag.record_id), col(Tag.name))
        .join(Tag, col(Tag.id) == col(RecordTag.tag_id))
        .order_by(col(RecordTag.record_id), col(RecordTag.position), col(RecordTag.tag_id)),
        col(RecordTag.record_id),
    ):
        tags[rid].append(name)

    reviews: dict[int, int] = defaultdict(int)
    for (rid,) in fetch(
        sa_select(col(Review.record_id)).where(col(Review.superseded_at).is_(None)),
        col(Review.record_id),
    ):
        reviews[rid] += 1

    reports: dict[int, list[str]] = defaultdict(list)
    for rid, to, date in fetch(
        sa_select(col(Report.record_id), col(Report.to), col(Report.date)).order_by(
            col(Report.date), col(Report.id)
        ),
        col(Report.record_id),
    ):
        reports[rid].append(f"{to}（{date.isoformat()}）")

    adoptions: dict[int, list[str]] = defaultdict(list)
    for rid, by, level, date in fetch(
        sa_select(
            col(Adoption.record_id), col(Adoption.by), col(Adoption.level), col(Adoption.date)
        ).order_by(col(Adoption.date), col(Adoption.id)),
        col(Adoption.record_id),
    ):
        adoptions[rid].append(f"{by}（{level}，{date.isoformat()}）")

    scores = {r.id: r.score for r in rank(session, reference_date=reference_date, config=config)}

    out: list[list[Any]] = []
    for rid in wanted:
        _id, kind, title, unit, date, submitted, status, body = base[rid]
        score = scores.get(rid)
        out.append(
            [
                rid,
                KIND_LABELS.get(kind, kind),
                title,
                unit,
                "、".join(tags[rid]) if rid in tags else None,
                date,
                submitted,
                STATUS_LABELS.get(status, status),
                None if score is None else round(score, 2),
                reviews.get(rid, 0),
                "；".join(reports[rid]) if rid in reports else None,
                "；".join(adoptions[rid]) if rid in adoptions else None,
                _body_length(body),
            ]
        )
    return out


def _body_length(body: Any) -> int:
    """Characters of text in a stored body (``record_to_json``'s "length"), from the number
    SQLite computed or from the JSON text."""
    if isinstance(body, int | float):
        return int(body)
    from caselib.sqlite_backend import body_texts

    return sum(len(text) for text in body_texts(body))


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_csv(target: Path, rows: list[list[Any]], *, force: bool = False) -> None:
    """The rows as CSV in UTF-8 with a byte-order mark (so Excel reads the Chinese), CRLF line
    ends, headers in Chinese."""
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TABLE_HEADERS)
    writer.writerows([csv_value(v) for v in row] for row in rows)
    atomic_write_text(target, buffer.getvalue(), force=force, encoding="utf-8-sig")


# Blocks whose assigned characters are all East Asian Wide (W) or Fullwidth (F) in Unicode's
# EastAsianWidth.txt: Hangul Jamo, CJK radicals, symbols and punctuation (，。、“ ” are not
# here: “ ” are "ambiguous"), kana, CJK ideographs and extensions, Yi, Hangul syllables,
# compatibility ideographs, vertical and small forms, full-width forms (，：（）！). Removing
# them with one regex is ten times faster than asking ``unicodedata`` for every character of a
# 10,000-row table; the few characters left are asked one by one, so the result is exact.
_ALL_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u3247\u3250-\u4dbf\u4e00-\ua4cf\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff01-\uff60\uffe0-\uffe6"
    "\U00020000-\U0002fffd\U00030000-\U0003fffd]+"
)


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: East Asian wide and full-width characters
    (汉字, full-width punctuation such as ，。：（）) count 2, the rest 1."""
    if text.isascii():
        return len(text)
    rest = _ALL_WIDE.sub("", text)
    wide = len(text) - len(rest)
    if not rest.isascii():
        from unicodedata import east_asian_width

        wide += sum(1 for ch in rest if not ch.isascii() and east_asian_width(ch) in ("W", "F"))
    return len(text) + wide


def column_widths(rows: list[list[Any]]) -> list[float]:
    """Width of each column (in characters of the default font): the widest value or header
    plus a margin, between ``_MIN_WIDTH`` and ``_MAX_WIDTH``."""
    widths = [display_width(h) for h in TABLE_HEADERS]
    for row in rows:
        for i, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                # Beyond the cap the exact width no longer matters.
                w = display_width(value[: _MAX_WIDTH + 1])
            elif isinstance(value, dt.date):
                w = 10
            else:
                w = len(csv_value(value))
            if w > widths[i]:
                widths[i] = w
    return [float(min(_MAX_WIDTH, max(_MIN_WIDTH, w + 2))) for w in widths]


def export_xlsx(
    target: Path,
    rows: list[list[Any]],
    *,
    force: bool = False,
    sheet_title: str = "记录",
    write_only: bool = True,
) -> None:
    """The rows as an XLSX workbook: bold header row frozen (panes at A2) with an autofilter,
    column widths fitted to the Chinese text, dates and scores as typed cells.

    ``write_only`` streams the rows (openpyxl's write-only mode: about half the time and a
    fraction of the memory for 10,000 rows); ``False`` builds the sheet in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    last = get_column_letter(len(TABLE_HEADERS))
    widths = column_widths(rows)
    wb = Workbook(write_only=write_only)
    ws: Any = wb.create_sheet(sheet_title) if write_only else wb.active
    ws.title = sheet_title
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    if write_only:
        header = []
        for name in TABLE_HEADERS:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
    else:
        ws.append(list(TABLE_HEADERS))
        for cell in ws[1]:
            cell.font = bold
    # One styled cell for every score: a write-only sheet writes each row as it is appended,
    # so the cell can be reused (a new styled cell per row costs an eighth of the export).
    score_cell = WriteOnlyCell(ws)
    score_cell.number_format = "0.00"
    for row in rows:
        score = row[_SCORE_COLUMN]
        if score is not None and write_only:
            score_cell.value = score
            row = [*row[:_SCORE_COLUMN], score_cell, *row[_SCORE_COLUMN + 1 :]]
        ws.append(row)
    if not write_only:
        for cells in ws.iter_rows(min_row=2, min_col=_SCORE_COLUMN + 1, max_col=_SCORE_COLUMN + 1):
            cells[0].number_format = "0.00"

    def write(handle: IO[bytes]) -> None:
        wb.save(handle)

    atomic_write(target, write, force=force)


# ---------------------------------------------------------------------------------------------
# DOCX: articles, bulletin issues and compilations


def record_article(record: Record) -> Article:
    """A record as the DOCX writer's article."""
    from caselib.docx_writer import Article
    from caselib.records import record_blocks

    return Article(
        title=record.title, unit=record.unit.name, kind=record.kind, blocks=record_blocks(record)
    )


def split_names(values: Sequence[str] | None) -> list[str]:
    """Distribution names from repeated options (see ``textproc.split_recipients``)."""
    return split_recipients(values or ())


def read_editor_note(path: Path) -> str:
    """The 编者按 from a UTF-8 text file (a byte-order mark is fine). Lines wrapped in the file
    are joined (without a space between Chinese characters); a leading "编者按：" is kept out,
    since the bulletin adds it."""
    if not path.is_file():
        raise NotFoundError(f"找不到编者按文件：{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"无法读取编者按文件 {path}：{exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"编者按文件不是 UTF-8 编码：{path}（请另存为 UTF-8 后再试）"
        ) from exc
    return clean_editor_note(text)


def clean_editor_note(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    joined = ""
    for line in lines:
        if joined and joined[-1].isascii() and line[0].isascii():
            joined += " "
        joined += line
    joined = re.sub(r"^编者按\s*[：:]\s*", "", joined)
    if not joined:
        raise InvalidInputError("编者按是空的")
    return joined


def check_template(path: Path) -> Path:
    """``path`` if it is a Word document or template (.docx/.dotx), else a one-line error."""
    if not path.is_file():
        raise NotFoundError(f"找不到模板文件：{path}")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInputError(
            f"模板不是有效的 Word 文档（.docx/.dotx）：{path}（.doc 请先另存为 .docx）"
        ) from exc
    if "word/document.xml" not in names or b"wordprocessingml" not in types:
        raise InvalidInputError(f"模板不是有效的 Word 文档（.docx/.dotx）：{path}")
    return path


@dataclass
class BulletinRequest:
    """What the user asked for an issue; ``None`` (or a missing distribution key) means "as
    the series had it last time" or the default. ``distribution`` keys are 报, 送, 发."""

    series: str | None = None
    number: int | None = None
    date: dt.date | None = None
    office: str | None = None
    editor_note: str | None = None
    distribution: dict[str, list[str]] = field(default_factory=dict)
    copies: int | None = None


def plan_bulletin(session: Session, request: BulletinRequest, *, today: dt.date) -> BulletinSpec:
    """The issue to write, defaults filled in: the series of the latest bulletin when none is
    named; its office and distribution from the series' latest issue
    (``bulletins.series_settings``); the date ``today``; the number the next of the series in
    that year. An issue that already exists is refused (``ConflictError``) here, before
    anything is written; so are a number or print run below 1 and a missing office."""
    from caselib.bulletins import list_bulletins, next_number, series_settings
    from caselib.docx_writer import BulletinSpec

    if request.number is not None and request.number < 1:
        raise InvalidInputError(f"期号必须是正整数：{request.number}")
    if request.copies is not None and request.copies < 1:
        raise InvalidInputError(f"印数必须是正整数：{request.copies}")
    series = (request.series or "").strip()
    if not series:
        latest = list_bulletins(session)
        if not latest:
            raise InvalidInputError("请用 --series 指定简报名称（库中还没有往期简报可以沿用）")
        series = latest[0].series
    settings = series_settings(session, series)
    office = (request.office or "").strip() or settings.office
    if not office:
        raise InvalidInputError(f"请用 --office 指定编印单位（简报“{series}”还没有往期可以沿用）")
    remembered = settings.distribution or {}
    distribution: dict[str, list[str]] = {}
    for key in DISTRIBUTION_KEYS:
        names = request.distribution[key] if key in request.distribution else remembered.get(key)
        if names:
            distribution[key] = list(names)
    date = request.date or today
    number = request.number or next_number(session, series, date.year)
    check_issue_free(session, series, date.year, number)
    return BulletinSpec(
        series=series,
        number=number,
        date=date,
        office=office,
        editor_note=request.editor_note,
        distribution=distribution,
        copies=request.copies,
    )


def similar_series(session: Session, series: str) -> list[str]:
    """Existing series names close to ``series`` (a hint when a name starts a new series)."""
    import difflib

    names = sorted(set(session.exec(select(Bulletin.series)).all()))
    if series in names:
        return []
    close = difflib.get_close_matches(series, names, n=3, cutoff=0.6)
    return close or [n for n in names if series in n or n in series][:3]


def check_issue_free(session: Session, series: str, year: int, number: int) -> None:
    """``bulletins.check_issue_free`` with a hint on what to do instead."""
    from caselib.bulletins import check_issue_free as check

    check(
        session, series, year, number,
        f"（重新导出这一期请用 --bulletin {year}-{number}；新的一期可不写 --issue）",
    )  # fmt: skip


def spec_of(bulletin: Bulletin) -> BulletinSpec:
    """The issue data of a stored bulletin, to write it again."""
    from caselib.docx_writer import BulletinSpec

    return BulletinSpec(
        series=bulletin.series,
        number=bulletin.number,
        date=bulletin.date,
        office=bulletin.office,
        editor_note=bulletin.editor_note,
        distribution={k: list(v) for k, v in bulletin.distribution.items()},
        copies=bulletin.copies,
    )


def bulletin_filename(spec: BulletinSpec) -> str:
    series = spec.series.replace("\n", "")
    return safe_filename(f"{series}{spec.date.year}年第{spec.number}期", ".docx")


def export_bulletin(
    session: Session,
    target: Path,
    spec: BulletinSpec,
    records: list[Record],
    *,
    template: Path | None = None,
    force: bool = False,
    record: bool = True,
) -> Bulletin | None:
    """Write issue ``spec`` with ``records`` (as articles) to ``target``; with ``record``, also
    store it as a bulletin carrying the records in this order (``bulletins.record_bulletin``,
    the file's name and hash as its source).

    The issue is stored only once the document has been built and written to the temporary
    file, and the file is renamed into place only once the issue is stored: a failure at any
    step leaves neither a new file nor a new row (the caller's transaction rolls back). An
    existing issue or an existing file (without ``force``) is refused before any work.
    """
    from caselib.docx_writer import write_bulletin

    check_writable(target, force)
    if record:
        check_issue_free(session, spec.series, spec.date.year, spec.number)
    if template is not None:
        check_template(template)
    buffer = io.BytesIO()
    write_bulletin(buffer, spec, [record_article(r) for r in records], template)
    data = buffer.getvalue()
    stored: list[Bulletin] = []

    def write(handle: IO[bytes]) -> None:
        handle.write(data)
        handle.flush()
        if record:
            from caselib.bulletins import record_bulletin

            stored.append(
                record_bulletin(
                    session,
                    series=spec.series,
                    number=spec.number,
                    date=spec.date,
                    office=spec.office,
                    editor_note=spec.editor_note,
                    distribution=spec.distribution,
                    record_ids=[int(r.id or 0) for r in records],
                    copies=spec.copies,
                    source_name=target.name,
                    source_hash=hashlib.sha256(data).hexdigest(),
                )
            )

    atomic_write(target, write, force=force)
    return stored[0] if stored else None


def compilation_title(records: list[Record]) -> str:
    """The default cover title: 经验案例汇编, 暖心故事汇编, or both."""
    kinds = {r.kind for r in records}
    if kinds == {"case"}:
        return "经验案例汇编"
    if kinds == {"story"}:
        return "暖心故事汇编"
    return "经验案例与暖心故事汇编"


def export_compilation(
    target: Path,
    title: str,
    records: list[Record],
    *,
    subtitle: str | None = None,
    template: Path | None = None,
    force: bool = False,
) -> None:
    """Write a compilation (cover ``title``/``subtitle``, table of contents, one article per
    page run; no 报头) of ``records`` to ``target``."""
    from caselib.docx_writer import write_compilation

    check_writable(target, force)
    if template is not None:
        check_template(template)
    articles = [record_article(r) for r in records]

    def write(handle: IO[bytes]) -> None:
        write_compilation(handle, title, articles, template, subtitle)

    atomic_write(target, write, force=force)
