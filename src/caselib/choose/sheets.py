"""Scoring sheets (评分表) for reviewers who never open a terminal: one Excel workbook per
reviewer for a shortlist, and the reading pack (阅读材料) that goes with them.

A sheet holds one row per candidate (序号, 标题, 单位, 类型, one column per rubric criterion, 评语);
everything but the score and comment cells is locked (sheet protection without a password:
nothing is secret, it only keeps a reviewer from breaking the layout by accident). What the
import needs travels with the sheet, in cells that are hidden and locked: the record id and a
digest of the record's text on every row (rows are matched by id, not by position), and on a
hidden sheet the library's identity, the shortlist, the reviewer and the criteria. Reading the
returned sheets is ``sheet_import``; openpyxl is imported inside the functions that need it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from caselib.choose.shortlists import show_shortlist
from caselib.errors import InvalidInputError
from caselib.publish.fileio import atomic_write, check_writable, safe_filename
from caselib.publish.formats import display_width
from caselib.store.config import Rubric
from caselib.store.meta import KIND_LABELS
from caselib.store.tables import Meta, Record

FORMAT = "caselib-评分表"
FORMAT_VERSION = "1"
SCORE_SHEET = "评分表"
GUIDE_SHEET = "说明"
DATA_SHEET = "caselib"  # very hidden: what the import needs
HEADER_ROW = 2  # row 1 is the sheet's title line
FIRST_ROW = HEADER_ROW + 1
FIXED_HEADERS = ("序号", "标题", "单位", "类型")
COMMENT_HEADER = "评语"
ID_HEADER = "记录编号"
DIGEST_HEADER = "文本校验"
READING_PACK = "阅读材料.docx"
_LIBRARY_KEY = "library_id"
_DATA_FIRST_RECORD_ROW = 20  # on the data sheet: one row per record from here on


def sheet_filename(reviewer: str) -> str:
    """``评分表-王老师.xlsx``"""
    return safe_filename(f"评分表-{reviewer.strip()}", ".xlsx")


def record_digest(title: str, body: Any) -> str:
    """A short digest of a record's text (title and body blocks): a returned sheet whose
    digest differs was scored on a text that has changed since."""
    texts = [title]
    if isinstance(body, list):
        texts += [str(b.get("text", "")) for b in body if isinstance(b, dict)]
    data = json.dumps(texts, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def library_identity(session: Session, *, create: bool = False) -> str | None:
    """The library's identity (a random id kept in its ``meta`` table), made on first use when
    ``create``; a sheet carries it so that a sheet made by another library is refused."""
    found = session.exec(select(Meta.value).where(Meta.key == _LIBRARY_KEY)).first()
    if found is not None or not create:
        return found
    value = uuid.uuid4().hex
    session.add(Meta(key=_LIBRARY_KEY, value=value))
    session.flush()
    return value


@dataclass(frozen=True, slots=True)
class Candidate:
    """One row of a sheet: the record as the reviewer sees it, and its text digest."""

    position: int
    record_id: int
    title: str
    unit: str
    kind: str
    digest: str


@dataclass(frozen=True, slots=True)
class SheetSet:
    """What every sheet of one shortlist shares."""

    library_id: str
    shortlist_id: int
    shortlist: str
    shortlist_made: str  # when the shortlist was created: a new one may reuse the id
    candidates: list[Candidate]
    created: dt.datetime


def plan_sheets(session: Session, shortlist: str, *, now: dt.datetime | None = None) -> SheetSet:
    """The candidates of ``shortlist`` in its order (records in the trash left out), with the
    library's identity (created if the library has none yet). ``InvalidInputError`` for an
    empty shortlist; ``NotFoundError`` for an unknown one."""
    view = show_shortlist(session, shortlist)
    entries = [e for e in view.items if not e.trashed]
    if not entries:
        raise InvalidInputError(f"入围名单“{view.name}”中没有记录，无法生成评分表")
    ids = [e.record_id for e in entries]
    bodies = dict(session.exec(select(Record.id, Record.body).where(col(Record.id).in_(ids))).all())
    candidates = [
        Candidate(
            position=n,
            record_id=e.record_id,
            title=e.title,
            unit=e.unit,
            kind=KIND_LABELS.get(e.kind, e.kind),
            digest=record_digest(e.title, bodies.get(e.record_id)),
        )
        for n, e in enumerate(entries, start=1)
    ]
    identity = library_identity(session, create=True)
    assert identity is not None
    when = now or dt.datetime.now().astimezone()
    made = shortlist_stamp(view.created_at)
    return SheetSet(identity, view.id, view.name, made, candidates, when)


def shortlist_stamp(created: dt.datetime) -> str:
    """A shortlist's creation time as the sheet keeps it."""
    return created.replace(tzinfo=None).isoformat(timespec="microseconds")


