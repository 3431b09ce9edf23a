"""The top of page 1: 报头 (series name fitted to the type area), 期号, 编印单位 and date over the
red rule, and the 编者按."""

from __future__ import annotations

import datetime as _dt
import re

from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import clean, fit_display
from caselib.publish.bulletin.ooxml import size_rpr
from caselib.publish.bulletin.styles import (
    CHUHAO,
    ERHAO,
    LINE_PITCH,
    RED_RULE,
    RED_RULE_SPACE,
    RULE_GAP,
    XIAOCHU,
    XIAOER,
    XIAOYI,
    YIHAO,
    exact_line,
)
from caselib.text.dates import format_chinese_date


def masthead_lines(series: str, width_pt: float) -> list[tuple[str, float]]:
    """The 报头 as (line, point size) pairs, fitted to the type-area width."""
    explicit = [clean(x) for x in series.splitlines() if clean(x)]
    if len(explicit) > 1:
        return [
            (line, fit_display(line, width_pt, (CHUHAO, XIAOCHU, YIHAO, XIAOYI, ERHAO), 1)[0])
            for line in explicit
        ]
    name = re.sub(r"简\s*报$", "简报", clean(series))
    if name.endswith("简报") and len(name) > 2:
        prefix = name[:-2].strip()
        size, lines = fit_display(prefix, width_pt, (XIAOCHU, YIHAO, XIAOYI, ERHAO, XIAOER), 2)
        return [*((line, size) for line in lines), ("简报", CHUHAO)]
    size, lines = fit_display(name, width_pt, (CHUHAO, XIAOCHU, YIHAO, XIAOYI, ERHAO), 2)
    return [(line, size) for line in lines]


def masthead(w: Document, series: str) -> None:
    width_pt = w.type_width / 20
    for text, size in masthead_lines(series, width_pt):
        line = exact_line(size)
        before = LINE_PITCH // 2 if text == "简报" else 0
        spacing = f'<w:spacing w:before="{before}" w:after="0" w:line="{line}" w:lineRule="exact"/>'
        if text == "简报":
            # The two characters spread apart, as bulletins print them.
            runs = w.run_xml("masthead", "简", extra_rpr=size_rpr(size, spacing=size * 20))
            runs += w.run_xml("masthead", "报", extra_rpr=size_rpr(size))
        else:
            runs = w.run_xml("masthead", text, extra_rpr=size_rpr(size))
        w.paragraph("masthead", runs, ppr_extra=spacing)
        w.place(before, 1, line)


def issue(w: Document, number: int) -> None:
    w.text_paragraph("issue", f"第{number}期")


def office_line(w: Document, office: str, date: _dt.date) -> None:
    runs = (
        w.run_xml("office", clean(office))
        + f"<w:r><w:rPr>{w.rpr('office')}</w:rPr><w:tab/></w:r>"
        + w.run_xml("office", format_chinese_date(date))
    )
    # The red rule (its distance and width) makes the block above the text a fraction of a
    # line taller than a whole number of lines. The first paragraph under it (编者按 or title)
    # takes as its space before the least gap under the rule that rounds the block up to
    # whole lines (``lead``, at least RULE_GAP), so every page keeps room for exactly 22,
    # 21, … grid lines and the text of page 1 ends on the last line of the type area.
    # The lead is that paragraph's space before, not this one's space after: LibreOffice
    # keeps the larger of a space after and the next space before where Word adds them.
    spacing = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_PITCH}" w:lineRule="exact"/>'
    w.paragraph("office", runs, ppr_extra=spacing)
    height = w.used + LINE_PITCH + RED_RULE_SPACE * 20 + round(RED_RULE * 20 / 8)
    w.lead = -(height + RULE_GAP) % LINE_PITCH + RULE_GAP
    w.advance(height - w.used)


def editor_note(w: Document, note: str) -> None:
    text = re.sub(r"^\s*编者按\s*[：:]?\s*", "", clean(note))
    runs = w.run_xml("note", "编者按：", bold=True) + w.run_xml("note", text)
    before, after, spacing = w.spacing("note")
    w.paragraph("note", runs, spacing=spacing)
    w.account("note", ["编者按：" + text], before, after)
