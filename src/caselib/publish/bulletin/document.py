"""The document being written: page setup, styles, paragraphs, the height estimate, footers."""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as _xml_escape

from docx.opc.constants import RELATIONSHIP_TYPE as _RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from caselib.publish.bulletin.measure import em_width
from caselib.publish.bulletin.ooxml import field_runs, insert_sect_child, int_attr, merge_rpr
from caselib.publish.bulletin.styles import (
    FANGSONG,
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    LATIN_FONT,
    LINE_PITCH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SANHAO,
    SIHAO,
    RunFormat,
    exact_line,
    ind_xml,
    style_defs,
    style_xml,
)
from caselib.publish.bulletin.template import open_document, resolve_run_format
from caselib.publish.fileio import atomic_write

Target = str | os.PathLike[str] | IO[bytes]


def _is_red(colour: str) -> bool:
    """An RGB hex colour that reads as red (FF0000, C00000, E60012 …)."""
    try:
        r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0xB0 and g <= 0x40 and b <= 0x40


# Style names (lower case) a template may use for each of caselib's roles; a role not listed
# is looked up by caselib's own style name only.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    # Not "Body Text": python-docx's own blank template defines one (12 pt, Calibri).
    "body": ("正文", "简报正文"),
    "title": ("文章标题", "title", "标题"),
    "h1": ("一级标题", "heading 1", "标题 1"),
    "h2": ("二级标题", "heading 2", "标题 2"),
    "h3": ("三级标题", "heading 3", "标题 3"),
    "masthead": ("简报报头", "报头", "masthead"),
    "distribution": ("版记", "distribution"),
}
# Roles taken from a template only together with its body style.
SYSTEM_ROLES = frozenset({"title", "h1", "h2", "h3", "unit", "note", "group"})


