"""Writing a 简报 (work bulletin) or a case compilation (汇编) as DOCX.

The layout follows docs/bulletin-format.md (GB/T 9704-2012 page, fonts and page numbers, plus the
usual 报头 and 版记 of a bulletin). This is the only module that imports python-docx; the CLI
imports it lazily.

Decisions worth knowing:

* Every run carries its fonts and size directly, with the East Asian font in
  ``w:rFonts/@w:eastAsia`` (python-docx's ``font.name`` does not set it), so Word, WPS and
  LibreOffice agree whatever the styles say. The same values live in named paragraph styles
  (正文 = Normal, 文章标题, 一级标题 …) so the document stays editable by style.
* Articles are grouped by kind: 经验案例 first, then 暖心故事. Stories always sit under a
  “暖心故事” column heading; cases get a “经验案例” heading only when stories follow too (a
  bulletin of cases alone, like the seed issue, needs no column heading).
* A title already of the form “单位：主题” names its unit; any other title gets the unit on a
  line of its own under it. Long titles are broken into balanced lines (at a space first), so a
  centred title never ends with one orphaned character.
* The 报头 name is split to fit the 156 mm type area: a trailing “简报” stands alone in 初号 and
  the rest takes one or two lines at the largest size that fits, broken after a unit word
  (大学、党委、干部…) where possible. A newline in the series name forces a break.
* The 报/送/发 block is a one-column table as wide as the type area (its borders are the
  thick/thin rules), placed after the last article, not pinned to the page foot.
* A compilation's 目录 is a TOC field whose cached result already lists the titles, with page
  numbers estimated from the 22 × 28 grid (PAGEREF fields to bookmarks on the titles), so it
  reads right before anyone updates fields; Word's 更新域 replaces it with the real one.
* With a ``template``, the template's last section (page size, margins, grid, headers and
  footers) and its styles are kept. A style the template defines under one of our style names
  is used as it is, and runs take their fonts from it; styles it lacks are added. The body uses
  the template's “正文” style if it has one, else its Normal. Page-number footers are added only
  when the template has no footers of its own.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _quoteattr

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as _RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from caselib.errors import CaselibError, InvalidInputError
from caselib.publish import docx_table
from caselib.publish.fileio import atomic_write
from caselib.text.blocks import Block
from caselib.text.dates import format_chinese_date

__all__ = [
    "Article",
    "BulletinSpec",
    "write_bulletin",
    "write_compilation",
]

# --------------------------------------------------------------------------------------------
# Public data
# --------------------------------------------------------------------------------------------

KIND_CASE = "case"
KIND_STORY = "story"
GROUP_TITLES = {KIND_CASE: "经验案例", KIND_STORY: "暖心故事"}
DISTRIBUTION_ORDER = ("报", "送", "发")


@dataclass
class Article:
    """One case or story as it appears in an export."""

    title: str
    unit: str
    kind: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class BulletinSpec:
    """The issue-level data of a 简报: 报头, 期号, 编印单位, date, 编者按 and 版记."""

    series: str
    number: int
    date: _dt.date
    office: str
    editor_note: str | None
    distribution: dict[str, list[str]]
    copies: int | None = None


Target = str | os.PathLike[str] | IO[bytes]

# --------------------------------------------------------------------------------------------
# Layout constants (docs/bulletin-format.md)
# --------------------------------------------------------------------------------------------

PAGE_WIDTH = 11906  # A4, twips
PAGE_HEIGHT = 16838
MARGIN_TOP = 2098  # 37 mm
MARGIN_BOTTOM = 1984  # 35 mm
MARGIN_LEFT = 1587  # 28 mm
MARGIN_RIGHT = 1474  # 26 mm
HEADER_DISTANCE = 851  # 15 mm; no header is used
FOOTER_DISTANCE = 1304  # 23 mm: the page number's dashes sit about 7 mm under the type area
LINE_PITCH = 579  # exact line spacing and docGrid pitch: 22 lines per page
BODY_CHAR_SPACING = -5  # −0.25 pt: 28 characters of 三号 per line

LATIN_FONT = "Times New Roman"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
RED = "FF0000"
BLACK = "000000"

# Chinese size names in points.
CHUHAO, XIAOCHU, YIHAO, XIAOYI, ERHAO, XIAOER, SANHAO, SIHAO = 42, 36, 26, 24, 22, 18, 16, 14

RULE_THICK = 8  # eighths of a point: 1 pt ≈ 0.35 mm
RULE_THIN = 6  # 0.75 pt ≈ 0.25 mm
RED_RULE = 18  # 2.25 pt red rule under the 编印单位 line
RED_RULE_SPACE = 6  # points between the line and the red rule

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TITLE_COLON = re.compile(r"^(?P<prefix>[^：:]{1,40})[：:]")
_UNIT_WORDS = (
    "大学",
    "学院",
    "学校",
    "党委",
    "工委",
    "委员会",
    "办公室",
    "领导小组",
    "党组",
    "支部",
    "机关",
    "政府",
    "中心",
    "公司",
    "医院",
    "干部",
    "党员",
    "活动",
    "工作",
)
_NO_LINE_START = set("，。、：；！？）》」』】〕”’…—·,.;:!?)]}%")
_NO_LINE_END = set("（《「『【〔“‘([{")
_BREAK_AFTER = set("：，、；:,;")


# --------------------------------------------------------------------------------------------
# Run and paragraph formatting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RunFormat:
    east_asia: str
    size: float  # points
    latin: str = LATIN_FONT
    bold: bool = False
    color: str | None = None
    spacing: int = 0  # twentieths of a point

    def rpr_xml(self, *, explicit: bool = False) -> str:
        """Run properties; ``explicit`` also writes zero spacing (a style must not inherit
        the body's −0.25 pt from Normal)."""
        ea, lat = _quoteattr(self.east_asia), _quoteattr(self.latin)
        parts = [
            f'<w:rFonts w:ascii={lat} w:hAnsi={lat} w:eastAsia={ea} w:cs={lat} w:hint="eastAsia"/>'
        ]
        if self.bold:
            parts.append("<w:b/><w:bCs/>")
        if self.color:
            parts.append(f'<w:color w:val="{self.color}"/>')
        if self.spacing or explicit:
            parts.append(f'<w:spacing w:val="{self.spacing}"/>')
        half = round(self.size * 2)
        parts.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
        return "".join(parts)


def _ind_xml(
    *,
    first_chars: int = 0,
    hanging_chars: int = 0,
    left_chars: int = 0,
    right_chars: int = 0,
    char_twips: int = SANHAO * 20,
) -> str:
    """An explicit w:ind (zeros included, so nothing leaks in from Normal's first-line indent)."""
    attrs = [
        f'w:left="{left_chars * char_twips // 100}" w:leftChars="{left_chars}"',
        f'w:right="{right_chars * char_twips // 100}" w:rightChars="{right_chars}"',
    ]
    if hanging_chars:
        attrs.append(
            f'w:hanging="{hanging_chars * char_twips // 100}" w:hangingChars="{hanging_chars}"'
        )
    else:
        attrs.append(
            f'w:firstLine="{first_chars * char_twips // 100}" w:firstLineChars="{first_chars}"'
        )
    return f"<w:ind {' '.join(attrs)}/>"


def _ppr_xml(
    *,
    jc: str,
    ind: str,
    line: int = LINE_PITCH,
    line_rule: str = "exact",
    before: int = 0,
    after: int = 0,
    keep_next: bool = False,
    borders: str = "",
    tabs: str = "",
    outline: int | None = None,
    snap: bool = True,
) -> str:
    """Paragraph properties in schema order (Word rejects out-of-order children).

    ``snap=False`` takes display lines (larger than 三号) off the document grid: LibreOffice
    would otherwise give each of them two grid lines, while Word keeps the exact spacing.
    """
    parts = []
    if keep_next:
        parts.append("<w:keepNext/>")
    parts.append('<w:widowControl w:val="0"/>')
    if borders:
        parts.append(f"<w:pBdr>{borders}</w:pBdr>")
    if tabs:
        parts.append(f"<w:tabs>{tabs}</w:tabs>")
    # Word's default, written out because LibreOffice reads it inverted: with it, LibreOffice
    # wraps line-end punctuation instead of hanging it, which with −0.25 pt character spacing
    # it fails to draw at all (LibreOffice 7.4). Word and WPS lay out as before.
    parts.append('<w:overflowPunct w:val="1"/>')
    if not snap:
        parts.append('<w:snapToGrid w:val="0"/>')
    parts.append(
        f'<w:spacing w:before="{before}" w:beforeLines="0" w:after="{after}" w:afterLines="0"'
        f' w:line="{line}" w:lineRule="{line_rule}"/>'
    )
    parts.append(ind)
    parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    return "".join(parts)


@dataclass(frozen=True)
class _StyleDef:
    """One of caselib's paragraph styles: what it is called and what it looks like."""

    role: str
    style_id: str
    name: str
    run: _RunFormat
    ppr: str
    builtin: bool = False


def _exact_line(size: float) -> int:
    """Exact line height for a display line of ``size`` points (at least one grid line)."""
    return max(LINE_PITCH, round(size * 20 * 1.3))


def _style_defs(type_width: int) -> dict[str, _StyleDef]:
    body_run = _RunFormat(FANGSONG, SANHAO, spacing=BODY_CHAR_SPACING)
    body_ppr = _ppr_xml(jc="both", ind=_ind_xml(first_chars=200))
    heading_ppr = [
        _ppr_xml(jc="both", ind=_ind_xml(first_chars=200), keep_next=True, outline=level + 1)
        for level in (1, 2, 3)
    ]
    centred = _ind_xml()
    red_rule = (
        f'<w:bottom w:val="single" w:sz="{RED_RULE}" w:space="{RED_RULE_SPACE}" w:color="{RED}"/>'
    )
    defs = [
        _StyleDef("body", "Normal", "Normal", body_run, body_ppr, builtin=True),
        _StyleDef(
            "masthead",
            "CaselibMasthead",
            "简报报头",
            _RunFormat(XIAOBIAOSONG, CHUHAO, color=RED),
            _ppr_xml(jc="center", ind=centred, line=_exact_line(CHUHAO), snap=False),
        ),
        _StyleDef(
            "issue",
            "CaselibIssue",
            "简报期号",
            _RunFormat(FANGSONG, SANHAO),
            _ppr_xml(jc="center", ind=centred, before=LINE_PITCH // 2),
        ),
        _StyleDef(
            "office",
            "CaselibOffice",
            "简报编印单位",
            _RunFormat(FANGSONG, SANHAO),
            _ppr_xml(
                jc="left",
                ind=centred,
                borders=red_rule,
                tabs=f'<w:tab w:val="right" w:pos="{type_width}"/>',
            ),
        ),
        _StyleDef(
            "note",
            "CaselibEditorNote",
            "编者按",
            _RunFormat(KAITI, SANHAO, spacing=BODY_CHAR_SPACING),
            _ppr_xml(jc="both", ind=_ind_xml(first_chars=200), before=LINE_PITCH),
        ),
        _StyleDef(
            "group",
            "CaselibColumn",
            "栏目标题",
            _RunFormat(HEITI, XIAOER),
            _ppr_xml(
                jc="center", ind=centred, before=LINE_PITCH, keep_next=True, outline=0, snap=False
            ),
        ),
        _StyleDef(
            "title",
            "CaselibTitle",
            "文章标题",
            _RunFormat(XIAOBIAOSONG, ERHAO),
            _ppr_xml(
                jc="center",
                ind=centred,
                line=_exact_line(ERHAO),
                before=LINE_PITCH,
                after=LINE_PITCH // 2,
                keep_next=True,
                outline=1,
                snap=False,
            ),
        ),
        _StyleDef(
            "unit",
            "CaselibUnit",
            "文章单位",
            _RunFormat(KAITI, SANHAO, spacing=BODY_CHAR_SPACING),
            _ppr_xml(jc="center", ind=centred, after=LINE_PITCH // 2, keep_next=True),
        ),
        _StyleDef(
            "h1", "CaselibHeading1", "一级标题", replace(body_run, east_asia=HEITI), heading_ppr[0]
        ),
        _StyleDef(
            "h2", "CaselibHeading2", "二级标题", replace(body_run, east_asia=KAITI), heading_ppr[1]
        ),
        _StyleDef("h3", "CaselibHeading3", "三级标题", body_run, heading_ppr[2]),
        _StyleDef(
            "distribution",
            "CaselibDistribution",
            "版记",
            _RunFormat(FANGSONG, SIHAO),
            _ppr_xml(
                jc="left",
                ind=_ind_xml(
                    left_chars=300, hanging_chars=200, right_chars=100, char_twips=SIHAO * 20
                ),
            ),
        ),
        _StyleDef(
            "table",
            "CaselibTable",
            "表格文字",
            _RunFormat(FANGSONG, SIHAO),
            _ppr_xml(jc="center", ind=centred, line=docx_table.LINE, snap=False),
        ),
        _StyleDef(
            "table_header",
            "CaselibTableHeader",
            "表格标题行",
            _RunFormat(HEITI, SIHAO),
            _ppr_xml(jc="center", ind=centred, line=docx_table.LINE, snap=False),
        ),
        _StyleDef(
            "page_number",
            "CaselibPageNumber",
            "页码",
            _RunFormat(SONGTI, SIHAO, latin=SONGTI),
            _ppr_xml(jc="right", ind=centred, line=240, line_rule="auto"),
        ),
        _StyleDef(
            "cover_title",
            "CaselibCoverTitle",
            "封面标题",
            _RunFormat(XIAOBIAOSONG, XIAOCHU),
            _ppr_xml(jc="center", ind=centred, line=_exact_line(XIAOCHU), snap=False),
        ),
        _StyleDef(
            "cover_subtitle",
            "CaselibCoverSubtitle",
            "封面副标题",
            _RunFormat(KAITI, SANHAO),
            _ppr_xml(jc="center", ind=centred, before=LINE_PITCH),
        ),
        _StyleDef(
            "toc_heading",
            "CaselibTocHeading",
            "目录标题",
            _RunFormat(HEITI, ERHAO),
            _ppr_xml(
                jc="center", ind=centred, line=_exact_line(ERHAO), after=LINE_PITCH // 2, snap=False
            ),
        ),
    ]
    toc_tabs = f'<w:tab w:val="right" w:leader="dot" w:pos="{type_width}"/>'
    defs.append(
        _StyleDef(
            "toc1",
            "TOC1",
            "toc 1",
            _RunFormat(HEITI, SANHAO),
            _ppr_xml(jc="left", ind=centred, tabs=toc_tabs, before=LINE_PITCH // 2),
            builtin=True,
        )
    )
    defs.append(
        _StyleDef(
            "toc2",
            "TOC2",
            "toc 2",
            body_run,
            # Wrapped lines stop three characters short of the page numbers.
            _ppr_xml(jc="both", ind=_ind_xml(right_chars=300), tabs=toc_tabs),
            builtin=True,
        )
    )
    return {d.role: d for d in defs}


def _style_xml(d: _StyleDef, style_id: str) -> str:
    w = nsdecls("w")
    if style_id == "Normal":
        head = f'<w:style {w} w:type="paragraph" w:default="1" w:styleId="Normal">'
        links = "<w:qFormat/>"
    elif d.builtin:
        head = f'<w:style {w} w:type="paragraph" w:styleId="{style_id}">'
        links = '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>'
        links += "<w:unhideWhenUsed/>"
    else:
        head = f'<w:style {w} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        links = '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
    return (
        f"{head}<w:name w:val={_quoteattr(d.name)}/>{links}"
        f"<w:pPr>{d.ppr}</w:pPr><w:rPr>{d.run.rpr_xml(explicit=True)}</w:rPr></w:style>"
    )


# --------------------------------------------------------------------------------------------
# Text measuring and line breaking
# --------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text safe for XML, with tabs as spaces and no stray line breaks."""
    return _XML_ILLEGAL.sub("", text.replace("\t", " ")).strip()


def _em_width(text: str) -> float:
    """Width in ems: CJK and full-width (curly quotes included) 1, narrow Latin ½."""
    width = 0.0
    for ch in text:
        if ch.isascii() or unicodedata.east_asian_width(ch) in ("Na", "H"):
            width += 0.5
        else:
            width += 1.0
    return width


def _break_candidates(text: str) -> list[tuple[int, int, int]]:
    """Places a line may break: (end of this line, start of the next, quality 0–2)."""
    out: list[tuple[int, int, int]] = []
    n = len(text)
    i = 1
    while i < n:
        if text[i].isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j < n:
                # the space stays at the end of the line, so the title reads back whole
                out.append((j, j, 2))
            i = j + 1
            continue
        prev, nxt = text[i - 1], text[i]
        if prev.isspace() or nxt in _NO_LINE_START or prev in _NO_LINE_END:
            i += 1
            continue
        if prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum():
            i += 1  # never inside a Latin word or a number
            continue
        if prev in _BREAK_AFTER:
            quality = 2
        elif any(text[:i].endswith(w) for w in _UNIT_WORDS):
            quality = 1
        else:
            quality = 0
        out.append((i, i, quality))
        i += 1
    return out


def _split_lines(
    text: str, capacity: float, max_lines: int, min_quality: int = 0
) -> list[str] | None:
    """Break ``text`` into at most ``max_lines`` lines of ≤ ``capacity`` ems.

    Only breaks of at least ``min_quality`` are used (2: at a space or after a comma or colon,
    1: after a unit word, 0: between any two characters that may be split). Fewest lines
    first, then the best worst break, then the most balanced lines. None when nothing fits.
    """
    text = text.strip()
    if _em_width(text) <= capacity:
        return [text]
    cands = [(0, 0, 2), *(c for c in _break_candidates(text) if c[2] >= min_quality)]

    # Depth-first over break choices; display lines are short, so this stays tiny.
    def search(
        start_idx: int, lines_left: int, acc: list[str], worst: int
    ) -> Iterator[tuple[list[str], int]]:
        start = cands[start_idx][1]
        if lines_left == 1:
            last = text[start:]
            if _em_width(last) <= capacity:
                yield [*acc, last], worst
            return
        for k in range(start_idx + 1, len(cands)):
            end, _, quality = cands[k]
            line = text[start:end]
            if _em_width(line) > capacity:
                break
            yield from search(k, lines_left - 1, [*acc, line], min(worst, quality))

    for lines_wanted in range(2, max_lines + 1):
        best: tuple[tuple[int, float], list[str]] | None = None
        for lines, worst in search(0, lines_wanted, [], 2):
            widths = [_em_width(x) for x in lines]
            key = (-worst, max(widths) - min(widths))
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return None


def _fit_display(
    text: str, width_pt: float, sizes: Sequence[float], max_lines: int
) -> tuple[float, list[str]]:
    """Pick the largest size at which ``text`` fits in ``max_lines`` lines with good breaks.

    A break inside a phrase (quality 0) is accepted only when no size allows a better one.
    """
    for min_quality in (1, 0):
        for size in sizes:
            lines = _split_lines(text, width_pt / size, max_lines, min_quality)
            if lines is not None:
                return size, lines
    return sizes[-1], [text]


def _masthead_lines(series: str, width_pt: float) -> list[tuple[str, float]]:
    """The 报头 as (line, point size) pairs, fitted to the type-area width."""
    explicit = [_clean(x) for x in series.splitlines() if _clean(x)]
    if len(explicit) > 1:
        return [
            (line, _fit_display(line, width_pt, (CHUHAO, XIAOCHU, YIHAO, XIAOYI, ERHAO), 1)[0])
            for line in explicit
        ]
    name = re.sub(r"简\s*报$", "简报", _clean(series))
    if name.endswith("简报") and len(name) > 2:
        prefix = name[:-2].strip()
        size, lines = _fit_display(prefix, width_pt, (XIAOCHU, YIHAO, XIAOYI, ERHAO, XIAOER), 2)
        return [*((line, size) for line in lines), ("简报", CHUHAO)]
    size, lines = _fit_display(name, width_pt, (CHUHAO, XIAOCHU, YIHAO, XIAOYI, ERHAO), 2)
    return [(line, size) for line in lines]


def _title_names_unit(title: str, unit: str) -> bool:
    """True when the title is already “单位：主题” for this unit (or there is no unit)."""
    unit = unit.strip()
    if not unit:
        return True
    match = _TITLE_COLON.match(title)
    if not match:
        return False
    prefix = match.group("prefix").strip()
    return unit in prefix or prefix in unit


# --------------------------------------------------------------------------------------------
# The writer
# --------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, template: Path | None) -> None:
        self.doc: Any = _open_document(template)
        self.templated = template is not None
        self.body: Any = self.doc.element.body
        self._clear_body()
        self.sect_pr: Any = self.body.get_or_add_sectPr()
        if not self.templated:
            self._setup_page()
        self.type_width = self._type_width()
        self.type_height = self._type_height()
        self.styles_el: Any = self.doc.styles.element
        self.defs = _style_defs(self.type_width)
        self.style_ids: dict[str, str] = {}
        self.formats: dict[str, _RunFormat] = {}
        self._rpr_cache: dict[tuple[str, bool], str] = {}
        self._install_styles()
        # Estimated height written so far (twips), to predict page numbers for the contents.
        self.height = 0
        self._bookmark_id = 0

    # ---- document setup -------------------------------------------------------------------

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
            _insert_sect_child(sect, child)
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
        width = _int_attr(pg_sz, "w:w", PAGE_WIDTH)
        left = _int_attr(pg_mar, "w:left", MARGIN_LEFT)
        right = _int_attr(pg_mar, "w:right", MARGIN_RIGHT)
        gutter = _int_attr(pg_mar, "w:gutter", 0)
        return max(width - left - right - gutter, 1440)

    def _type_height(self) -> int:
        pg_sz = self.sect_pr.find(qn("w:pgSz"))
        pg_mar = self.sect_pr.find(qn("w:pgMar"))
        height = _int_attr(pg_sz, "w:h", PAGE_HEIGHT)
        top = abs(_int_attr(pg_mar, "w:top", MARGIN_TOP))
        bottom = abs(_int_attr(pg_mar, "w:bottom", MARGIN_BOTTOM))
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
        default_para: Any = None
        for style in styles.findall(qn("w:style")):
            if style.get(qn("w:type")) != "paragraph":
                continue
            by_id[style.get(qn("w:styleId"))] = style
            name = style.find(qn("w:name"))
            if name is not None:
                by_name[name.get(qn("w:val"), "").lower()] = style
            if style.get(qn("w:default")) in ("1", "true", "on"):
                default_para = style
        for role, d in self.defs.items():
            existing: Any = None
            if self.templated:
                if role == "body":
                    for candidate in (by_name.get("正文"), default_para, by_id.get("Normal")):
                        if candidate is not None:
                            existing = candidate
                            break
                else:
                    existing = by_name.get(d.name.lower())
            if existing is not None:
                self.style_ids[role] = existing.get(qn("w:styleId"))
                continue
            style_id = d.style_id
            if style_id in by_id:
                if self.templated:
                    # Never replace a template style another style may be based on.
                    style_id = f"Caselib{style_id}"
                else:
                    styles.remove(by_id[style_id])
            new = parse_xml(_style_xml(d, style_id))
            styles.append(new)
            by_id[style_id] = new
            self.style_ids[role] = style_id
        for role, d in self.defs.items():
            self.formats[role] = _resolve_run_format(styles, by_id, self.style_ids[role], d.run)

    # ---- paragraphs -------------------------------------------------------------------------

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
            rpr = _merge_rpr(rpr, extra_rpr)
        return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{_xml_escape(text)}</w:t></w:r>'

    def paragraph(
        self,
        role: str,
        content: str,
        *,
        ppr_extra: str = "",
        page_break: bool = False,
        parent: Any = None,
    ) -> Any:
        """Append a paragraph of style ``role`` whose runs are ``content`` (raw run XML)."""
        ppr = f'<w:pStyle w:val="{self.style_ids[role]}"/>'
        if page_break:
            ppr += "<w:pageBreakBefore/>"
        ppr += ppr_extra
        p = parse_xml(f"<w:p {nsdecls('w')}><w:pPr>{ppr}</w:pPr>{content}</w:p>")
        if parent is None:
            self.sect_pr.addprevious(p)  # the body's sectPr must stay last
        else:
            parent.append(p)
        return p

    def text_paragraph(self, role: str, text: str, *, page_break: bool = False) -> None:
        self.paragraph(role, self.run_xml(role, text), page_break=page_break)
        self.account(role, [text])

    def lines_paragraph(
        self, role: str, lines: Sequence[str], *, page_break: bool = False, bookmark: str = ""
    ) -> None:
        """One paragraph, its lines separated by manual line breaks."""
        runs = [self.run_xml(role, line) for line in lines]
        content = f"<w:r><w:rPr>{self.rpr(role)}</w:rPr><w:br/></w:r>".join(runs)
        if bookmark:
            self._bookmark_id += 1
            bid = self._bookmark_id
            content = (
                f'<w:bookmarkStart w:id="{bid}" w:name="{bookmark}"/>{content}'
                f'<w:bookmarkEnd w:id="{bid}"/>'
            )
        self.paragraph(role, content, page_break=page_break)
        self.account(role, lines)

    def account(self, role: str, lines: Sequence[str]) -> None:
        """Add a paragraph's estimated height (twips) to the running estimate."""
        fmt = self.formats[role]
        char_twips = max(fmt.size * 20 + fmt.spacing, 1.0)
        capacity = max(int(self.type_width / char_twips), 1)
        indent = 2 if role in ("body", "note", "h1", "h2", "h3") else 0
        n = sum(max(1, math.ceil((_em_width(line) + indent) / capacity)) for line in lines)
        spacing = re.findall(r'w:(?:before|after)="(\d+)"', self.defs[role].ppr)
        self.height += n * _exact_line(fmt.size) + sum(int(x) for x in spacing)

    # ---- bulletin parts -------------------------------------------------------------------

    def masthead(self, series: str) -> None:
        width_pt = self.type_width / 20
        for text, size in _masthead_lines(series, width_pt):
            line = _exact_line(size)
            before = LINE_PITCH // 2 if text == "简报" else 0
            spacing = (
                f'<w:spacing w:before="{before}" w:after="0" w:line="{line}" w:lineRule="exact"/>'
            )
            self.height += before
            if text == "简报":
                # The two characters spread apart, as bulletins print them.
                runs = self.run_xml("masthead", "简", extra_rpr=_size_rpr(size, spacing=size * 20))
                runs += self.run_xml("masthead", "报", extra_rpr=_size_rpr(size))
            else:
                runs = self.run_xml("masthead", text, extra_rpr=_size_rpr(size))
            self.paragraph("masthead", runs, ppr_extra=spacing)
            self.height += line

    def issue(self, number: int) -> None:
        self.text_paragraph("issue", f"第{number}期")
        self.height += LINE_PITCH // 2

    def office_line(self, office: str, date: _dt.date) -> None:
        runs = (
            self.run_xml("office", _clean(office))
            + f"<w:r><w:rPr>{self.rpr('office')}</w:rPr><w:tab/></w:r>"
            + self.run_xml("office", format_chinese_date(date))
        )
        self.paragraph("office", runs)
        self.height += LINE_PITCH + RED_RULE_SPACE * 20

    def editor_note(self, note: str) -> None:
        text = re.sub(r"^\s*编者按\s*[：:]?\s*", "", _clean(note))
        runs = self.run_xml("note", "编者按：", bold=True) + self.run_xml("note", text)
        self.paragraph("note", runs)
        self.account("note", ["编者按：" + text])

    def articles(
        self, articles: Sequence[Article], *, compilation: bool
    ) -> list[tuple[int, str, str, int]]:
        """Write the articles grouped by kind; returns TOC entries (level, text, bookmark, page).

        In a compilation every article starts a page, and the entries carry estimated page
        numbers (counted from 1 at the first article).
        """
        groups = _group(articles)
        headed = {kind for kind, _ in groups if kind == KIND_STORY or len(groups) > 1}
        entries: list[tuple[int, str, str, int]] = []
        page, page_start = 1, 0
        new_page = False  # a compilation's first article follows a section break already
        for kind, items in groups:
            for idx, art in enumerate(items):
                with_heading = idx == 0 and kind in headed
                if new_page:
                    page += max(1, math.ceil((self.height - page_start) / self.type_height))
                    page_start = self.height
                if with_heading:
                    entries.append((1, GROUP_TITLES[kind], "", page))
                    self.text_paragraph("group", GROUP_TITLES[kind], page_break=new_page)
                bookmark = f"_Toc{100000001 + len(entries)}" if compilation else ""
                entries.append((2, _clean(art.title), bookmark, page))
                self.article(art, page_break=new_page and not with_heading, bookmark=bookmark)
                new_page = compilation
        return entries

    def article(self, art: Article, *, page_break: bool, bookmark: str = "") -> None:
        title = _clean(art.title)
        if not title:
            raise InvalidInputError("文章标题不能为空")
        capacity = self.type_width / (self.formats["title"].size * 20)
        lines = _split_lines(title, capacity, 3) or [title]
        self.lines_paragraph("title", lines, page_break=page_break, bookmark=bookmark)
        if not _title_names_unit(title, art.unit):
            self.text_paragraph("unit", _clean(art.unit))
        previous = ""
        for block in art.blocks:
            if block.type == "heading":
                text = _clean(" ".join(block.text.split("\n")))
                if text:
                    level = min(max(block.level, 1), 3)
                    self.text_paragraph(f"h{level}", text)
            elif block.type == "table":
                if previous == "table":
                    self.paragraph("body", "")  # two tables in a row would merge into one
                    self.height += LINE_PITCH
                self.table(block.rows)
            else:
                for part in block.text.split("\n"):
                    text = _clean(part)
                    if text:
                        self.text_paragraph("body", text)
            previous = block.type

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        """A table block as a Word table as wide as the type area (see ``docx_table``)."""
        cells = [
            [_XML_ILLEGAL.sub("", cell.replace("\t", " ")).strip() for cell in row] for row in rows
        ]
        if not any(any(row) for row in cells):
            return
        fmt = self.formats["table"]
        char_twips = max(fmt.size * 20 + fmt.spacing, 1.0)
        widths = docx_table.column_widths(cells, self.type_width, char_twips, _em_width)
        tbl = docx_table.table_element(
            cells,
            width=self.type_width,
            widths=widths,
            styles=(self.style_ids["table_header"], self.style_ids["table"]),
            rprs=(self.rpr("table_header"), self.rpr("table")),
            char_twips=char_twips,
            measure=_em_width,
        )
        self.sect_pr.addprevious(tbl)
        self.height += docx_table.estimated_height(cells, widths, char_twips, _em_width)

    def distribution(self, distribution: dict[str, list[str]], copies: int | None) -> None:
        lines = _distribution_lines(distribution)
        if copies is not None:
            if copies < 1:
                raise InvalidInputError(f"印数必须是正整数：{copies}")
        if not lines and copies is None:
            return
        # One blank line between the last article and the 版记.
        self.paragraph("body", "")
        self.height += LINE_PITCH
        width = self.type_width
        border = f'w:space="0" w:color="{BLACK}"'
        tbl = parse_xml(
            f"<w:tbl {nsdecls('w')}><w:tblPr>"
            f'<w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/>'
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
        rows: list[tuple[str, str]] = [(line, "") for line in lines]
        if copies is not None:
            rows.append((f"共印{copies}份", '<w:jc w:val="right"/>'))
        for text, jc in rows:
            tr = parse_xml(
                f"<w:tr {nsdecls('w')}><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr>"
                f'<w:tcW w:w="{width}" w:type="dxa"/></w:tcPr></w:tc></w:tr>'
            )
            tbl.append(tr)
            self.paragraph(
                "distribution", self.run_xml("distribution", text), ppr_extra=jc, parent=tr[-1]
            )
        self.sect_pr.addprevious(tbl)
        # A document must end with a paragraph; keep it one point high so it never adds a page.
        self.sect_pr.addprevious(
            parse_xml(
                f"<w:p {nsdecls('w')}><w:pPr>"
                f'<w:pStyle w:val="{self.style_ids["body"]}"/>'
                '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
                f"{_ind_xml()}<w:rPr>{_merge_rpr(self.rpr('body'), _size_rpr(1))}</w:rPr>"
                "</w:pPr></w:p>"
            )
        )

    # ---- compilation parts ------------------------------------------------------------------

    def cover(self, title: str, subtitle: str | None) -> list[Any]:
        width_pt = self.type_width / 20
        size, lines = _fit_display(_clean(title), width_pt, (XIAOCHU, YIHAO, XIAOYI, ERHAO), 3)
        # About a quarter of the way down the page.
        spacing = (
            f'<w:spacing w:before="{LINE_PITCH * 5}" w:after="0"'
            f' w:line="{_exact_line(size)}" w:lineRule="exact"/>'
        )
        rpr = _merge_rpr(self.rpr("cover_title"), _size_rpr(size))
        sep = f"<w:r><w:rPr>{rpr}</w:rPr><w:br/></w:r>"
        runs = sep.join(
            self.run_xml("cover_title", line, extra_rpr=_size_rpr(size)) for line in lines
        )
        out = [self.paragraph("cover_title", runs, ppr_extra=spacing)]
        if subtitle and _clean(subtitle):
            out.append(
                self.paragraph("cover_subtitle", self.run_xml("cover_subtitle", _clean(subtitle)))
            )
        return out

    def toc(self, entries: Sequence[tuple[int, str, str, int]]) -> list[Any]:
        """A TOC field whose cached result is the list of titles with estimated page numbers.

        Word replaces the cached list when the field is updated (更新域); LibreOffice shows the
        cached list. Page numbers are PAGEREF fields to bookmarks on the titles.
        """
        heading = self.paragraph(
            "toc_heading",
            self.run_xml("toc_heading", "目", extra_rpr=f'<w:spacing w:val="{ERHAO * 20}"/>')
            + self.run_xml("toc_heading", "录"),
            page_break=True,
        )
        out = [heading]
        for i, (level, text, bookmark, page) in enumerate(entries):
            role = "toc1" if level == 1 else "toc2"
            rpr = self.rpr(role)
            content = _field_begin(rpr, ' TOC \\o "1-2" \\h \\z \\u ') if i == 0 else ""
            inner = self.run_xml(role, text)
            if bookmark:
                inner += f"<w:r><w:rPr>{rpr}</w:rPr><w:tab/></w:r>" + _field_runs(
                    rpr, f" PAGEREF {bookmark} \\h ", str(page)
                )
                content += f'<w:hyperlink w:anchor="{bookmark}" w:history="1">{inner}</w:hyperlink>'
            else:
                content += inner
            if i == len(entries) - 1:
                content += _field_end(rpr)
            out.append(self.paragraph(role, content))
        return out

    def section_break(self) -> Any:
        """An empty paragraph ending the cover/TOC section; its page numbering is off."""
        p = self.paragraph("body", "")
        p[0].append(_sect_without_footers(self.sect_pr))
        return p

    # ---- footers, properties, saving --------------------------------------------------------

    def page_number_footers(self, *, restart: bool = False) -> None:
        has_footer = self.sect_pr.find(qn("w:footerReference")) is not None
        if restart:
            pg = self.sect_pr.find(qn("w:pgNumType"))
            if pg is None:
                pg = parse_xml(f'<w:pgNumType {nsdecls("w")} w:start="1"/>')
                _insert_sect_child(self.sect_pr, pg)
            else:
                pg.set(qn("w:start"), "1")
        if self.templated and has_footer:
            return
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[-1]
        char = SIHAO * 20
        for footer, jc, ind in (
            (section.footer, "right", _ind_xml(right_chars=100, char_twips=char)),
            (section.even_page_footer, "left", _ind_xml(left_chars=100, char_twips=char)),
        ):
            footer.is_linked_to_previous = False
            element = footer._element
            for child in list(element):
                element.remove(child)
            rpr = self.rpr("page_number")
            runs = (
                f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">— </w:t></w:r>'
                + _field_runs(rpr, " PAGE ", "1")
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
        _save(self.doc, target)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _int_attr(el: Any, name: str, default: int) -> int:
    if el is None:
        return default
    value = el.get(qn(name))
    try:
        return int(float(value)) if value is not None else default
    except ValueError:
        return default


_SECT_ORDER = (
    "w:headerReference",
    "w:footerReference",
    "w:footnotePr",
    "w:endnotePr",
    "w:type",
    "w:pgSz",
    "w:pgMar",
    "w:paperSrc",
    "w:pgBorders",
    "w:lnNumType",
    "w:pgNumType",
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
    "w:printerSettings",
    "w:sectPrChange",
)


def _insert_sect_child(sect: Any, child: Any) -> None:
    """Insert a sectPr child at its schema position."""
    tag = child.tag
    names = [qn(t) for t in _SECT_ORDER]
    pos = names.index(tag) if tag in names else len(names)
    for i, existing in enumerate(list(sect)):
        if existing.tag in names and names.index(existing.tag) > pos:
            sect.insert(i, child)
            return
    sect.append(child)


def _sect_without_footers(sect: Any) -> Any:
    """A copy of ``sect`` for the cover/TOC section: same page, no headers, footers or numbering."""
    clone = copy.deepcopy(sect)
    drop = {qn(t) for t in ("w:headerReference", "w:footerReference", "w:pgNumType", "w:titlePg")}
    for child in list(clone):
        if child.tag in drop:
            clone.remove(child)
    for name in list(clone.attrib):
        if "rsid" in name:
            del clone.attrib[name]
    return clone


def _size_rpr(size: float, *, spacing: float = 0) -> str:
    half = round(size * 2)
    sp = f'<w:spacing w:val="{round(spacing)}"/>' if spacing else ""
    return f'{sp}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'


_RPR_ORDER = ("rFonts", "b", "bCs", "color", "spacing", "kern", "sz", "szCs")


def _merge_rpr(base: str, extra: str) -> str:
    """Override elements of ``base`` (run-property XML) by those in ``extra``, in schema order."""
    items: dict[str, str] = {}
    for chunk in re.findall(r"<w:\w+[^>]*/>", base) + re.findall(r"<w:\w+[^>]*/>", extra):
        name = re.match(r"<w:(\w+)", chunk)
        assert name is not None
        items[name.group(1)] = chunk
    order = {n: i for i, n in enumerate(_RPR_ORDER)}
    return "".join(items[k] for k in sorted(items, key=lambda k: order.get(k, 99)))


def _field_begin(rpr: str, instruction: str) -> str:
    """Runs opening a complex field: begin, instruction, separate (the result follows)."""
    return (
        f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:rPr>{rpr}</w:rPr><w:instrText xml:space="preserve">{_xml_escape(instruction)}'
        "</w:instrText></w:r>"
        f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="separate"/></w:r>'
    )


def _field_end(rpr: str) -> str:
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="end"/></w:r>'


def _field_runs(rpr: str, instruction: str, result: str) -> str:
    """A whole complex field (PAGE, PAGEREF) with a cached ``result``."""
    return (
        _field_begin(rpr, instruction)
        + f"<w:r><w:rPr>{rpr}</w:rPr><w:t>{_xml_escape(result)}</w:t></w:r>"
        + _field_end(rpr)
    )


def _resolve_run_format(
    styles: Any, by_id: dict[str, Any], style_id: str, fallback: _RunFormat
) -> _RunFormat:
    """The run format a style gives, through basedOn and docDefaults; gaps from ``fallback``."""
    chain: list[Any] = []
    seen: set[str] = set()
    sid: str | None = style_id
    while sid and sid not in seen and sid in by_id:
        seen.add(sid)
        style = by_id[sid]
        chain.append(style.find(qn("w:rPr")))
        based = style.find(qn("w:basedOn"))
        sid = based.get(qn("w:val")) if based is not None else None
    chain.append(styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"))

    def first(getter: Callable[[Any], Any]) -> Any:
        for rpr in chain:
            if rpr is None:
                continue
            value = getter(rpr)
            if value is not None:
                return value
        return None

    def attr(tag: str, name: str) -> Callable[[Any], Any]:
        def get(rpr: Any) -> Any:
            el = rpr.find(qn(tag))
            return None if el is None else el.get(qn(name))

        return get

    def flag(tag: str) -> Callable[[Any], Any]:
        def get(rpr: Any) -> Any:
            el = rpr.find(qn(tag))
            if el is None:
                return None
            return el.get(qn("w:val"), "1") not in ("0", "false", "off")

        return get

    east_asia = first(attr("w:rFonts", "w:eastAsia")) or fallback.east_asia
    latin = first(attr("w:rFonts", "w:ascii")) or fallback.latin
    size_half = first(attr("w:sz", "w:val"))
    color = first(attr("w:color", "w:val"))
    spacing = first(attr("w:spacing", "w:val"))
    bold = first(flag("w:b"))
    return _RunFormat(
        east_asia=east_asia,
        latin=latin,
        size=float(size_half) / 2 if size_half else fallback.size,
        bold=bool(bold) if bold is not None else fallback.bold,
        color=None if color in (None, "auto") else color,
        spacing=int(spacing) if spacing is not None else fallback.spacing,
    )


def _group(articles: Sequence[Article]) -> list[tuple[str, list[Article]]]:
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


def _distribution_lines(distribution: dict[str, list[str]]) -> list[str]:
    """“报：甲，乙。” lines in 报/送/发 order (other keys after them), each ending with 。."""
    keys = [k for k in DISTRIBUTION_ORDER if k in distribution]
    keys += [k for k in distribution if k not in DISTRIBUTION_ORDER]
    lines = []
    for key in keys:
        items = [_clean(x).rstrip("，,、;；。.") for x in distribution[key]]
        items = [x for x in items if x]
        if items:
            label = _clean(key).rstrip("：:")
            lines.append(f"{label}：{'，'.join(items)}。")
    return lines


def _open_document(template: Path | None) -> Any:
    if template is None:
        return docx.Document()
    path = Path(template)
    if not path.is_file():
        raise CaselibError(f"找不到模板文件：{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaselibError(f"无法读取模板文件 {path}：{exc.strerror or exc}") from exc
    try:
        return docx.Document(io.BytesIO(_as_document_package(data)))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CaselibError(f"模板不是有效的 Word 文档（.docx/.dotx）：{path}") from exc


def _as_document_package(data: bytes) -> bytes:
    """A .dotx is a .docx whose main part says “template”: relabel it so python-docx opens it."""
    template_ct = b"wordprocessingml.template.main+xml"
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        types = src.read("[Content_Types].xml")
        if template_ct not in types:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                blob = src.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    blob = blob.replace(template_ct, b"wordprocessingml.document.main+xml")
                dst.writestr(item, blob)
        return out.getvalue()


def _save(doc: Any, target: Target) -> None:
    """Save to a stream, or to a path atomically (a failed export leaves no half-written file;
    an existing file is replaced: the caller decides whether that is allowed)."""
    if not isinstance(target, (str, os.PathLike)):
        doc.save(target)
        return
    atomic_write(Path(target), doc.save, force=True)


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def write_bulletin(
    target: Target,
    spec: BulletinSpec,
    articles: list[Article],
    template: Path | None = None,
) -> None:
    """Write issue ``spec`` of a 简报 with ``articles`` as DOCX to ``target`` (path or stream).

    Layout: 报头 (red), 第N期, 编印单位 + date over a red rule, 编者按, the articles (经验案例
    then 暖心故事), and the 报/送/发 block last; “— N —” page numbers, odd right, even left.
    """
    if not articles:
        raise InvalidInputError("简报中没有文章：请至少选择一篇经验案例或暖心故事")
    if spec.number < 1:
        raise InvalidInputError(f"期号必须是正整数：{spec.number}")
    if not _clean(spec.series):
        raise InvalidInputError("简报名称不能为空")
    writer = _Writer(template)
    writer.masthead(spec.series)
    writer.issue(spec.number)
    writer.office_line(spec.office, spec.date)
    if spec.editor_note and _clean(spec.editor_note):
        writer.editor_note(spec.editor_note)
    writer.articles(articles, compilation=False)
    writer.distribution(spec.distribution, spec.copies)
    writer.page_number_footers()
    series = _clean(spec.series).replace("\n", "")
    writer.properties(f"{series}（第{spec.number}期）", _clean(spec.office), series)
    writer.save(target)


def write_compilation(
    target: Target,
    title: str,
    articles: list[Article],
    template: Path | None = None,
    subtitle: str | None = None,
) -> None:
    """Write a compilation (汇编): a cover, a table of contents, then one article per page run.

    Same page, fonts and page numbers as a bulletin (numbering starts at 1 with the first
    article; the cover and contents carry none), without 报头, 版记 or red.
    """
    if not articles:
        raise InvalidInputError("汇编中没有文章：请至少选择一篇经验案例或暖心故事")
    if not _clean(title):
        raise InvalidInputError("汇编标题不能为空")
    writer = _Writer(template)
    # Articles first: the contents need their (estimated) page numbers.
    entries = writer.articles(articles, compilation=True)
    front = writer.cover(title, subtitle)
    front += writer.toc(entries)
    front.append(writer.section_break())
    for i, el in enumerate(front):
        writer.body.insert(i, el)
    writer.page_number_footers(restart=True)
    writer.properties(_clean(title), "", _clean(subtitle or ""))
    writer.save(target)
