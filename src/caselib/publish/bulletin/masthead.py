"""The top of page 1: 报头 (series name fitted to the type area), 期号, 编印单位 and date over the
red rule, and the 编者按."""

from __future__ import annotations

import datetime as _dt
import re

from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import clean, em_width, split_lines
from caselib.publish.bulletin.ooxml import size_rpr
from caselib.publish.bulletin.styles import (
    CHUHAO,
    ERHAO,
    LINE_PITCH,
    RED_RULE,
    RED_RULE_SPACE,
    RULE_GAP,
    XIAOCHU,
    XIAOYI,
    YIHAO,
    exact_line,
)
from caselib.text.dates import format_chinese_date

# The standard sizes a series name is set in, largest first (小初 → 一号 → 小一 → 二号).
SERIES_SIZES = (XIAOCHU, YIHAO, XIAOYI, ERHAO)


def fit_series(name: str, width_pt: float) -> tuple[float, list[str]]:
    """The size and lines of a series name in the 报头, centred in ``width_pt``.

    The rule: the largest standard size (``SERIES_SIZES``) at which the name fits on ONE line;
    only when it fits on one line at no size, the largest size at which it fits on TWO lines
    broken between words (at a space or punctuation, or after a unit word such as 大学、党委、
    干部: ``measure.split_lines`` quality 1); a break inside a phrase (“察｜民情”) only when no
    size allows a break between words; a name too long for two lines at 二号 takes three.
    Of the breaks allowed at a size, the most balanced pair of lines is taken.
    """
    for size in SERIES_SIZES:
        if em_width(name) <= width_pt / size:
            return size, [name]
    for min_quality in (1, 0):
        for size in SERIES_SIZES:
            lines = split_lines(name, width_pt / size, 2, min_quality)
            if lines is not None:
                return size, lines
    smallest = SERIES_SIZES[-1]
    return smallest, split_lines(name, width_pt / smallest, 3) or [name]


def masthead_lines(series: str, width_pt: float) -> list[tuple[str, float]]:
    """The 报头 as (line, point size) pairs, fitted to the type-area width (``fit_series``).

    A trailing “简报” (or “简 报”) stands on a line of its own in 初号, spread apart; the rest of
    the name is the series name. A newline in the series name forces a break: each line then
    takes the largest standard size at which it fits on one line.
    """
    explicit = [clean(x) for x in series.splitlines() if clean(x)]
    if len(explicit) > 1:
        return [(line, fit_series(line, width_pt)[0]) for line in explicit]
    name = re.sub(r"简\s*报$", "简报", clean(series))
    if name == "简报":
        return [("简报", CHUHAO)]
    if name.endswith("简报"):
        size, lines = fit_series(name[:-2].strip(), width_pt)
        return [*((line, size) for line in lines), ("简报", CHUHAO)]
    size, lines = fit_series(name, width_pt)
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