def check_reviewers(reviewers: Sequence[str]) -> list[str]:
    """The reviewer names, stripped; refused when empty, repeated or giving the same file."""
    names = [r.strip() for r in reviewers]
    if not names:
        raise InvalidInputError("请用 --reviewer 给出至少一位评审人")
    if any(not n for n in names):
        raise InvalidInputError("评审人不能为空")
    seen: dict[str, str] = {}
    for name in names:
        other = seen.get(sheet_filename(name))
        if other is not None:
            raise InvalidInputError(
                f"评审人重复：{name}"
                if other == name
                else f"评审人“{other}”与“{name}”的评分表文件名相同"
            )
        seen[sheet_filename(name)] = name
    return names


def make_sheets(
    sheets: SheetSet,
    reviewers: Sequence[str],
    rubric: Rubric,
    outdir: Path,
    *,
    force: bool = False,
) -> list[Path]:
    """Write one sheet per reviewer in ``outdir``. Every target is checked before anything is
    written, so a refused run writes nothing."""
    names = check_reviewers(reviewers)
    if outdir.exists() and not outdir.is_dir():
        raise InvalidInputError(f"输出位置应为文件夹：{outdir}")
    targets = [outdir / sheet_filename(n) for n in names]
    for target in targets:
        check_writable(target, force)
    for name, target in zip(names, targets, strict=True):
        write_sheet(target, sheets, name, rubric, force=force)
    return targets


def score_label(rubric: Rubric) -> str:
    low, high = f"{rubric.scale_min:g}", f"{rubric.scale_max:g}"
    return f"{low}–{high}"


def criterion_header(name: str, weight: float, rubric: Rubric) -> str:
    """``典型性`` over ``（权重 1，1–5 分）``: the import finds a criterion's column by the
    first line."""
    return f"{name}\n（权重 {weight:g}，{score_label(rubric)} 分）"


