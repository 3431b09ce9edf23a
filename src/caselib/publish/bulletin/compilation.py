"""The front matter of a compilation: the cover and the table of contents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import clean, em_width, fit_display, split_lines
from caselib.publish.bulletin.ooxml import (
    field_begin,
    field_end,
    field_runs,
    merge_rpr,
    sect_without_footers,
    size_rpr,
)
from caselib.publish.bulletin.styles import ERHAO, LINE_PITCH, XIAOCHU, XIAOYI, YIHAO, exact_line


def cover(w: Document, title: str, subtitle: str | None) -> list[Any]:
    width_pt = w.type_width / 20
    size, lines = fit_display(clean(title), width_pt, (XIAOCHU, YIHAO, XIAOYI, ERHAO), 3)
    # About a quarter of the way down the page.
    spacing = (
        f'<w:spacing w:before="{LINE_PITCH * 5}" w:after="0"'
        f' w:line="{exact_line(size)}" w:lineRule="exact"/>'
    )
    rpr = merge_rpr(w.rpr("cover_title"), size_rpr(size))
    sep = f"<w:r><w:rPr>{rpr}</w:rPr><w:br/></w:r>"
    runs = sep.join(w.run_xml("cover_title", line, extra_rpr=size_rpr(size)) for line in lines)
    out = [w.paragraph("cover_title", runs, ppr_extra=spacing)]
    if subtitle and clean(subtitle):
        out.append(w.paragraph("cover_subtitle", w.run_xml("cover_subtitle", clean(subtitle))))
    return out


def toc_lines(w: Document, role: str, text: str) -> list[str]:
    """A contents entry broken into balanced lines (no lone character on a line of its own),
    each short enough for the hanging indent, the last leaving room for dots and the page."""
    fmt = w.formats[role]
    per_line = w.type_width / max(fmt.size * 20 + fmt.spacing, 1.0)
    first = per_line - 3  # the right indent keeps three characters for the page number
    if em_width(text) <= first - 1:
        return [text]
    return split_lines(text, first - 2 - 1, 3) or [text]  # hanging 2, one dot at least


def toc(w: Document, entries: Sequence[tuple[int, str, str, int]]) -> list[Any]:
    """A TOC field whose cached result is the list of titles with estimated page numbers.

    Word replaces the cached list when the field is updated (更新域); LibreOffice shows the
    cached list. Page numbers are PAGEREF fields to bookmarks on the titles.
    """
    heading = w.paragraph(
        "toc_heading",
        w.run_xml("toc_heading", "目", extra_rpr=f'<w:spacing w:val="{ERHAO * 20}"/>')
        + w.run_xml("toc_heading", "录"),
        page_break=True,
    )
    out = [heading]
    for i, (level, text, bookmark, page) in enumerate(entries):
        role = "toc1" if level == 1 else "toc2"
        rpr = w.rpr(role)
        content = field_begin(rpr, ' TOC \\o "1-2" \\h \\z \\u ') if i == 0 else ""
        inner = (f"<w:r><w:rPr>{rpr}</w:rPr><w:br/></w:r>").join(
            w.run_xml(role, line) for line in toc_lines(w, role, text)
        )
        if bookmark:
            inner += f"<w:r><w:rPr>{rpr}</w:rPr><w:tab/></w:r>" + field_runs(
                rpr, f" PAGEREF {bookmark} \\h ", str(page)
            )
            content += f'<w:hyperlink w:anchor="{bookmark}" w:history="1">{inner}</w:hyperlink>'
        else:
            content += inner
        if i == len(entries) - 1:
            content += field_end(rpr)
        out.append(w.paragraph(role, content))
    return out


def section_break(w: Document) -> Any:
    """An empty paragraph ending the cover/TOC section; its page numbering is off."""
    p = w.paragraph("body", "")
    p[0].append(sect_without_footers(w.sect_pr))
    return p
