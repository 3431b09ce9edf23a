"""The articles: column headings, titles and unit lines, body text, headings and tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from caselib.errors import InvalidInputError
from caselib.publish import docx_table
from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import (
    XML_ILLEGAL,
    clean,
    em_width,
    split_lines,
    title_names_unit,
)
from caselib.publish.bulletin.model import GROUP_TITLES, KIND_CASE, KIND_STORY, Article
from caselib.publish.bulletin.styles import LINE_PITCH


def group(articles: Sequence[Article]) -> list[tuple[str, list[Article]]]:
    cases: list[Article] = []
    stories: list[Article] = []
    for art in articles:
        kind = art.kind.strip().lower()
        if kind == KIND_CASE:
            cases.append(art)
        elif kind == KIND_STORY:
            stories.append(art)
        else:
            raise InvalidInputError(
                f"未知的文章类型“{art.kind}”（{art.title}）："
                "应为 case（经验案例）或 story（暖心故事）"
            )
    return [(k, v) for k, v in ((KIND_CASE, cases), (KIND_STORY, stories)) if v]


def articles(
    w: Document, articles: Sequence[Article], *, compilation: bool
) -> list[tuple[int, str, str, int]]:
    """Write the articles grouped by kind; returns TOC entries (level, text, bookmark, page).

    In a compilation every article starts a page, and the entries carry estimated page
    numbers (counted from 1 at the first article).
    """
    groups = group(articles)
    headed = {kind for kind, _ in groups if kind == KIND_STORY or len(groups) > 1}
    entries: list[tuple[int, str, str, int]] = []
    page, page_start = 1, 0
    new_page = False  # a compilation's first article follows a section break already
    for kind, items in groups:
        for idx, art in enumerate(items):
            with_heading = idx == 0 and kind in headed
            if new_page:
                page += max(1, math.ceil((w.height - page_start) / w.type_height))
                page_start = w.height
            if with_heading:
                w.ensure(w.height_of("group", 1) + title_block(w, art))
                entries.append((1, GROUP_TITLES[kind], "", page))
                w.text_paragraph("group", GROUP_TITLES[kind], page_break=new_page)
            bookmark = f"_Toc{100000001 + len(entries)}" if compilation else ""
            entries.append((2, clean(art.title), bookmark, page))
            article(w, art, page_break=new_page and not with_heading, bookmark=bookmark)
            new_page = compilation
    return entries


def article(w: Document, art: Article, *, page_break: bool, bookmark: str = "") -> None:
    title = clean(art.title)
    if not title:
        raise InvalidInputError("文章标题不能为空")
    if not page_break:
        w.ensure(title_block(w, art))
    with_unit = not title_names_unit(title, art.unit)
    # A unit line sits right under the title and closes the block with the title's space after.
    w.lines_paragraph(
        "title",
        title_lines(w, title),
        page_break=page_break,
        bookmark=bookmark,
        after=0 if with_unit and w.own_style("title") else None,
    )
    if with_unit:
        w.text_paragraph("unit", clean(art.unit))
    previous = "title"
    closing: list[tuple[Any, int]] = []  # the paragraphs after the last heading or table
    # Lines kept with the first of them (keepNext): the title block, or a heading's lines.
    head = math.ceil((title_block(w, art) - 2 * LINE_PITCH) / LINE_PITCH)
    for block in art.blocks:
        if block.type == "heading":
            text = clean(" ".join(block.text.split("\n")))
            if text:
                level = min(max(block.level, 1), 3)
                role = f"h{level}"
                w.ensure(w.height_of(role, w.lines_of(role, text)) + 2 * LINE_PITCH)
                w.text_paragraph(role, text)
                closing, head = [], w.lines_of(role, text)
        elif block.type == "table":
            closing, head = [], 0
            if previous == "table":
                w.paragraph("body", "")  # two tables in a row would merge into one
                w.advance(LINE_PITCH)
            table(w, block.rows)
        else:
            for part in block.text.split("\n"):
                text = clean(part)
                if text:
                    p = w.text_paragraph("body", text, keep_two=previous in ("title", "heading"))
                    closing.append((p, w.lines_of("body", text)))
                    previous = "paragraph"
            continue
        previous = block.type
    keep_closing_lines(closing, head)


# A page never holds only one or two closing lines of an article: they are kept with enough
# of the text before them. Lines kept whole move on only when they do not fit, so a page
# they leave ends at most CLOSING_MAX - 1 lines short (the render checks allow five).
CLOSING_MIN = 3
CLOSING_MAX = 6


def keep_closing_lines(closing: Sequence[tuple[Any, int]], head: int = 0) -> None:
    """Keep an article's closing lines together (``closing``: its last paragraphs, with their
    estimated line counts; ``head``: the lines of the title block or heading that the first of
    them is kept with, counted when the group reaches back to it).

    The rule: the last paragraphs, taken back from the end until they make three lines, stay
    on one page when they make at most six lines, counting the title or heading above them
    when they are all the text under it (keepLines on each, keepNext on all but the last),
    so the last page of an article holds three lines or more, and the page before it gives
    up at most five. When they would make more, the paragraphs shorter than three lines
    at the end are kept whole and with the paragraph before them, which carries at least two
    of its lines over (widow control): the last page holds at least three lines unless the
    last paragraph alone is too long to keep whole; then widow control still carries two
    lines with the last (OOXML's widow control counts two lines, not three), and the page
    before is full, so it could not have taken them.
    """
    if not closing:
        return
    group: list[tuple[Any, int]] = []
    for item in reversed(closing):
        group.insert(0, item)
        if sum(n for _, n in group) >= CLOSING_MIN:
            break
    kept = sum(n for _, n in group) + (head if group[0] is closing[0] else 0)
    whole = kept <= CLOSING_MAX
    if not whole:
        # The first of the group is long: it only keeps two lines with the short ones.
        _set(group[0][0], "w:widowControl")
        if len(group) > 1:
            _set(group[0][0], "w:keepNext")
        group = group[1:]
    for i, (p, _) in enumerate(group):
        _set(p, "w:keepLines")
        if i < len(group) - 1:
            _set(p, "w:keepNext")
    if group:
        _set(group[-1][0], "w:widowControl")


_PPR_ORDER = ("w:keepNext", "w:keepLines", "w:widowControl")


def _set(p: Any, tag: str) -> None:
    """Turn a paragraph property on in direct formatting (after w:pStyle, in schema order)."""
    ppr = p.find(qn("w:pPr"))
    if ppr.find(qn(tag)) is not None:
        return
    anchor = ppr.find(qn("w:pStyle"))
    for earlier in _PPR_ORDER[: _PPR_ORDER.index(tag)]:
        found = ppr.find(qn(earlier))
        if found is not None:
            anchor = found
    anchor.addnext(parse_xml(f"<{tag} {nsdecls('w')}/>"))


def title_lines(w: Document, title: str) -> list[str]:
    capacity = w.type_width / (w.formats["title"].size * 20)
    return split_lines(title, capacity, 3) or [title]


def title_block(w: Document, art: Article) -> int:
    """Height of what must stay together at an article's start: title, unit line and the
    first two lines of text (twips). With caselib's styles it is a whole number of grid lines
    (the space before a title under the 报头 is the header's lead instead)."""
    title = clean(art.title)
    height = w.height_of("title", len(title_lines(w, title)))
    if w.lead is not None:
        height += w.lead - w.spacing_of("title")[0]
    if not title_names_unit(title, art.unit):
        height += w.height_of("unit", 1)
        if w.own_style("title"):
            height -= w.spacing_of("title")[1]
    return height + 2 * LINE_PITCH


def table(w: Document, rows: Sequence[Sequence[str]]) -> None:
    """A table block as a Word table as wide as the type area (see ``docx_table``)."""
    cells = [[XML_ILLEGAL.sub("", cell.replace("\t", " ")).strip() for cell in row] for row in rows]
    if not any(any(row) for row in cells):
        return
    fmt = w.formats["table"]
    char_twips = max(fmt.size * 20 + fmt.spacing, 1.0)
    widths = docx_table.column_widths(cells, w.type_width, char_twips, em_width)
    tbl = docx_table.table_element(
        cells,
        width=w.type_width,
        widths=widths,
        styles=(w.style_ids["table_header"], w.style_ids["table"]),
        rprs=(w.rpr("table_header"), w.rpr("table")),
        char_twips=char_twips,
        measure=em_width,
    )
    w.sect_pr.addprevious(tbl)
    w.advance(docx_table.estimated_height(cells, widths, char_twips, em_width))
