"""Reading returned scoring sheets (评分表) back: every row's scores become that reviewer's
review of that record (``reviews.add_review``: a second review keeps the first as history).

Reading (``read_sheet``) checks the file on its own: that it is a caselib sheet, that every
score cell holds a score on the rubric's scale (whole or half points) and that every row still
names a record of the sheet. Checking against the library (``check_sheet``) adds the library's
identity, the shortlist, the records (in the trash, changed since the sheet was made) and what
would change. A sheet with any problem changes nothing; every problem is one Chinese line that
names the file and, where there is one, the cell ("评分表-王老师.xlsx D7：分值 6 超出 1–5").

Rows are matched by the hidden record id, not by position: a reviewer may sort the rows or
delete one. A score typed with its unit ("4分", "４分") is read as the number, with a note: the
meaning is not in doubt and making the reviewer send the sheet again costs a day. Any other
text is refused. Sheets re-saved by WPS or LibreOffice keep the hidden cells and import alike.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from caselib.choose.reviews import add_review
from caselib.choose.sheets import (
    COMMENT_HEADER,
    DATA_SHEET,
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    ID_HEADER,
    SCORE_SHEET,
    library_identity,
    record_digest,
    shortlist_stamp,
)
from caselib.errors import InvalidInputError
from caselib.store.config import Rubric
from caselib.store.tables import Record, Review, Shortlist, ShortlistItem

_WITH_UNIT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*分$")
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")


@dataclass
class SheetRow:
    """One candidate's row as the reviewer returned it."""

    row: int
    record_id: int
    scores: dict[str, float]
    comment: str | None
    first_cell: str  # the row's first score cell, to point at


