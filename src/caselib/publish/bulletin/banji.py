"""The 版记: the 报/送/发 block with its rules, at the foot of the last page."""

from __future__ import annotations

import math
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from caselib.errors import InvalidInputError
from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import clean, em_width
from caselib.publish.bulletin.model import DISTRIBUTION_ORDER
from caselib.publish.bulletin.ooxml import merge_rpr, size_rpr
from caselib.publish.bulletin.styles import BLACK, LINE_PITCH, RULE_THICK, RULE_THIN, SIHAO, ind_xml


def distribution_lines(distribution: dict[str, list[str]]) -> list[str]:
    """“报：甲，乙。” lines in 报/送/发 order (other keys after them), each ending with 。."""
    keys = [k for k in DISTRIBUTION_ORDER if k in distribution]
    keys += [k for k in distribution if k not in DISTRIBUTION_ORDER]
    lines = []
    for key in keys:
        items = [clean(x).rstrip("，,、;；。.") for x in distribution[key]]
        items = [x for x in items if x]
        if items:
            label = clean(key).rstrip("：:")
            lines.append(f"{label}：{'，'.join(items)}。")
    return lines


def row_lines(w: Document, text: str) -> list[str]:
    """A 版记 row broken into lines between its items (after “，”), so that no line holds a
    lone character or two (“织。”); an item too long for a line wraps where it must.

    The first line runs from one character in (the label hangs) to one character short of the
    right edge; the lines under it start three characters in, after the label.
    """
    char = SIHAO * 20
    first = (w.type_width - 2 * char) // char
    rest = (w.type_width - 4 * char) // char
    if em_width(text) <= first:
        return [text]
    items = [item + "，" for item in text.split("，")]
    items[-1] = items[-1][:-1]
    lines: list[str] = []
    line = ""
    for item in items:
        capacity = rest if lines else first
        if line and em_width(line + item) > capacity:
            lines.append(line)
            line = ""
        line += item
    lines.append(line)
    return lines


def block_height(w: Document, rows: list[list[str]]) -> int:
    """Estimated height of the 版记 (twips): its lines at the grid pitch."""
    char = SIHAO * 20
    first = (w.type_width - 2 * char) // char
    rest = (w.type_width - 4 * char) // char
    lines = 0
    for row in rows:
        for i, text in enumerate(row):
            width = em_width(text)
            cap = first if i == 0 else rest
            lines += 1 if width <= cap else 1 + math.ceil((width - cap) / rest)
    return lines * LINE_PITCH


def distribution(
    w: Document,
    distribution: dict[str, list[str]],
    copies: int | None,
    *,
    back_page: bool = False,
) -> None:
    """The 版记 at the foot of the last page (``back_page``: of an even page, 封四).

    The block is a one-column table as wide as the type area (its borders are the rules) and
    it is a *floating* table positioned at the bottom of the margin (``w:tblpPr``
    vertAnchor=margin, tblpYSpec=bottom), anchored after the last article. Why this layout:

    * its last rule lands on the last line of the type area whatever the text above it, with
      no estimate of how the text breaks into lines (a spacer paragraph would depend on the
      estimate, and one line too many would push the block onto a page of its own);
    * Word and WPS honour table positioning at the bottom margin; a floating table never
      pulls text that precedes it, so when the last page has no room left the table moves
      to the foot of the next page;
    * LibreOffice (7.x) imports a floating table as a frame only when it is narrower than
      the type area or positioned against the page: the horizontal position is therefore
      given against the page (x = left margin), which keeps the table exactly as wide as
      the type area. Rendered with LibreOffice, the last rule sits on the bottom line of
      the type area, and a block with no room moves to the next page (tests check both).

    ``back_page`` adds page breaks before the block when the estimated page it would land
    on is odd, so that it stands on an even page (the back of the sheet).
    """
    lines = distribution_lines(distribution)
    if copies is not None:
        if copies < 1:
            raise InvalidInputError(f"印数必须是正整数：{copies}")
    if not lines and copies is None:
        return
    rows: list[tuple[str, str]] = [(line, "") for line in lines]
    if copies is not None:
        rows.append((f"共印{copies}份", '<w:jc w:val="right"/>'))
    broken = [row_lines(w, text) for text, _ in rows]
    height = block_height(w, broken)
    # One blank line between the last article and the 版记 at least.
    fits = w.used + LINE_PITCH + height <= w.type_height
    page = w.page if fits else w.page + 1
    breaks = 0
    if back_page and page % 2:
        breaks = 1 if fits else 2
        page += 1
    # The anchor: LibreOffice anchors the floating table to the paragraph before it, Word to
    # the one after it; both are empty one-point paragraphs at the end of the text (a page
    # break before them moves the block on, for --back-page).
    for i in range(max(breaks, 1)):
        w.sect_pr.addprevious(_tiny_paragraph(w, page_break=i < breaks))
    w.page, w.used = page, w.type_height
    width = w.type_width
    border = f'w:space="0" w:color="{BLACK}"'
    tbl = parse_xml(
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="0"'
        f' w:bottomFromText="0" w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="{w.left_margin}"'
        ' w:tblpYSpec="bottom"/>'
        '<w:tblOverlap w:val="never"/>'
        f'<w:tblW w:w="{width}" w:type="dxa"/>'
        f'<w:tblInd w:w="0" w:type="dxa"/>'
        "<w:tblBorders>"
        f'<w:top w:val="single" w:sz="{RULE_THICK}" {border}/>'
        '<w:left w:val="nil"/>'
        f'<w:bottom w:val="single" w:sz="{RULE_THICK}" {border}/>'
        '<w:right w:val="nil"/>'
        f'<w:insideH w:val="single" w:sz="{RULE_THIN}" {border}/>'
        '<w:insideV w:val="nil"/>'
        "</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/>'
        "</w:tblCellMar>"
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        f'</w:tblPr><w:tblGrid><w:gridCol w:w="{width}"/></w:tblGrid></w:tbl>'
    )
    for (_, jc), lines in zip(rows, broken, strict=True):
        tr = parse_xml(
            f"<w:tr {nsdecls('w')}><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr>"
            f'<w:tcW w:w="{width}" w:type="dxa"/></w:tcPr></w:tc></w:tr>'
        )
        tbl.append(tr)
        brk = f"<w:r><w:rPr>{w.rpr('distribution')}</w:rPr><w:br/></w:r>"
        runs = brk.join(w.run_xml("distribution", line) for line in lines)
        w.paragraph("distribution", runs, ppr_extra=jc, parent=tr[-1])
    w.sect_pr.addprevious(tbl)
    # A document must end with a paragraph (in Word, the table's anchor).
    w.sect_pr.addprevious(_tiny_paragraph(w))


def _tiny_paragraph(w: Document, *, page_break: bool = False) -> Any:
    """An empty paragraph one point high, so it never adds a line or a page."""
    return parse_xml(
        f"<w:p {nsdecls('w')}><w:pPr>"
        f'<w:pStyle w:val="{w.style_ids["body"]}"/>'
        + ("<w:pageBreakBefore/>" if page_break else "")
        + '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
        f"{ind_xml()}<w:rPr>{merge_rpr(w.rpr('body'), size_rpr(1))}</w:rPr>"
        "</w:pPr></w:p>"
    )
