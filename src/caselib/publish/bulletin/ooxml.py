"""Small WordprocessingML helpers: section properties, run properties and complex fields."""

from __future__ import annotations

import copy
import re
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from docx.oxml.ns import qn


def int_attr(el: Any, name: str, default: int) -> int:
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


def insert_sect_child(sect: Any, child: Any) -> None:
    """Insert a sectPr child at its schema position."""
    tag = child.tag
    names = [qn(t) for t in _SECT_ORDER]
    pos = names.index(tag) if tag in names else len(names)
    for i, existing in enumerate(list(sect)):
        if existing.tag in names and names.index(existing.tag) > pos:
            sect.insert(i, child)
            return
    sect.append(child)


def sect_without_footers(sect: Any) -> Any:
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


def size_rpr(size: float, *, spacing: float = 0) -> str:
    half = round(size * 2)
    sp = f'<w:spacing w:val="{round(spacing)}"/>' if spacing else ""
    return f'{sp}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'


_RPR_ORDER = ("rFonts", "b", "bCs", "color", "spacing", "kern", "sz", "szCs")


def merge_rpr(base: str, extra: str) -> str:
    """Override elements of ``base`` (run-property XML) by those in ``extra``, in schema order."""
    items: dict[str, str] = {}
    for chunk in re.findall(r"<w:\w+[^>]*/>", base) + re.findall(r"<w:\w+[^>]*/>", extra):
        name = re.match(r"<w:(\w+)", chunk)
        assert name is not None
        items[name.group(1)] = chunk
    order = {n: i for i, n in enumerate(_RPR_ORDER)}
    return "".join(items[k] for k in sorted(items, key=lambda k: order.get(k, 99)))


def field_begin(rpr: str, instruction: str) -> str:
    """Runs opening a complex field: begin, instruction, separate (the result follows)."""
    return (
        f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:rPr>{rpr}</w:rPr><w:instrText xml:space="preserve">{_xml_escape(instruction)}'
        "</w:instrText></w:r>"
        f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="separate"/></w:r>'
    )


def field_end(rpr: str) -> str:
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:fldChar w:fldCharType="end"/></w:r>'


def field_runs(rpr: str, instruction: str, result: str) -> str:
    """A whole complex field (PAGE, PAGEREF) with a cached ``result``."""
    return (
        field_begin(rpr, instruction)
        + f"<w:r><w:rPr>{rpr}</w:rPr><w:t>{_xml_escape(result)}</w:t></w:r>"
        + field_end(rpr)
    )
