"""The review summary (汇总表) of a shortlist: one row per candidate with every reviewer's
weighted score, the calibrated score the ranking uses, the rank and whether the selection took
it and why, a sheet per criterion, a chart of the top candidates and a line for the panel
leader's signature. The numbers come from ``ranking.rank`` (restricted to the shortlist's
records; calibration still runs over every current review in the library, as ``rank`` does).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from caselib.choose.ranking import rank
from caselib.choose.shortlists import show_shortlist
from caselib.errors import InvalidInputError
from caselib.publish.fileio import atomic_write
from caselib.publish.formats import display_width
from caselib.store.config import Config
from caselib.store.tables import Review

SIGNATURE = "评审组长签字：________________　　　　日期：______年____月____日"
DEFAULT_CHART_TOP = 10


@dataclass(frozen=True, slots=True)
class SummaryRow:
    rank: int
    position: int  # 序号 in the shortlist (and in the sheets)
    record_id: int
    title: str
    unit: str
    reviews: dict[str, float | None]  # reviewer → weighted mean (None: not reviewed)
    criteria: dict[str, dict[str, float]]  # criterion → reviewer → score
    review_mean: float | None
    calibrated: float | None
    score: float
    selected: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "position": self.position,
            "id": self.record_id,
            "title": self.title,
            "unit": self.unit,
            "reviews": self.reviews,
            "criteria": self.criteria,
            "review_mean": self.review_mean,
            "calibrated": self.calibrated,
            "score": self.score,
            "selected": self.selected,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    shortlist: str
    reference_date: dt.date
    reviewers: list[str]
    criteria: list[str]
    rows: list[SummaryRow]
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "shortlist": self.shortlist,
            "date": self.reference_date.isoformat(),
            "reviewers": self.reviewers,
            "criteria": self.criteria,
            "rows": [r.to_json() for r in self.rows],
            "warnings": self.warnings,
        }


def build_summary(
    session: Session,
    shortlist: str,
    config: Config,
    *,
    reference_date: dt.date,
    top: int | None = None,
    per_unit: int | None = None,
    per_tag: int | None = None,
) -> Summary:
    """The summary of ``shortlist`` ranked at ``reference_date`` under the quotas given."""
    view = show_shortlist(session, shortlist)
    entries = [e for e in view.items if not e.trashed]
    if not entries:
        raise InvalidInputError(f"入围名单“{view.name}”中没有记录")
    positions = {e.record_id: e.position for e in entries}
    ranking = rank(
        session,
        reference_date=reference_date,
        config=config,
        ids=list(positions),
        top=top,
        per_unit=per_unit,
        per_tag=per_tag,
    )
    rubric = config.rubric
    by_record: dict[int, dict[str, dict[str, float]]] = defaultdict(dict)
    for review in session.exec(
        select(Review)
        .where(col(Review.record_id).in_(list(positions)), col(Review.superseded_at).is_(None))
        .order_by(col(Review.created_at), col(Review.id))
    ).all():
        by_record[review.record_id][review.reviewer] = dict(review.scores)
    reviewers = sorted({name for d in by_record.values() for name in d}, key=_first_seen(by_record))
    rows = []
    for r in ranking:
        given = by_record.get(r.id, {})
        rows.append(
            SummaryRow(
                rank=r.rank,
                position=positions[r.id],
                record_id=r.id,
                title=r.title,
                unit=r.unit,
                reviews={
                    name: rubric.weighted_mean(given[name]) if name in given else None
                    for name in reviewers
                },
                criteria={
                    c: {name: float(s[c]) for name, s in given.items() if c in s}
                    for c in rubric.names
                },
                review_mean=r.review_mean,
                calibrated=r.review_normalised,
                score=r.score,
                selected=r.selected,
                reason=r.reason,
            )
        )
    return Summary(view.name, reference_date, reviewers, rubric.names, rows, ranking.warnings)


def _first_seen(by_record: dict[int, dict[str, dict[str, float]]]) -> Any:
    order: dict[str, int] = {}
    for reviews in by_record.values():
        for name in reviews:
            order.setdefault(name, len(order))
    return lambda name: order[name]


def write_summary(
    target: Path,
    summary: Summary,
    config: Config,
    *,
    chart_top: int = DEFAULT_CHART_TOP,
    force: bool = False,
) -> None:
    """The summary as an XLSX workbook: 汇总 (with the chart and the signature line), then one
    sheet per criterion."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    if chart_top < 1:
        raise InvalidInputError("图表至少列出 1 项")
    wb = Workbook()
    ws: Any = wb.active
    ws.title = "汇总"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    scale = f"{config.rubric.scale_min:g}–{config.rubric.scale_max:g}"

    def table(sheet: Any, title: str, headers: list[str], rows: list[list[Any]]) -> None:
        sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        for c, text in enumerate(headers, start=1):
            cell = sheet.cell(row=2, column=c, value=text)
            cell.font = bold
            cell.fill = head_fill
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.row_dimensions[2].height = 32
        for r, values in enumerate(rows, start=3):
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(row=r, column=c, value=value)
                cell.border = border
                if isinstance(value, float):
                    cell.number_format = "0.00"
        for c, text in enumerate(headers, start=1):
            widest = max(
                [display_width(line) for line in text.splitlines()]
                + [display_width(str(row[c - 1])) for row in rows if row[c - 1] is not None]
            )
            sheet.column_dimensions[get_column_letter(c)].width = min(44, max(8, widest + 2))
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "1:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    headers = ["排名", "序号", "编号", "标题", "单位"]
    headers += [f"{name}\n加权分" for name in summary.reviewers]
    headers += ["评审平均分", f"校准分\n（{scale}）", "综合得分", "是否入选", "说明"]
    rows = [
        [
            row.rank,
            row.position,
            row.record_id,
            row.title,
            row.unit,
            *(row.reviews[name] for name in summary.reviewers),
            row.review_mean,
            row.calibrated,
            row.score,
            "入选" if row.selected else "未入选",
            row.reason,
        ]
        for row in summary.rows
    ]
    title = f"{summary.shortlist} 评审汇总表（{summary.reference_date.isoformat()}）"
    table(ws, title, headers, rows)
    foot = len(rows) + 4
    note = ws.cell(row=foot - 1, column=1, value=_explanation(summary, scale))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=foot - 1, start_column=1, end_row=foot - 1, end_column=len(headers))
    ws.row_dimensions[foot - 1].height = 32
    ws.cell(row=foot + 1, column=1, value=SIGNATURE).font = Font(size=12)
    for line in summary.warnings:
        foot += 1
        ws.cell(row=foot + 1, column=1, value=f"注：{line}")

    shown = min(chart_top, len(rows))
    if shown:
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"综合得分前 {shown} 名"
        chart.y_axis.title = "综合得分"
        score_col = headers.index("综合得分") + 1
        data = Reference(ws, min_col=score_col, min_row=2, max_row=2 + shown)
        cats = Reference(ws, min_col=4, min_row=3, max_row=2 + shown)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.x_axis.scaling.orientation = "maxMin"  # the first place on top
        chart.legend = None
        chart.height = max(7.5, 0.8 * shown + 2)
        chart.width = 24
        ws.add_chart(chart, f"A{foot + 4}")

    for criterion in summary.criteria:
        sheet = wb.create_sheet(criterion[:31])
        c_headers = ["排名", "序号", "编号", "标题", *summary.reviewers, "平均"]
        c_rows = []
        for row in summary.rows:
            given = row.criteria.get(criterion, {})
            values = [given.get(name) for name in summary.reviewers]
            present = [v for v in values if v is not None]
            mean = sum(present) / len(present) if present else None
            c_rows.append([row.rank, row.position, row.record_id, row.title, *values, mean])
        table(sheet, f"{criterion}（{scale} 分）各评审人评分", c_headers, c_rows)

    def write(handle: IO[bytes]) -> None:
        wb.save(handle)

    atomic_write(target, write, force=force)


def _explanation(summary: Summary, scale: str) -> str:
    return (
        f"加权分：各评审人按评分细则权重的加权平均（{scale} 分）；校准分：按每位评审人自己的"
        "评分分布换算后的平均（消除宽严差异，排序用此分）；综合得分含评审与文本证据等各项。"
    )
