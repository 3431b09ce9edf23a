"""Page setup, fonts, sizes and the named paragraph styles of a bulletin (docs/bulletin-format.md).

Every style is written out in full (zeros included) so nothing leaks in from Normal; display
lines larger than 三号 are taken off the document grid (see ``ppr_xml``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from xml.sax.saxutils import quoteattr as _quoteattr

from docx.oxml.ns import nsdecls

from caselib.publish import docx_table

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
# An article title: each line one grid line (二号 at 579 twips, 1.32 × the size), with two
# thirds of a line above and one third under it, so the title block is a whole number of grid
# lines and the body text under it stays on the grid (a page keeps room for all its lines).
TITLE_BEFORE = LINE_PITCH * 2 // 3
TITLE_AFTER = LINE_PITCH - TITLE_BEFORE
# The least space between the red rule and the first line of text under it (a third of a line);
# the block above the text is rounded up from there to whole grid lines.
RULE_GAP = LINE_PITCH // 3


# --------------------------------------------------------------------------------------------
# Run and paragraph formatting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFormat:
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


def ind_xml(
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


def ppr_xml(
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
class StyleDef:
    """One of caselib's paragraph styles: what it is called and what it looks like."""

    role: str
    style_id: str
    name: str
    run: RunFormat
    ppr: str
    builtin: bool = False


def exact_line(size: float) -> int:
    """Exact line height for a display line of ``size`` points (at least one grid line)."""
    return max(LINE_PITCH, round(size * 20 * 1.3))


def style_defs(type_width: int) -> dict[str, StyleDef]:
    body_run = RunFormat(FANGSONG, SANHAO, spacing=BODY_CHAR_SPACING)
    body_ppr = ppr_xml(jc="both", ind=ind_xml(first_chars=200))
    heading_ppr = [
        ppr_xml(jc="both", ind=ind_xml(first_chars=200), keep_next=True, outline=level + 1)
        for level in (1, 2, 3)
    ]
    centred = ind_xml()
    red_rule = (
        f'<w:bottom w:val="single" w:sz="{RED_RULE}" w:space="{RED_RULE_SPACE}" w:color="{RED}"/>'
    )
    defs = [
        StyleDef("body", "Normal", "Normal", body_run, body_ppr, builtin=True),
        StyleDef(
            "masthead",
            "CaselibMasthead",
            "简报报头",
            RunFormat(XIAOBIAOSONG, CHUHAO, color=RED),
            ppr_xml(jc="center", ind=centred, line=exact_line(CHUHAO), snap=False),
        ),
        StyleDef(
            "issue",
            "CaselibIssue",
            "简报期号",
            RunFormat(FANGSONG, SANHAO),
            ppr_xml(jc="center", ind=centred, before=LINE_PITCH // 2),
        ),
        StyleDef(
            "office",
            "CaselibOffice",
            "简报编印单位",
            RunFormat(FANGSONG, SANHAO),
            ppr_xml(
                jc="left",
                ind=centred,
                borders=red_rule,
                tabs=f'<w:tab w:val="right" w:pos="{type_width}"/>',
            ),
        ),
        StyleDef(
            "note",
            "CaselibEditorNote",
            "编者按",
            RunFormat(KAITI, SANHAO, spacing=BODY_CHAR_SPACING),
            ppr_xml(jc="both", ind=ind_xml(first_chars=200), before=LINE_PITCH),
        ),
        StyleDef(
            "group",
            "CaselibColumn",
            "栏目标题",
            RunFormat(HEITI, XIAOER),
            ppr_xml(
                jc="center", ind=centred, before=LINE_PITCH, keep_next=True, outline=0, snap=False
            ),
        ),
        StyleDef(
            "title",
            "CaselibTitle",
            "文章标题",
            RunFormat(XIAOBIAOSONG, ERHAO),
            ppr_xml(
                jc="center",
                ind=centred,
                before=TITLE_BEFORE,
                after=TITLE_AFTER,
                keep_next=True,
                outline=1,
                snap=False,
            ),
        ),
        StyleDef(
            "unit",
            "CaselibUnit",
            "文章单位",
            RunFormat(KAITI, SANHAO, spacing=BODY_CHAR_SPACING),
            # Under the title (which then gives up its space after to it): the unit line
            # closes the title block, on the grid.
            ppr_xml(jc="center", ind=centred, after=TITLE_AFTER, keep_next=True),
        ),
        StyleDef(
            "h1", "CaselibHeading1", "一级标题", replace(body_run, east_asia=HEITI), heading_ppr[0]
        ),
        StyleDef(
            "h2", "CaselibHeading2", "二级标题", replace(body_run, east_asia=KAITI), heading_ppr[1]
        ),
        StyleDef("h3", "CaselibHeading3", "三级标题", body_run, heading_ppr[2]),
        StyleDef(
            "distribution",
            "CaselibDistribution",
            "版记",
            RunFormat(FANGSONG, SIHAO),
            ppr_xml(
                jc="left",
                ind=ind_xml(
                    left_chars=300, hanging_chars=200, right_chars=100, char_twips=SIHAO * 20
                ),
            ),
        ),
        StyleDef(
            "table",
            "CaselibTable",
            "表格文字",
            RunFormat(FANGSONG, SIHAO),
            ppr_xml(jc="center", ind=centred, line=docx_table.LINE, snap=False),
        ),
        StyleDef(
            "table_header",
            "CaselibTableHeader",
            "表格标题行",
            RunFormat(HEITI, SIHAO),
            ppr_xml(jc="center", ind=centred, line=docx_table.LINE, snap=False),
        ),
        StyleDef(
            "page_number",
            "CaselibPageNumber",
            "页码",
            RunFormat(SONGTI, SIHAO, latin=SONGTI),
            ppr_xml(jc="right", ind=centred, line=240, line_rule="auto"),
        ),
        StyleDef(
            "cover_title",
            "CaselibCoverTitle",
            "封面标题",
            RunFormat(XIAOBIAOSONG, XIAOCHU),
            ppr_xml(jc="center", ind=centred, line=exact_line(XIAOCHU), snap=False),
        ),
        StyleDef(
            "cover_subtitle",
            "CaselibCoverSubtitle",
            "封面副标题",
            RunFormat(KAITI, SANHAO),
            ppr_xml(jc="center", ind=centred, before=LINE_PITCH),
        ),
        StyleDef(
            "toc_heading",
            "CaselibTocHeading",
            "目录标题",
            RunFormat(HEITI, ERHAO),
            ppr_xml(
                jc="center", ind=centred, line=exact_line(ERHAO), after=LINE_PITCH // 2, snap=False
            ),
        ),
    ]
    toc_tabs = f'<w:tab w:val="right" w:leader="dot" w:pos="{type_width}"/>'
    defs.append(
        StyleDef(
            "toc1",
            "TOC1",
            "toc 1",
            RunFormat(HEITI, SANHAO),
            ppr_xml(jc="left", ind=centred, tabs=toc_tabs, before=LINE_PITCH // 2),
            builtin=True,
        )
    )
    defs.append(
        StyleDef(
            "toc2",
            "TOC2",
            "toc 2",
            body_run,
            # Wrapped lines stop three characters short of the page numbers and hang two
            # characters in from the first.
            ppr_xml(
                jc="left",
                ind=ind_xml(left_chars=200, hanging_chars=200, right_chars=300),
                tabs=toc_tabs,
            ),
            builtin=True,
        )
    )
    return {d.role: d for d in defs}


def style_xml(d: StyleDef, style_id: str) -> str:
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