@dataclass
class ReturnedSheet:
    """A returned sheet as read from the file, with the problems the file shows on its own."""

    path: Path
    library_id: str = ""
    shortlist_id: int = 0
    shortlist: str = ""
    shortlist_made: str = ""
    reviewer: str = ""
    expected: dict[int, str] = field(default_factory=dict)  # record id → digest when made
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.name}{' ' + where if where else ''}：{message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{self.name}{' ' + where if where else ''}：{message}")


@dataclass
class Change:
    """A review the import writes: the record, the scores read, the current ones before."""

    record_id: int
    title: str
    scores: dict[str, float]
    comment: str | None
    before: dict[str, float] | None


@dataclass
class SheetImport:
    """What importing one sheet does: refused (``problems``), or ``changes`` to write;
    ``unchanged`` rows already match the library."""

    sheet: ReturnedSheet
    problems: list[str]
    warnings: list[str]
    changes: list[Change]
    unchanged: int
    blank: int

    @property
    def ok(self) -> bool:
        return not self.problems


def sheet_paths(paths: Sequence[Path]) -> list[Path]:
    """The sheets to import: files as given, and every .xlsx in a folder given (sorted; the
    lock files office programs leave beside an open file are skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() == ".xlsx"
                and not p.name.startswith(("~$", ".~lock", "."))
            )
            if not found:
                raise InvalidInputError(f"文件夹中没有评分表（.xlsx）：{path}")
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise InvalidInputError(f"找不到评分表：{path}")
    return list(dict.fromkeys(out))


def read_sheet(path: Path, rubric: Rubric) -> ReturnedSheet:
    """Read a returned sheet; what is wrong with it is in ``problems`` (never an exception)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    sheet = ReturnedSheet(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, InvalidFileException):
        sheet.problem("", "无法读取：不是 Excel（.xlsx）文件或文件已损坏")
        return sheet
    try:
        if DATA_SHEET not in wb.sheetnames or SCORE_SHEET not in wb.sheetnames:
            sheet.problem("", "不是 caselib 生成的评分表（缺少隐藏的核对信息），未导入")
            return sheet
        meta: dict[str, Any] = {}
        expected: dict[int, str] = {}
        for row in wb[DATA_SHEET].iter_rows(values_only=True):
            if not row or row[0] is None:
                continue
            key = row[0]
            value = row[1] if len(row) > 1 else None
            if isinstance(key, str) and not _is_int(key):
                meta[key] = value
            elif _is_int(key) and value is not None:
                expected[int(key)] = str(value)
        if meta.get("format") != FORMAT:
            sheet.problem("", "不是 caselib 生成的评分表（核对信息不符），未导入")
            return sheet
        sheet.library_id = str(meta.get("library") or "")
        sheet.shortlist = str(meta.get("shortlist") or "")
        sheet.shortlist_made = str(meta.get("shortlist_made") or "")
        sheet.shortlist_id = int(meta["shortlist_id"]) if _is_int(meta.get("shortlist_id")) else 0
        sheet.reviewer = str(meta.get("reviewer") or "").strip()
        sheet.expected = expected
        try:
            criteria = json.loads(str(meta.get("criteria") or "[]"))
        except ValueError:
            criteria = []
        if not sheet.reviewer or not expected or not isinstance(criteria, list):
            sheet.problem("", "评分表的隐藏核对信息不完整，未导入（请用原文件）")
            return sheet
        rows = list(wb[SCORE_SHEET].iter_rows(min_row=HEADER_ROW, values_only=True))
    finally:
        wb.close()

    header = [_first_line(v) for v in (rows[0] if rows else ())]
    columns = {name: i for i, name in reversed(list(enumerate(header))) if name}
    unknown = [c for c in criteria if c not in rubric.names]
    for name in unknown:
        sheet.problem("", f"评分项“{name}”已不在本库的评分细则中，未导入")
    missing = [h for h in (*criteria, COMMENT_HEADER, ID_HEADER) if h not in columns]
    for name in missing:
        sheet.problem(f"第 {HEADER_ROW} 行", f"找不到“{name}”一栏（表头被改动），未导入")
    if unknown or missing:
        return sheet
    id_col = columns[ID_HEADER]
    comment_col = columns[COMMENT_HEADER]
    score_cols = [(c, columns[c]) for c in criteria]
    seen: dict[int, int] = {}
    for offset, values in enumerate(rows[1:]):
        r = FIRST_ROW + offset
        cells = list(values) + [None] * (len(header) - len(values))
        raw_id = cells[id_col]
        filled = [cells[i] for _, i in score_cols] + [cells[comment_col]]
        if raw_id is None or raw_id == "":
            if any(_text(v) for v in filled):
                sheet.problem(f"第 {r} 行", "没有记录编号（不是评分表原有的行），无法对应到记录")
            continue
        if not _is_int(raw_id) or int(raw_id) not in expected:
            sheet.problem(f"第 {r} 行", f"记录编号“{raw_id}”不在这份评分表中")
            continue
        rid = int(raw_id)
        if rid in seen:
            sheet.problem(f"第 {r} 行", f"记录 {rid} 与第 {seen[rid]} 行重复")
            continue
        seen[rid] = r
        scores: dict[str, float] = {}
        for name, i in score_cols:
            where = f"{get_column_letter(i + 1)}{r}"
            value = _score(sheet, where, cells[i], rubric)
            if value is not None:
                scores[name] = value
        comment = _text(cells[comment_col]) or None
        first = f"{get_column_letter(score_cols[0][1] + 1)}{r}" if score_cols else f"第 {r} 行"
        if comment and not scores:
            sheet.problem(first, "有评语但没有任何评分（请至少给出一项）")
            continue
        sheet.rows.append(SheetRow(r, rid, scores, comment, first))
    gone = [rid for rid in expected if rid not in seen]
    if gone:
        sheet.note("", f"记录 {'、'.join(map(str, gone))} 的行已被删除，这些记录不导入")
    return sheet


def _first_line(value: Any) -> str:
    return str(value).strip().splitlines()[0].strip() if _text(value) else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().isdigit()


def _score(sheet: ReturnedSheet, where: str, raw: Any, rubric: Rubric) -> float | None:
    """The score in a cell (None when empty); a problem or a note when it needs one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    low, high = rubric.scale_min, rubric.scale_max
    scale = f"{low:g}–{high:g}"
    if isinstance(raw, bool):
        sheet.problem(where, f"“{raw}”不是分数（应为 {scale} 的数字）")
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        unit = _WITH_UNIT.match(text)
        if unit:
            value = float(unit.group(1))
            sheet.note(where, f"“{raw}”按 {value:g} 分读入")
        elif _NUMBER.match(text):
            value = float(text)
        else:
            sheet.problem(where, f"“{raw}”不是分数（应为 {scale} 的数字）")
            return None
    if not math.isfinite(value) or not low <= value <= high:
        sheet.problem(where, f"分值 {value:g} 超出 {scale}")
        return None
    if not (value * 2).is_integer():
        sheet.problem(where, f"分值 {value:g} 不是整分或半分（如 4 或 4.5）")
        return None
    return value


def check_sheet(
    session: Session, sheet: ReturnedSheet, rubric: Rubric, *, shortlist: str | None = None
) -> SheetImport:
    """What importing ``sheet`` would do in this library (nothing is written)."""
    problems = list(sheet.problems)
    warnings = list(sheet.notes)
    result = SheetImport(sheet, problems, warnings, [], 0, 0)
    if problems:
        return result
    name = sheet.name
    identity = library_identity(session)
    if identity is None or identity != sheet.library_id:
        problems.append(f"{name}：这份评分表由另一个库生成，不能导入本库")
        return result
    found = session.get(Shortlist, sheet.shortlist_id)
    if (
        found is None
        or found.name != sheet.shortlist
        or shortlist_stamp(found.created_at) != sheet.shortlist_made
    ):
        problems.append(f"{name}：评分表所属的入围名单“{sheet.shortlist}”在本库中已不存在")
        return result
    if shortlist is not None and shortlist.strip() != found.name:
        problems.append(f"{name}：这是入围名单“{found.name}”的评分表，不是“{shortlist.strip()}”的")
        return result
    ids = [r.record_id for r in sheet.rows]
    records = {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_(ids))).all()}
    members = set(
        session.exec(
            select(ShortlistItem.record_id).where(ShortlistItem.shortlist_id == found.id)
        ).all()
    )
    current: dict[int, Review] = {
        rv.record_id: rv
        for rv in session.exec(
            select(Review).where(
                col(Review.record_id).in_(ids),
                Review.reviewer == sheet.reviewer,
                col(Review.superseded_at).is_(None),
            )
        ).all()
    }
    for row in sheet.rows:
        where = f"{name} 第 {row.row} 行"
        record = records.get(row.record_id)
        if record is None:
            problems.append(f"{where}：记录 {row.record_id} 已不在库中")
            continue
        label = f"记录 {row.record_id}《{record.title}》"
        if record.deleted_at is not None:
            problems.append(f"{where}：{label}在回收站中，不能评审（请先恢复）")
            continue
        if not row.scores:
            result.blank += 1
            continue
        if record_digest(record.title, record.body) != sheet.expected.get(row.record_id):
            warnings.append(f"{where}：{label}在评分表生成后已修改，评审人读到的是修改前的文本")
        if row.record_id not in members:
            warnings.append(f"{where}：{label}已不在入围名单“{found.name}”中，评分照常导入")
        before = current.get(row.record_id)
        if before is not None and _same(before, row):
            result.unchanged += 1
            continue
        result.changes.append(
            Change(
                row.record_id,
                record.title,
                row.scores,
                row.comment,
                dict(before.scores) if before is not None else None,
            )
        )
    return result


def _same(review: Review, row: SheetRow) -> bool:
    """The row says nothing the reviewer's current review does not say already."""
    if any(review.scores.get(k) != v for k, v in row.scores.items()):
        return False
    return row.comment is None or row.comment == (review.comment or None)


def apply_import(session: Session, plan: SheetImport, rubric: Rubric) -> int:
    """Write the plan's reviews (flushes, never commits); returns how many were written."""
    if not plan.ok:
        raise InvalidInputError(plan.problems[0])
    for change in plan.changes:
        add_review(
            session, change.record_id, plan.sheet.reviewer, change.scores, change.comment, rubric
        )
    return len(plan.changes)


def describe_change(change: Change, rubric: Rubric) -> str:
    """``记录 12《…》：典型性 3→4、创新性 5`` (for ``--dry-run``)."""
    parts: list[str] = []
    for name in rubric.names:
        if name not in change.scores:
            continue
        new = f"{change.scores[name]:g}"
        old = change.before.get(name) if change.before else None
        parts.append(
            f"{name} {old:g}→{new}"
            if old is not None and old != change.scores[name]
            else f"{name} {new}"
        )
    if change.comment:
        parts.append("评语")
    kind = "改评" if change.before is not None else "新评"
    return f"记录 {change.record_id}《{change.title}》{kind}：{'、'.join(parts)}"