def write_sheet(
    target: Path, sheets: SheetSet, reviewer: str, rubric: Rubric, *, force: bool = False
) -> None:
    """One reviewer's sheet (see the module docstring) written to ``target``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws: Any = wb.active
    ws.title = SCORE_SHEET
    criteria = list(rubric.criteria)
    headers = [
        *FIXED_HEADERS,
        *(criterion_header(c.name, c.weight, rubric) for c in criteria),
        COMMENT_HEADER,
        ID_HEADER,
        DIGEST_HEADER,
    ]
    first_score = len(FIXED_HEADERS) + 1
    last_score = first_score + len(criteria) - 1
    comment_col = last_score + 1
    last_row = FIRST_ROW + len(sheets.candidates) - 1
    letter = get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    input_fill = PatternFill("solid", fgColor="FFF9E0")
    unlocked = Protection(locked=False)
    hidden = Protection(locked=True, hidden=True)

    title = f"{sheets.shortlist} 评分表　评审人：{reviewer}"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=comment_col)
    ws.row_dimensions[1].height = 24
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=text)
        cell.font = Font(bold=True)
        cell.alignment = centre
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    ws.row_dimensions[HEADER_ROW].height = 36

    for offset, cand in enumerate(sheets.candidates):
        r = FIRST_ROW + offset
        values: list[Any] = [cand.position, cand.title, cand.unit, cand.kind]
        values += [None] * len(criteria) + [None, cand.record_id, cand.digest]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = border
            if first_score <= c <= comment_col:
                cell.protection = unlocked
                cell.fill = input_fill
                cell.alignment = wrap_top if c == comment_col else centre
            elif c > comment_col:
                cell.protection = hidden
            else:
                cell.alignment = centre if c in (1, 4) else wrap_top

    # Widths in characters of the default font; Chinese characters take two.
    title_width = max([display_width(c.title) for c in sheets.candidates] + [8])
    unit_width = max([display_width(c.unit) for c in sheets.candidates] + [8])
    widths = [6.0, min(48.0, title_width + 2.0), min(24.0, unit_width + 2.0), 10.0]
    widths += [
        max(display_width(line) for line in criterion_header(c.name, c.weight, rubric).splitlines())
        + 2.0
        for c in criteria
    ]
    widths += [40.0, 10.0, 18.0]
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[letter(c)].width = width
    for c in (comment_col + 1, comment_col + 2):
        ws.column_dimensions[letter(c)].hidden = True

    if criteria:
        top_left = f"{letter(first_score)}{FIRST_ROW}"
        low, high = f"{rubric.scale_min:g}", f"{rubric.scale_max:g}"
        dv = DataValidation(
            type="custom",
            formula1=(
                f"AND(ISNUMBER({top_left}),{top_left}>={low},{top_left}<={high},"
                f"MOD({top_left}*2,1)=0)"
            ),
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle="评分",
            prompt=f"请填写 {low}–{high} 分（整分或半分，如 4 或 4.5）；不评的项可留空。",
            errorTitle="分数无效",
            error=f"分数应为 {low}–{high} 之间的整分或半分，如 4 或 4.5。",
            errorStyle="stop",
        )
        dv.add(f"{top_left}:{letter(last_score)}{last_row}")
        ws.add_data_validation(dv)

    ws.freeze_panes = f"C{FIRST_ROW}"
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.print_area = f"A1:{letter(comment_col)}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    _protect(ws)
    ws.protection.formatColumns = False  # widths and heights may be changed
    ws.protection.formatRows = False

    _guide_sheet(wb, sheets, reviewer, rubric)
    data: Any = wb.create_sheet(DATA_SHEET)
    rows: list[tuple[str, Any]] = [
        ("format", FORMAT),
        ("version", FORMAT_VERSION),
        ("library", sheets.library_id),
        ("shortlist_id", sheets.shortlist_id),
        ("shortlist", sheets.shortlist),
        ("shortlist_made", sheets.shortlist_made),
        ("reviewer", reviewer),
        ("created", sheets.created.isoformat(timespec="seconds")),
        ("criteria", json.dumps([c.name for c in criteria], ensure_ascii=False)),
        ("records", len(sheets.candidates)),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        data.cell(row=r, column=1, value=key)
        data.cell(row=r, column=2, value=value)
    for offset, cand in enumerate(sheets.candidates):
        r = _DATA_FIRST_RECORD_ROW + offset
        data.cell(row=r, column=1, value=cand.record_id)
        data.cell(row=r, column=2, value=cand.digest)
        data.cell(row=r, column=3, value=cand.position)
    data.sheet_state = "veryHidden"
    _protect(data)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = title
    wb.properties.creator = "caselib"

    def write(handle: IO[bytes]) -> None:
        wb.save(handle)

    atomic_write(target, write, force=force)


def _protect(ws: Any) -> None:
    ws.protection.sheet = True  # no password: it guards the layout, not a secret
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _guide_sheet(wb: Any, sheets: SheetSet, reviewer: str, rubric: Rubric) -> None:
    from openpyxl.styles import Alignment, Font

    ws: Any = wb.create_sheet(GUIDE_SHEET)
    low, high = f"{rubric.scale_min:g}", f"{rubric.scale_max:g}"
    lines: list[tuple[str, str]] = [
        ("评分说明", ""),
        ("入围名单", sheets.shortlist),
        ("评审人", reviewer),
        ("候选数", f"{len(sheets.candidates)} 篇（全文见同时发送的《阅读材料》，序号与本表一致）"),
        ("生成时间", sheets.created.strftime("%Y-%m-%d %H:%M")),
        ("", ""),
        ("评分项", "权重与说明"),
    ]
    lines += [(c.name, f"权重 {c.weight:g}：{c.description or '—'}") for c in rubric.criteria]
    lines += [
        ("", ""),
        ("怎样填写", ""),
        ("1", f"在“评分表”的黄色格子中逐项填写 {low}–{high} 分，可打半分（如 4.5）。"),
        ("2", "拿不准的项可以留空，只按已评的项计算；“评语”一栏可选填。"),
        ("3", f"每篇的得分为各项按权重的加权平均（{score_label(rubric)} 分）。"),
        ("4", "请不要增删行列、不要改动标题和隐藏的内容：导入时按隐藏的记录编号逐行核对。"),
        ("", ""),
        ("怎样交回", ""),
        ("1", "填好后直接保存（Excel、WPS 或 LibreOffice 均可，保持 .xlsx 格式）。"),
        ("2", "把文件原样发回办公室，文件名可以不改。"),
    ]
    for r, (a, b) in enumerate(lines, start=1):
        ws.cell(row=r, column=1, value=a or None)
        ws.cell(row=r, column=2, value=b or None).alignment = Alignment(wrap_text=True)
        if a in ("评分说明", "评分项", "怎样填写", "怎样交回"):
            ws.cell(row=r, column=1).font = Font(bold=True, size=14 if r == 1 else 11)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 80
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


# ---------------------------------------------------------------------------------------------
# The reading pack


def write_reading_pack(
    session: Session, sheets: SheetSet, target: Path, *, force: bool = False
) -> None:
    """The candidates' full texts as a compilation (``export_compilation``), each title
    numbered as in the sheets (``1. 标题``)."""
    from caselib.publish.docx_export import export_compilation
    from caselib.store.tables import Unit

    check_writable(target, force)
    ids = [c.record_id for c in sheets.candidates]
    found = {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_(ids))).all()}
    # Detached copies, titles numbered: the session's records stay untouched.
    numbered = [
        Record(
            id=c.record_id,
            kind=found[c.record_id].kind,
            title=f"{c.position}. {c.title}",
            body=found[c.record_id].body,
            unit_id=found[c.record_id].unit_id,
            unit=Unit(name=c.unit),
        )
        for c in sheets.candidates
    ]
    export_compilation(
        target,
        "阅读材料",
        numbered,
        subtitle=f"{sheets.shortlist}（共 {len(numbered)} 篇）",
        force=force,
    )
