"""Exporting records as files: Markdown (the import format, lossless), JSON, and CSV and XLSX
tables (one row per record, with ranking scores).

Files are written through ``fileio.atomic_write`` (a temporary file renamed into place), so an
interrupted or refused export leaves an existing file as it was.

The table rows (CSV, XLSX) are read with plain SQL, from a plain connection or an ORM session,
and XLSX is written by XlsxWriter: the CLI's table export of records chosen by id, --all or
filters loads neither SQLAlchemy nor openpyxl.

XlsxWriter writes and openpyxl reads (the split pandas makes): XlsxWriter wrote the 130,000
cells of a 10,000-record table in 0.46–0.50 s of CPU, openpyxl's write-only mode in 0.62 s
(``bench/export_xlsx.py``). openpyxl stays for reading sheets and for the review sheets
(``choose.sheets``), which caselib writes and reads back. The table is written in XlsxWriter's
``constant_memory`` mode, rows going to a temporary file as they come, so the writer's memory
stays flat; its shared-string mode was 10 % faster but held every cell (18 MB more for 10,000
rows).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from caselib.errors import InvalidInputError, NotFoundError
from caselib.publish.fileio import atomic_write, atomic_write_text, check_writable, safe_filename
from caselib.publish.selection import IN_CHUNK

if TYPE_CHECKING:
    from sqlmodel import Session

    from caselib.store.config import Config
    from caselib.store.tables import Record


def markdown_filename(record: Record) -> str:
    return safe_filename(f"{record.id:04d}-{record.title}", ".md")


def markdown_targets(records: list[Record], outdir: Path) -> list[Path]:
    if outdir.exists() and not outdir.is_dir():
        raise InvalidInputError(f"输出位置应为文件夹：{outdir}")
    return [outdir / markdown_filename(r) for r in records]


def export_markdown(records: list[Record], outdir: Path, *, force: bool = False) -> list[Path]:
    """One Markdown file per record in ``outdir``. Every target is checked before anything is
    written, so a refused export writes nothing."""
    from caselib.records import record_to_input
    from caselib.text.markdown import render_record

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
    db: Any,
    ids: Sequence[int],
    *,
    config: Config,
    reference_date: dt.date,
) -> list[list[Any]]:
    """One row per record (``TABLE_HEADERS``), in the order of ``ids``. ``db``: a plain-SQL
    connection (``store.reader.connect``) or an ORM session (read in its transaction).

    评分 is the record's score in the ranking of the whole library at ``reference_date`` (what
    ``caselib rank`` shows without filters; empty for a record in the trash); 评审数 counts the
    current reviews; 报送 lists "对象（日期）" and 采用 "载体（级别，日期）", joined by "；";
    字数 counts the characters of the body (as ``show`` does). Values keep their types (int,
    float, date; None for an empty cell) for XLSX; ``csv_value`` turns them into text.
    """
    from caselib.choose.ranking import library_scores, plain_connection
    from caselib.store.meta import KIND_LABELS, STATUS_LABELS
    from caselib.store.recordjson import body_lengths, stored_length

    conn = plain_connection(db)
    wanted = list(dict.fromkeys(ids))
    wanted_set = set(wanted)

    # IN lists for a small selection; for a big one a single unrestricted query, filtered
    # here, is cheaper than thousands of bound parameters.
    if len(wanted) > IN_CHUNK:
        chunks: list[list[int]] = [[]]
    else:
        chunks = [wanted[i : i + IN_CHUNK] for i in range(0, len(wanted), IN_CHUNK)]

    def fetch(sql: str, column: str, tail: str = "", cond: str = "") -> list[Any]:
        rows: list[Any] = []
        for chunk in chunks:
            conds = [cond] if cond else []
            if chunk:
                conds.append(f"{column} IN ({','.join('?' * len(chunk))})")
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            for row in conn.execute(sql + where + tail, chunk).fetchall():
                if row[0] in wanted_set:
                    rows.append(row)
        return rows

    base: dict[int, Any] = {
        row[0]: row
        for row in fetch(
            "SELECT r.id, r.kind, r.title, u.name, r.date, r.submitted, r.status, "
            f"{stored_length(conn)} FROM record AS r JOIN unit AS u ON u.id = r.unit_id",
            "r.id",
        )
    }
    missing = [i for i in wanted if i not in base]
    if missing:
        raise NotFoundError(f"记录不存在：{missing[0]}")
    lengths = body_lengths(conn, {rid: row[-1] for rid, row in base.items()})

    tags: dict[int, list[str]] = defaultdict(list)
    for rid, name in fetch(
        "SELECT rt.record_id, t.name FROM record_tag AS rt JOIN tag AS t ON t.id = rt.tag_id",
        "rt.record_id",
        " ORDER BY rt.record_id, rt.position, rt.tag_id",
    ):
        tags[rid].append(name)

    reviews: dict[int, int] = {}
    for rid, count in fetch(
        "SELECT record_id, COUNT(*) FROM review",
        "record_id",
        " GROUP BY record_id",
        cond="superseded_at IS NULL",
    ):
        reviews[rid] = int(count)

    reports: dict[int, list[str]] = defaultdict(list)
    for rid, to, date in fetch(
        'SELECT record_id, "to", date FROM report', "record_id", " ORDER BY date, id"
    ):
        reports[rid].append(f"{to}（{_iso(date)}）")

    adoptions: dict[int, list[str]] = defaultdict(list)
    for rid, by, level, date in fetch(
        'SELECT record_id, "by", level, date FROM adoption', "record_id", " ORDER BY date, id"
    ):
        adoptions[rid].append(f"{by}（{level}，{_iso(date)}）")

    scores = library_scores(conn, reference_date=reference_date, config=config)

    out: list[list[Any]] = []
    for rid in wanted:
        _id, kind, title, unit, date, submitted, status, _length = base[rid]
        score = scores.get(rid)
        out.append(
            [
                rid,
                KIND_LABELS.get(kind, kind),
                title,
                unit,
                "、".join(tags[rid]) if rid in tags else None,
                _date(date),
                _date(submitted),
                STATUS_LABELS.get(status, status),
                None if score is None else round(score, 2),
                reviews.get(rid, 0),
                "；".join(reports[rid]) if rid in reports else None,
                "；".join(adoptions[rid]) if rid in adoptions else None,
                lengths[rid],
            ]
        )
    return out


def _date(value: Any) -> dt.date | None:
    """A DATE column's value as a date (SQLite gives its ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _iso(value: Any) -> str:
    day = _date(value)
    return day.isoformat() if day is not None else ""


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Every CSV caselib writes (exports and ``stats --csv``): UTF-8 with a byte-order mark,
    so that Excel reads the Chinese, CRLF line ends, cells through ``csv_value``."""
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_value(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(target: Path, rows: list[list[Any]], *, force: bool = False) -> None:
    """The rows as a CSV file (``csv_bytes``) with the Chinese ``TABLE_HEADERS``."""
    data = csv_bytes(TABLE_HEADERS, rows)

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    atomic_write(target, write, force=force)


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
                if 2 * len(value) <= widths[i]:
                    continue  # no character is wider than 2: cannot widen the column
                # Beyond the cap the exact width no longer matters.
                w = display_width(value[: _MAX_WIDTH + 1])
            elif isinstance(value, dt.date):
                w = 10
            else:
                w = len(csv_value(value))
            if w > widths[i]:
                widths[i] = w
    return [float(min(_MAX_WIDTH, max(_MIN_WIDTH, w + 2))) for w in widths]


# XlsxWriter's options for the table: each row goes to a temporary file as it is written
# (memory stays flat whatever the number of rows; text is written in the cells, not as shared
# strings), and text stays text (no numbers, formulas or links guessed from strings).
_XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def export_xlsx(
    target: Path, rows: list[list[Any]], *, force: bool = False, sheet_title: str = "记录"
) -> None:
    """The rows as an XLSX workbook of one sheet, written by XlsxWriter: the bold header row
    frozen (panes at A2) with an autofilter over the table, column widths fitted to the Chinese
    text (``column_widths``, as Excel shows them), dates as ``yyyy-mm-dd`` date cells, the
    score with the ``0.00`` format, numbers as numbers, None as an empty cell."""
    import xlsxwriter

    widths = column_widths(rows)

    def write(handle: IO[bytes]) -> None:
        # XlsxWriter's temporary files go to a folder of ours, removed even when writing fails
        # (XlsxWriter would leave its row file in the system's temporary folder).
        with tempfile.TemporaryDirectory(prefix="caselib-xlsx-", ignore_cleanup_errors=True) as tmp:
            book = xlsxwriter.Workbook(handle, {**_XLSX_OPTIONS, "tmpdir": tmp})
            try:
                _write_sheet(book, rows, widths, sheet_title)
                book.close()
            except BaseException:
                for sheet in book.worksheets():
                    sheet._opt_close()  # what close() does with the row files: close them
                raise

    atomic_write(target, write, force=force)


def _write_sheet(book: Any, rows: list[list[Any]], widths: list[float], sheet_title: str) -> None:
    """The table's sheet in an XlsxWriter workbook, rows written in order (``constant_memory``
    writes each row out when the next begins)."""
    sheet = book.add_worksheet(sheet_title)
    bold = book.add_format({"bold": True})
    number = book.add_format({"num_format": "0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(TABLE_HEADERS) - 1)
    for c, name in enumerate(TABLE_HEADERS):
        sheet.write_string(0, c, name, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                if value.startswith("<r>") and value.endswith("</r>"):
                    # XlsxWriter copies such a string into the XML unescaped, as if it were
                    # its own rich-text markup: written as plain fragments instead (a control
                    # character in it then reads back as its _xHHHH_ escape).
                    sheet.write_rich_string(r, c, value[:1], value[1:-1], value[-1:])
                else:
                    sheet.write_string(r, c, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value, number if c == _SCORE_COLUMN else None)
            else:
                raise TypeError(f"no XLSX cell for {type(value).__name__}")
