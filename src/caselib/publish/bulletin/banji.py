"""The 版记: the 报/送/发 block with its rules, at the foot of the last page."""

from __future__ import annotations

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from caselib.errors import InvalidInputError
from caselib.publish.bulletin.document import Document
from caselib.publish.bulletin.measure import clean
from caselib.publish.bulletin.model import DISTRIBUTION_ORDER
from caselib.publish.bulletin.ooxml import merge_rpr, size_rpr
from caselib.publish.bulletin.styles import BLACK, LINE_PITCH, RULE_THICK, RULE_THIN, ind_xml


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


def distribution(w: Document, distribution: dict[str, list[str]], copies: int | None) -> None:
    lines = distribution_lines(distribution)
    if copies is not None:
        if copies < 1:
            raise InvalidInputError(f"印数必须是正整数：{copies}")
    if not lines and copies is None:
        return
    # One blank line between the last article and the 版记.
    w.paragraph("body", "")
    w.height += LINE_PITCH
    width = w.type_width
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
        w.paragraph("distribution", w.run_xml("distribution", text), ppr_extra=jc, parent=tr[-1])
    w.sect_pr.addprevious(tbl)
    # A document must end with a paragraph; keep it one point high so it never adds a page.
    w.sect_pr.addprevious(
        parse_xml(
            f"<w:p {nsdecls('w')}><w:pPr>"
            f'<w:pStyle w:val="{w.style_ids["body"]}"/>'
            '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
            f"{ind_xml()}<w:rPr>{merge_rpr(w.rpr('body'), size_rpr(1))}</w:rPr>"
            "</w:pPr></w:p>"
        )
    )


# ---- compilation parts ------------------------------------------------------------------
