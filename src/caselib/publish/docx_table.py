"""A table block of an article as a Word table (``w:tbl``) in a bulletin or a compilation.

Called by ``docx_writer`` (which owns the page, the styles and the running height estimate);
it builds the table's XML the same way the writer builds its paragraphs.

Layout, following docs/bulletin-format.md:

* As wide as the type area (156 mm), centred, no indent; single 0.5 pt black borders around
  and between every cell.
* Text in the 表格文字 style: 仿宋_GB2312 四号 (14 pt), the header row in 黑体, both centred in
  their cells, exact 22 pt lines off the document grid. Not 三号: with 28 characters of 三号
  per line, a four-column ledger (序号 / 问题清单 / 责任单位 / 完成时限) leaves six or seven
  characters to its widest column and wraps every cell; 四号 is the size GB/T 9704 already
  gives the 版记, so the document uses no new size, and 32 characters fit across the page.
* The first row (the header, as in the record) repeats at the top of every page the table
  runs onto (``w:tblHeader``). No row of up to ``KEEP_LINES`` lines is split across pages.
* Column widths follow the contents: each column gets the width of its longest line when all
  fit, otherwise the narrow columns keep theirs and the wide ones share the rest in proportion
  to their longest lines; the widths are then scaled to fill the type area exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

#: Exact line height of table text, twips (22 pt for 14 pt type: rows are not cramped).
LINE = 440
#: Left and right cell margins, twips (Word's default 0.19 cm).
CELL_MARGIN = 108
#: A column is never narrower than this many characters (序号 holds "序号").
MIN_CHARS = 2.0
#: A row of at most this many lines is never split across pages (a longer one may be, so
#: that a cell longer than a page still prints).
KEEP_LINES = 8
#: Room added to a column's longest line, in characters: a line exactly as wide as its cell
#: wraps in LibreOffice (twips are rounded).
SLACK = 0.5
BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'


def _spaced(measure: Callable[[str], float]) -> Callable[[str], float]:
    """``measure`` plus the quarter em Word and LibreOffice put between Chinese and Latin
    letters or digits (2023年6月 is drawn 2023 年 6 月)."""

    def width(text: str) -> float:
        changes = sum(1 for a, b in zip(text, text[1:], strict=False) if a.isascii() != b.isascii())
        return measure(text) + 0.25 * changes

    return width


def column_widths(
    rows: Sequence[Sequence[str]], total: int, char_twips: float, measure: Callable[[str], float]
) -> list[int]:
    """Widths in twips of the columns of ``rows`` (as many as the widest row), summing to
    ``total``. ``measure`` gives a text's width in characters of the table's size."""
    count = max((len(row) for row in rows), default=0)
    if count == 0:
        return []
    measure = _spaced(measure)
    natural = [MIN_CHARS] * count
    for row in rows:
        for i, cell in enumerate(row):
            for line in cell.split("\n"):
                natural[i] = max(natural[i], measure(line.strip()))
    padding = 2 * CELL_MARGIN / char_twips + SLACK
    need = [n + padding for n in natural]
    room = total / char_twips
    widths = list(need)
    if sum(need) > room:
        # Narrow columns keep their natural width; the others share what is left in
        # proportion to their longest lines.
        left, open_cols = room, sorted(range(count), key=lambda i: need[i])
        while open_cols:
            share = left / len(open_cols)
            i = open_cols[0]
            if need[i] > share:
                break
            left -= need[i]
            open_cols.pop(0)
        wanted = sum(need[i] for i in open_cols)
        for i in open_cols:
            widths[i] = max(left * need[i] / wanted, MIN_CHARS + padding)
    scale = total / sum(widths)
    twips = [int(w * scale) for w in widths]
    twips[-1] += total - sum(twips)
    return twips


def table_element(
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    widths: Sequence[int],
    styles: tuple[str, str],
    rprs: tuple[str, str],
    char_twips: float,
    measure: Callable[[str], float],
) -> Any:
    """The ``w:tbl`` of a table block; the first row is a repeated header row. ``styles`` are
    the paragraph style ids of the header and the other cells, ``rprs`` their run
    properties."""
    count = len(widths)
    measure = _spaced(measure)
    capacity = [max((w - 2 * CELL_MARGIN) / char_twips, 1.0) for w in widths]
    borders = "".join(
        BORDER.format(side=side)
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    tbl = parse_xml(
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/>'
        '<w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid></w:tbl>"
    )
    for r, row in enumerate(rows):
        header = r == 0
        if header:
            tr_pr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        elif _row_lines(row, capacity, measure) <= KEEP_LINES:
            tr_pr = "<w:trPr><w:cantSplit/></w:trPr>"
        else:
            tr_pr = ""
        cells = []
        for c in range(count):
            text = row[c] if c < len(row) else ""
            # Short cells centred; a cell that wraps is justified, as running text is.
            fits = all(measure(line) <= capacity[c] for line in text.split("\n"))
            jc = "center" if header or fits else "both"
            paragraphs = "".join(
                _cell_paragraph(line, styles[not header], rprs[not header], jc)
                for line in text.split("\n")
            )
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>'
                f'<w:vAlign w:val="center"/></w:tcPr>{paragraphs}</w:tc>'
            )
        tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{tr_pr}{''.join(cells)}</w:tr>"))
    return tbl


def _cell_paragraph(text: str, style_id: str, rpr: str, jc: str) -> str:
    run = f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{_xml_escape(text)}</w:t></w:r>'
    ppr = f'<w:pStyle w:val="{style_id}"/><w:jc w:val="{jc}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{run if text else ''}</w:p>"


def estimated_height(
    rows: Sequence[Sequence[str]],
    widths: Sequence[int],
    char_twips: float,
    measure: Callable[[str], float],
) -> int:
    """The table's height in twips as the writer estimates pages: each row as tall as its
    tallest cell, a cell one ``LINE`` per wrapped line."""
    measure = _spaced(measure)
    capacity = [max((w - 2 * CELL_MARGIN) / char_twips, 1.0) for w in widths]
    return sum(_row_lines(row, capacity, measure) for row in rows) * LINE


def _row_lines(
    row: Sequence[str], capacity: Sequence[float], measure: Callable[[str], float]
) -> int:
    """Lines of the row's tallest cell, ``capacity`` being each column's characters per line."""
    tallest = 1
    for c, room in enumerate(capacity):
        text = row[c] if c < len(row) else ""
        lines = sum(max(1, math.ceil(measure(ln) / room)) for ln in text.split("\n"))
        tallest = max(tallest, lines)
    return tallest