class Document:
    def __init__(self, template: Path | None, *, keep_masthead: bool = False) -> None:
        self.doc: Any = open_document(template)
        self.templated = template is not None
        self.body: Any = self.doc.element.body
        # A bulletin template whose body already draws a 报头 (red text or a drawing) keeps
        # it as it is; caselib then writes no 报头 of its own.
        self.own_masthead = keep_masthead and self._has_masthead()
        if not self.own_masthead:
            self._clear_body()
        self.sect_pr: Any = self.body.get_or_add_sectPr()
        if not self.templated:
            self._setup_page()
        self.type_width = self._type_width()
        self.left_margin = int_attr(self.sect_pr.find(qn("w:pgMar")), "w:left", MARGIN_LEFT)
        self.type_height = self._type_height()
        self.styles_el: Any = self.doc.styles.element
        self.defs = style_defs(self.type_width)
        self.style_ids: dict[str, str] = {}
        self.formats: dict[str, RunFormat] = {}
        self._rpr_cache: dict[tuple[str, bool], str] = {}
        self._install_styles()
        # Estimated height written so far (twips), to predict page numbers for the contents,
        # and a page model of the same estimate: the page being filled and how much of it is
        # used (every line is on the fixed grid, so the model is a sum of exact heights; only
        # the number of lines a paragraph breaks into is estimated).
        self.height = 0
        self.page = 1
        self.used = 0
        # Space before the next paragraph written, set under the 报头 (``lead``): the block
        # above the text ends on a whole grid line.
        self.lead: int | None = None
        self._bookmark_id = 0

    # ---- document setup -------------------------------------------------------------------

    def _has_masthead(self) -> bool:
        content = [c for c in self.body if c.tag != qn("w:sectPr")]
        for el in content:
            if el.xpath(".//w:drawing | .//w:pict"):
                return True
            for colour in el.xpath(".//w:rPr/w:color/@w:val"):
                if _is_red(str(colour)):
                    return True
        return False

    def _clear_body(self) -> None:
        for child in list(self.body):
            if child.tag != qn("w:sectPr"):
                self.body.remove(child)

    def _setup_page(self) -> None:
        sect = self.sect_pr
        for tag in ("w:pgSz", "w:pgMar", "w:cols", "w:docGrid"):
            for old in sect.findall(qn(tag)):
                sect.remove(old)
        new = parse_xml(
            f"<w:x {nsdecls('w')}>"
            f'<w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>'
            f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}"'
            f' w:left="{MARGIN_LEFT}" w:header="{HEADER_DISTANCE}" w:footer="{FOOTER_DISTANCE}"'
            ' w:gutter="0"/>'
            '<w:cols w:space="425"/>'
            f'<w:docGrid w:type="lines" w:linePitch="{LINE_PITCH}"/>'
            "</w:x>"
        )
        for child in list(new):
            insert_sect_child(sect, child)
        self._fix_defaults()

    def _fix_defaults(self) -> None:
        """Replace the python-docx template's theme fonts, en-US/ja-JP language and spacing."""
        styles = self.doc.styles.element
        rpr_default = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr_default is not None:
            for child in list(rpr_default):
                rpr_default.remove(child)
            for child in parse_xml(
                f"<w:rPr {nsdecls('w')}>"
                f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{FANGSONG}"'
                f' w:cs="{LATIN_FONT}"/>'
                f'<w:kern w:val="2"/><w:sz w:val="{SANHAO * 2}"/><w:szCs w:val="{SANHAO * 2}"/>'
                '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
            ):
                rpr_default.append(child)
        ppr_default = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}")
        if ppr_default is not None:
            for child in list(ppr_default):
                ppr_default.remove(child)
            ppr_default.append(
                parse_xml(f'<w:spacing {nsdecls("w")} w:after="0" w:line="240" w:lineRule="auto"/>')
            )
        settings = self.doc.settings.element
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        # The template's thumbnail is a picture of an empty Letter page.
        rels = self.doc.part.package.rels
        for rid, rel in list(rels.items()):
            if rel.reltype == _RT.THUMBNAIL:
                rels.pop(rid)

    def _type_width(self) -> int:
        pg_sz = self.sect_pr.find(qn("w:pgSz"))
        pg_mar = self.sect_pr.find(qn("w:pgMar"))
        width = int_attr(pg_sz, "w:w", PAGE_WIDTH)
        left = int_attr(pg_mar, "w:left", MARGIN_LEFT)
        right = int_attr(pg_mar, "w:right", MARGIN_RIGHT)
        gutter = int_attr(pg_mar, "w:gutter", 0)
        return max(width - left - right - gutter, 1440)

    def _type_height(self) -> int:
        pg_sz = self.sect_pr.find(qn("w:pgSz"))
        pg_mar = self.sect_pr.find(qn("w:pgMar"))
        height = int_attr(pg_sz, "w:h", PAGE_HEIGHT)
        top = abs(int_attr(pg_mar, "w:top", MARGIN_TOP))
        bottom = abs(int_attr(pg_mar, "w:bottom", MARGIN_BOTTOM))
        return max(height - top - bottom, 1440)

    def _install_styles(self) -> None:
        styles = self.styles_el
        # The East Asian theme font would win over nothing we set, but Word shows it as the
        # document default and WPS falls back to it: drop it (python-docx issues 154, 1139).
        fonts = styles.find(
            f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"
        )
        if fonts is not None and fonts.get(qn("w:eastAsiaTheme")) is not None:
            del fonts.attrib[qn("w:eastAsiaTheme")]
            if fonts.get(qn("w:eastAsia")) is None:
                fonts.set(qn("w:eastAsia"), FANGSONG)
        by_name: dict[str, Any] = {}
        by_id: dict[str, Any] = {}
        for style in styles.findall(qn("w:style")):
            if style.get(qn("w:type")) != "paragraph":
                continue
            by_id[style.get(qn("w:styleId"))] = style
            name = style.find(qn("w:name"))
            if name is not None:
                by_name[name.get(qn("w:val"), "").lower()] = style
        # A template's styles are taken by role name (Chinese or English, ROLE_NAMES). Its
        # Normal is never taken as the body: every template has one (python-docx's and Word's
        # blank ones too), and a 12 pt Normal under caselib's 16 pt headings is the mix an
        # office would have to repair. The title and heading styles are taken only when the
        # template also names a body style, so body and headings come from one system.
        system = self.templated and any(n in by_name for n in ROLE_NAMES["body"])
        for role, d in self.defs.items():
            existing: Any = None
            if self.templated and (system or role not in SYSTEM_ROLES):
                names = ROLE_NAMES.get(role, (d.name,))
                existing = next((by_name[n] for n in names if n in by_name), None)
            if existing is not None:
                self.style_ids[role] = existing.get(qn("w:styleId"))
                continue
            style_id = d.style_id
            if style_id in by_id:
                if self.templated:
                    # Never replace a template style another style may be based on.
                    style_id = f"Caselib{style_id}"
                    if role == "body":
                        d = replace(d, name="简报正文", builtin=False)
                else:
                    styles.remove(by_id[style_id])
            new = parse_xml(style_xml(d, style_id))
            styles.append(new)
            by_id[style_id] = new
            self.style_ids[role] = style_id
        for role, d in self.defs.items():
            self.formats[role] = resolve_run_format(styles, by_id, self.style_ids[role], d.run)

    # ---- paragraphs -------------------------------------------------------------------------

    def own_style(self, role: str) -> bool:
        """True when ``role`` has caselib's style, not one taken from a template."""
        return self.style_ids[role] in (
            self.defs[role].style_id,
            f"Caselib{self.defs[role].style_id}",
        )

    def rpr(self, role: str, *, bold: bool = False) -> str:
        key = (role, bold)
        if key not in self._rpr_cache:
            fmt = self.formats[role]
            if bold:
                fmt = replace(fmt, bold=True)
            self._rpr_cache[key] = fmt.rpr_xml()
        return self._rpr_cache[key]

    def run_xml(self, role: str, text: str, *, bold: bool = False, extra_rpr: str = "") -> str:
        rpr = self.rpr(role, bold=bold)
        if extra_rpr:
            rpr = merge_rpr(rpr, extra_rpr)
        return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{_xml_escape(text)}</w:t></w:r>'

    def paragraph(
        self,
        role: str,
        content: str,
        *,
        ppr_extra: str = "",
        spacing: str = "",
        page_break: bool = False,
        parent: Any = None,
    ) -> Any:
        """Append a paragraph of style ``role`` whose runs are ``content`` (raw run XML).

        ``spacing`` (a w:spacing element) follows ``ppr_extra``, which must then hold only
        elements that precede w:spacing in the schema (w:widowControl)."""
        ppr = f'<w:pStyle w:val="{self.style_ids[role]}"/>'
        if page_break:
            ppr += "<w:pageBreakBefore/>"
            if parent is None and self.used:
                self.new_page()
        ppr += ppr_extra + spacing
        p = parse_xml(f"<w:p {nsdecls('w')}><w:pPr>{ppr}</w:pPr>{content}</w:p>")
        if parent is None:
            self.sect_pr.addprevious(p)  # the body's sectPr must stay last
        else:
            parent.append(p)
        return p

    def text_paragraph(
        self, role: str, text: str, *, page_break: bool = False, keep_two: bool = False
    ) -> Any:
        """One paragraph; ``keep_two`` (the first paragraph under a title or heading) turns
        widow/orphan control on for it, so its first two lines stay with what precedes it
        (Word, WPS and LibreOffice all honour w:widowControl with keepNext above it)."""
        extra = "<w:widowControl/>" if keep_two else ""
        before, after, spacing = self.spacing(role)
        p = self.paragraph(
            role, self.run_xml(role, text), page_break=page_break, ppr_extra=extra, spacing=spacing
        )
        self.account(role, [text], before, after)
        return p

    def lines_paragraph(
        self,
        role: str,
        lines: Sequence[str],
        *,
        page_break: bool = False,
        bookmark: str = "",
        after: int | None = None,
    ) -> None:
        """One paragraph, its lines separated by manual line breaks (``after``: its space
        after, when not the style's)."""
        runs = [self.run_xml(role, line) for line in lines]
        content = f"<w:r><w:rPr>{self.rpr(role)}</w:rPr><w:br/></w:r>".join(runs)
        if bookmark:
            self._bookmark_id += 1
            bid = self._bookmark_id
            content = (
                f'<w:bookmarkStart w:id="{bid}" w:name="{bookmark}"/>{content}'
                f'<w:bookmarkEnd w:id="{bid}"/>'
            )
        before, after, spacing = self.spacing(role, after=after)
        self.paragraph(role, content, page_break=page_break, spacing=spacing)
        self.account(role, lines, before, after)

    def lines_of(self, role: str, text: str) -> int:
        """Estimated number of lines ``text`` breaks into in style ``role``."""
        fmt = self.formats[role]
        char_twips = max(fmt.size * 20 + fmt.spacing, 1.0)
        capacity = max(int(self.type_width / char_twips), 1)
        indent = 2 if role in ("body", "note", "h1", "h2", "h3") else 0
        return max(1, math.ceil((em_width(text) + indent) / capacity))

    def spacing_of(self, role: str) -> tuple[int, int]:
        """Space before and after a paragraph of style ``role`` (twips)."""
        ppr = self.defs[role].ppr
        before = sum(int(x) for x in re.findall(r'w:before="(\d+)"', ppr))
        after = sum(int(x) for x in re.findall(r'w:after="(\d+)"', ppr))
        return before, after

    def spacing(self, role: str, *, after: int | None = None) -> tuple[int, int, str]:
        """Space before and after the next paragraph of ``role`` and the w:spacing that sets
        them where they differ from the style's: the first paragraph under the 报头 takes the
        ``lead`` as its space before, ``after`` replaces the style's space after."""
        style_before, style_after = self.spacing_of(role)
        attrs = []
        before = style_before
        if self.lead is not None:
            before, self.lead = self.lead, None
            attrs.append(f'w:before="{before}" w:beforeLines="0"')
        if after is not None:
            attrs.append(f'w:after="{after}" w:afterLines="0"')
        else:
            after = style_after
        xml = f"<w:spacing {' '.join(attrs)}/>" if attrs else ""
        return before, after, xml

    def line_of(self, role: str) -> int:
        """Height of one line of style ``role`` (twips): its exact line spacing."""
        found = re.search(r'w:line="(\d+)" w:lineRule="exact"', self.defs[role].ppr)
        return int(found.group(1)) if found else exact_line(self.formats[role].size)

    def height_of(self, role: str, lines: int) -> int:
        before, after = self.spacing_of(role)
        return before + lines * self.line_of(role) + after

    def account(
        self, role: str, lines: Sequence[str], before: int | None = None, after: int | None = None
    ) -> None:
        """Add a paragraph's estimated height (twips) to the running estimate (``before`` and
        ``after``: its spacing, when not the style's)."""
        n = sum(self.lines_of(role, line) for line in lines)
        style_before, style_after = self.spacing_of(role)
        before = style_before if before is None else before
        after = style_after if after is None else after
        self.place(before, n, self.line_of(role), after)

    def ensure(self, twips: int) -> None:
        """Model a keep-together block of ``twips``: it starts a page when it does not fit."""
        if self.used and self.used + twips > self.type_height:
            self.new_page()

    def place(self, before: int, lines: int, line: int, after: int = 0) -> None:
        """Add a paragraph of ``lines`` lines of ``line`` twips to the estimate and page model.

        Space before a paragraph at the top of a page (after the first) is dropped, as
        LibreOffice and Word do after a natural page break.
        """
        self.height += before + lines * line + after
        if self.used or self.page == 1:
            self.used += before
        for _ in range(lines):
            if self.used + line > self.type_height:
                self.new_page()
            self.used += line
        self.used = min(self.used + after, self.type_height)

    def advance(self, twips: int) -> None:
        """Add a block that cannot be split (a table row, a rule's spacing)."""
        self.height += twips
        if self.used + twips > self.type_height:
            self.new_page()
        self.used += twips

    def new_page(self) -> None:
        self.page += 1
        self.used = 0

    # ---- bulletin parts -------------------------------------------------------------------

    # ---- footers, properties, saving --------------------------------------------------------

    def page_number_footers(self, *, restart: bool = False) -> None:
        has_footer = self.sect_pr.find(qn("w:footerReference")) is not None
        if restart:
            pg = self.sect_pr.find(qn("w:pgNumType"))
            if pg is None:
                pg = parse_xml(f'<w:pgNumType {nsdecls("w")} w:start="1"/>')
                insert_sect_child(self.sect_pr, pg)
            else:
                pg.set(qn("w:start"), "1")
        if self.templated and has_footer:
            return
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[-1]
        char = SIHAO * 20
        for footer, jc, ind in (
            (section.footer, "right", ind_xml(right_chars=100, char_twips=char)),
            (section.even_page_footer, "left", ind_xml(left_chars=100, char_twips=char)),
        ):
            footer.is_linked_to_previous = False
            element = footer._element
            for child in list(element):
                element.remove(child)
            rpr = self.rpr("page_number")
            runs = (
                f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">— </w:t></w:r>'
                + field_runs(rpr, " PAGE ", "1")
                + f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve"> —</w:t></w:r>'
            )
            ppr = f'<w:snapToGrid w:val="0"/>{ind}<w:jc w:val="{jc}"/>'
            self.paragraph("page_number", runs, ppr_extra=ppr, parent=element)

    def properties(self, title: str, author: str, subject: str) -> None:
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0, tzinfo=None)
        props = self.doc.core_properties
        props.title = title[:255]
        props.subject = subject[:255]
        props.author = author[:255]
        props.last_modified_by = author[:255]
        props.comments = ""
        props.keywords = ""
        props.category = ""
        props.language = "zh-CN"
        props.revision = 1
        props.created = now
        props.modified = now

    def save(self, target: Target) -> None:
        save(self.doc, target)


def save(doc: Any, target: Target) -> None:
    """Save to a stream, or to a path atomically (a failed export leaves no half-written file;
    an existing file is replaced: the caller decides whether that is allowed)."""
    if not isinstance(target, (str, os.PathLike)):
        doc.save(target)
        return
    atomic_write(Path(target), doc.save, force=True)
