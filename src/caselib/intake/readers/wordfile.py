"""Word (.docx) files: zip safety checks, then paragraphs and tables in document order.

python-docx's package reader opens the package; the main document and styles parts are
walked as XML, because python-docx's enums reject values other writers use (LibreOffice
writes ``w:jc="start"``) and its proxy objects cost more than the reading itself.
Headers and footers are never visited, so page numbers there cannot leak into the body.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree

from caselib.intake.readers.model import (
    MAX_DOCX_BYTES,
    MAX_DOCX_UNCOMPRESSED,
    MAX_XML_PART_BYTES,
    MAX_ZIP_ENTRIES,
    MB,
    Line,
    ReadError,
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_CORRUPT = "不是有效的 Word 文档（压缩包损坏）"
_FALSE_VALUES = ("0", "false", "off", "none")


def sniff(path: Path) -> str:
    """'zip', 'ole' (old .doc/.wps or an encrypted Office file), 'rtf', 'pdf' or 'other'."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head == _OLE_MAGIC:
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "other"


def ole_is_encrypted(path: Path) -> bool:
    """An encrypted .docx is an OLE compound file holding EncryptionInfo/EncryptedPackage."""
    data = path.read_bytes()
    return any(name in data for name in _ENCRYPTED_STREAMS)


def check_zip(path: Path) -> None:
    """Refuse corrupt, encrypted or oversized packages before python-docx reads them.

    Sizes come from the zip directory (``ZipInfo.file_size``), so a zip bomb is refused
    without inflating it; a part whose compressed size exceeds its declared size is a lie
    about that size and is refused too. Nothing is inflated here: python-docx's package
    reader (``docx_lines``) inflates every part the document reaches, never past its declared
    size, and a part whose data or CRC is damaged is reported there (``_reason``).
    """
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise ReadError(
            f"Word 文档过大（{size / MB:.1f} MB），超过 {MAX_DOCX_BYTES // MB} MB 的上限"
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ReadError(_CORRUPT) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise ReadError("不是有效的 Word 文档（压缩包内文件数量异常）")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ReadError("文件已加密，无法读取")
            total += info.file_size
            if info.compress_size > info.file_size + info.file_size // 100 + 1024:
                raise ReadError(_CORRUPT)
            is_xml = info.filename.endswith((".xml", ".rels"))
            if is_xml and info.file_size > MAX_XML_PART_BYTES:
                raise ReadError(
                    f"Word 文档解压后过大（{info.filename} 为 {info.file_size / MB:.0f} MB，"
                    f"上限 {MAX_XML_PART_BYTES // MB} MB），疑似压缩炸弹，已拒绝读取"
                )
        if total > MAX_DOCX_UNCOMPRESSED:
            raise ReadError(
                f"Word 文档解压后过大（共 {total / MB:.0f} MB，上限 "
                f"{MAX_DOCX_UNCOMPRESSED // MB} MB），疑似压缩炸弹，已拒绝读取"
            )
        names = set(zf.namelist())
        if "[Content_Types].xml" not in names:
            raise ReadError("不是有效的 Word 文档（缺少内容类型清单）")
        if not any(name.startswith("word/") for name in names):
            if any(name.startswith("xl/") for name in names):
                raise ReadError("这是 Excel 表格，不是 Word 文档")
            if any(name.startswith("ppt/") for name in names):
                raise ReadError("这是 PowerPoint 演示文稿，不是 Word 文档")
            raise ReadError("不是有效的 Word 文档（缺少正文部分）")


def docx_lines(path: Path) -> list[Line]:
    """The body of a .docx as lines with layout hints (call ``check_zip`` first)."""
    document, styles = _main_parts(path)
    body = document.find(_W + "body") if document.tag == _W + "document" else None
    if body is None:
        raise ReadError("不是有效的 Word 文档（缺少正文部分）")
    lines: list[Line] = []
    _walk(body, styles, lines)
    return _without_front_matter(lines)


# python-docx's parser options (docx.oxml.parser.oxml_parser), without its element classes
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)


def _main_parts(path: Path) -> tuple[Any, _Styles]:
    """The main document part, parsed, and its styles.

    python-docx's package reader reads the package as ``docx.Document`` does (content
    types, relationships, every part it reaches) and reports what is wrong with it, but
    builds no part objects and parses no part: only these two are parsed, here. A document
    without a styles part gets python-docx's default styles, as ``docx.Document`` gives it.
    """
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PACKAGE_URI
    from docx.opc.pkgreader import PackageReader
    from docx.parts.styles import StylesPart

    try:
        package = PackageReader.from_file(str(path))  # type: ignore[no-untyped-call]
        parts = {name: (kind, blob) for name, kind, _, blob in package.iter_sparts()}
        rels = list(package.iter_srels())
        document = _related(rels, PACKAGE_URI, RT.OFFICE_DOCUMENT)
        kind, blob = parts[document]
        if kind != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"not a Word file, content type is '{kind}'")
        root = etree.fromstring(blob, _PARSER)
        try:
            styles_xml = parts[_related(rels, document, RT.STYLES)][1]
        except KeyError:
            styles_xml = StylesPart._default_styles_xml()  # type: ignore[no-untyped-call]
        return root, _styles_of(styles_xml)
    except Exception as exc:
        raise ReadError(f"不是有效的 Word 文档（{_reason(exc)}）") from None


def _related(rels: list[tuple[Any, Any]], source: Any, reltype: str) -> Any:
    """The part name the one relationship of this type from ``source`` targets; KeyError if
    there is none and ValueError if there are several, as python-docx's ``part_related_by``."""
    found = [rel for src, rel in rels if src == source and rel.reltype == reltype]
    if not found:
        raise KeyError(reltype)
    if len(found) > 1:
        raise ValueError(f"multiple relationships of type '{reltype}'")
    return found[0].target_partname


#: Styles parts read lately, by their XML: documents made from one template (an office's
#: own, or Word's) share a styles part of tens or hundreds of kilobytes, parsed once.
_STYLES_SEEN: dict[bytes, _Styles] = {}
_STYLES_KEPT = 4


def _styles_of(xml: bytes) -> _Styles:
    styles = _STYLES_SEEN.get(xml)
    if styles is None:
        styles = _Styles(etree.fromstring(xml, _PARSER))
        if len(_STYLES_SEEN) >= _STYLES_KEPT:
            del _STYLES_SEEN[next(iter(_STYLES_SEEN))]
        _STYLES_SEEN[xml] = styles
    return styles


def _without_front_matter(lines: list[Line]) -> list[Line]:
    """A document may open with a cover and a table of contents: the contents are dropped;
    what comes before them is marked as the cover (its title, unit and date still count)."""
    toc = [i for i, line in enumerate(lines) if line.toc]
    if not toc:
        return lines
    cover = [replace(line, cover=True) for line in lines[: toc[0]] if not line.toc]
    return cover + lines[toc[-1] + 1 :]


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError | NotImplementedError):
        return "压缩包损坏"  # a part's data, CRC or compression method damaged
    if name == "PackageNotFoundError":
        return "无法打开文档包"
    if name == "XMLSyntaxError":
        return "内部 XML 损坏"
    if isinstance(exc, KeyError):
        return "缺少必需的部件"
    if isinstance(exc, ValueError) and "content type" in str(exc):
        return "文件类型不是 Word 文档"
    return f"解析失败：{name}"


# --- styles ------------------------------------------------------------------------------


@dataclass
class _Style:
    name: str
    based_on: str | None
    jc: str | None
    outline: int | None
    bold: bool | None
    size: float | None


def _on(el: Any) -> bool:
    val = el.get(_W + "val")
    return val is None or val.lower() not in _FALSE_VALUES


def _rpr_bold(rpr: Any) -> bool | None:
    if rpr is None:
        return None
    b = rpr.find(_W + "b")
    return None if b is None else _on(b)


def _rpr_size(rpr: Any) -> float | None:
    if rpr is None:
        return None
    sz = rpr.find(_W + "sz")
    if sz is None:
        return None
    try:
        return int(sz.get(_W + "val", "")) / 2
    except ValueError:
        return None


def _ppr_jc(ppr: Any) -> str | None:
    if ppr is None:
        return None
    jc = ppr.find(_W + "jc")
    return None if jc is None else jc.get(_W + "val")


def _ppr_outline(ppr: Any) -> int | None:
    if ppr is None:
        return None
    lvl = ppr.find(_W + "outlineLvl")
    if lvl is None:
        return None
    try:
        return int(lvl.get(_W + "val", ""))
    except ValueError:
        return None


class _Styles:
    """Paragraph and character styles resolved along their basedOn chains.

    A document defines a hundred or more styles and uses a few: each is read when first
    asked for."""

    def __init__(self, root: Any) -> None:
        self._elements: dict[str, Any] = {}
        self._styles: dict[str, _Style] = {}
        self.default_bold: bool | None = None
        self.default_size: float | None = None
        self.default_paragraph: str | None = None
        defaults = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        if defaults is not None:
            self.default_bold = _rpr_bold(defaults)
            self.default_size = _rpr_size(defaults)
        # the styles are children of <w:styles> (below them lie thousands of elements:
        # latent styles, tables of formats, which a walk of the whole tree would visit)
        for el in root.iterchildren(_W + "style"):
            style_id = el.get(_W + "styleId")
            if not style_id:
                continue
            self._elements[style_id] = el
            if el.get(_W + "type") == "paragraph" and _on_attr(el.get(_W + "default")):
                self.default_paragraph = style_id

    def _get(self, style_id: str) -> _Style | None:
        style = self._styles.get(style_id)
        if style is None:
            el = self._elements.get(style_id)
            if el is None:
                return None
            name_el = el.find(_W + "name")
            based = el.find(_W + "basedOn")
            ppr = el.find(_W + "pPr")
            rpr = el.find(_W + "rPr")
            style = self._styles[style_id] = _Style(
                name=(name_el.get(_W + "val") if name_el is not None else None) or style_id,
                based_on=based.get(_W + "val") if based is not None else None,
                jc=_ppr_jc(ppr),
                outline=_ppr_outline(ppr),
                bold=_rpr_bold(rpr),
                size=_rpr_size(rpr),
            )
        return style

    def chain(self, style_id: str | None) -> list[_Style]:
        out: list[_Style] = []
        seen: set[str] = set()
        current = style_id
        while current and current not in seen and len(out) < 20:
            seen.add(current)
            style = self._get(current)
            if style is None:
                break
            out.append(style)
            current = style.based_on
        return out

    def name(self, style_id: str | None) -> str:
        style = self._get(style_id or "")
        return style.name if style else ""


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() not in _FALSE_VALUES


def _first(values: list[Any]) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


# --- body --------------------------------------------------------------------------------


def _walk(container: Any, styles: _Styles, out: list[Line]) -> None:
    """Paragraphs and tables of a body, cell or text box, in document order."""
    for child in container:
        tag = child.tag
        if tag == _W + "p":
            _paragraph(child, styles, out)
        elif tag == _W + "tbl":
            _table(child, styles, out)
        elif tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                _walk(content, styles, out)
        elif tag in (_W + "customXml", _W + "ins", _W + "moveTo"):
            _walk(child, styles, out)


def _skip(el: Any) -> bool:
    tag = el.tag
    return tag in (_MC_FALLBACK, _W + "txbxContent", _W + "del", _W + "moveFrom") or (
        isinstance(tag, str) and tag.endswith("}instrText")
    )


def _text_boxes(el: Any) -> list[Any]:
    """Text-box contents anchored in a paragraph (not those inside another text box)."""
    found: list[Any] = []
    for child in el:
        if child.tag == _MC_FALLBACK:
            continue
        if child.tag == _W + "txbxContent":
            found.append(child)
        else:
            found.extend(_text_boxes(child))
    return found


def _runs(el: Any) -> list[Any]:
    """The visible runs of a paragraph, in order, skipping deleted text and text boxes."""
    runs: list[Any] = []
    for child in el:
        if _skip(child):
            continue
        if child.tag == _W + "r":
            rpr = child.find(_W + "rPr")
            vanish = rpr.find(_W + "vanish") if rpr is not None else None
            if vanish is None or not _on(vanish):
                runs.append(child)
        elif child.tag != _W + "pPr":
            runs.extend(_runs(child))
    return runs


def _t_text(t: Any) -> str:
    """The text of a w:t, entity references included: python-docx parses without resolving
    entities, so ``t.text`` stops at the first one (``&nbsp;`` declared in a DTD) and the
    rest of the text sits in the entity's tail."""
    parts = [t.text or ""]
    for child in t:
        name = getattr(child, "name", None)
        if name is not None:
            parts.append(_entity_text(child, name))
        parts.append(child.tail or "")
    return "".join(parts)


def _entity_text(node: Any, name: str) -> str:
    from html.entities import name2codepoint

    if name in name2codepoint:
        return chr(name2codepoint[name])
    dtd = node.getroottree().docinfo.internalDTD
    if dtd is not None:
        for entity in dtd.iterentities():
            if entity.name == name and entity.content:
                return str(entity.content)
    return ""


def _run_text(run: Any) -> str:
    parts: list[str] = []
    for child in run:
        tag = child.tag
        if tag == _W + "t":
            parts.append(_t_text(child) if len(child) else child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _paragraph(p: Any, styles: _Styles, out: list[Line]) -> None:
    for box in _text_boxes(p):
        _walk(box, styles, out)
    runs = _runs(p)
    texts = [_run_text(r) for r in runs]
    text = "".join(texts)
    if not text.strip():
        if out and out[-1].text:
            out.append(Line(""))  # an empty paragraph: a visible gap between paragraphs
        return
    ppr = p.find(_W + "pPr")
    style_el = ppr.find(_W + "pStyle") if ppr is not None else None
    style_id = style_el.get(_W + "val") if style_el is not None else styles.default_paragraph
    chain = styles.chain(style_id)
    jc = _ppr_jc(ppr) or _first([s.jc for s in chain])
    outline = _ppr_outline(ppr)
    if outline is None:
        outline = _first([s.outline for s in chain])
    names = [s.name.lower() for s in chain]
    heading_level = 0
    for name in names:
        heading_level = _style_heading_level(name)
        if heading_level:
            break
    if not heading_level and outline is not None and 0 <= outline < 9:
        heading_level = outline + 1
    is_title = bool(names) and names[0] in _TITLE_STYLE_NAMES or style_id == "Title"
    if any(_TOC_STYLE.match(name) for name in names):
        out.append(Line(text.strip(), toc=True))
        return
    bolds: list[bool] = []
    sizes: list[float] = []
    for run, run_text in zip(runs, texts, strict=True):
        if not run_text.strip():
            continue
        rpr = run.find(_W + "rPr")
        rstyle = rpr.find(_W + "rStyle") if rpr is not None else None
        rchain = styles.chain(rstyle.get(_W + "val") if rstyle is not None else None)
        bold = _first([_rpr_bold(rpr)] + [s.bold for s in rchain] + [s.bold for s in chain])
        size = _first([_rpr_size(rpr)] + [s.size for s in rchain] + [s.size for s in chain])
        bolds.append(bool(bold if bold is not None else styles.default_bold))
        size = size if size is not None else styles.default_size
        if size is not None:
            sizes.append(size)
    num = ppr.find(f"{_W}numPr/{_W}ilvl") if ppr is not None else None
    has_num = ppr is not None and ppr.find(_W + "numPr") is not None
    list_level = 0
    if has_num:
        try:
            list_level = int(num.get(_W + "val", "0")) + 1 if num is not None else 1
        except ValueError:
            list_level = 1
    base = Line(
        "",
        heading_level=heading_level,
        title=is_title,
        centered=jc == "center",
        bold=bool(bolds) and all(bolds),
        size=max(sizes) if sizes else None,
        list_level=list_level,
    )
    if "\n" in text and (is_title or heading_level or jc == "center"):
        text = text.replace("\n", "")  # a title broken by hand is still one title
    for part in text.split("\n"):
        if part.strip():
            out.append(replace(base, text=part))


_TITLE_STYLE_NAMES = ("title", "标题", "文章标题", "大标题", "主标题")
# Word's built-in "toc 1"…"toc 9" and "TOC Heading", and Chinese names for the contents heading
_TOC_STYLE = re.compile(r"^(toc \d|toc heading|目录|目录标题)$")
_ORDINAL_HEADING = re.compile(r"^([一二三四五六七八九])级标题$")


def _style_heading_level(name: str) -> int:
    """heading 2, 标题 2, 标题2 and 二级标题 name level-2 heading styles; 0 otherwise."""
    for prefix in ("heading ", "标题 ", "标题"):
        rest = name[len(prefix) :].strip() if name.startswith(prefix) else ""
        if rest.isdigit():
            return int(rest)
    m = _ORDINAL_HEADING.match(name)
    return "一二三四五六七八九".index(m[1]) + 1 if m else 0


def _table(tbl: Any, styles: _Styles, out: list[Line]) -> None:
    """A layout table (one filled cell per row) gives its cells' lines; a submission form
    (label/value cells) gives "label：value" lines; any other table, and any table whose first
    row repeats as a header on every page (Word's 重复标题行, as caselib writes tables), is one
    data table whose empty cells are kept, so a written table reads back row for row."""
    rows: list[list[list[Line]]] = []  # every cell of the rows that hold any text
    trs = [row for row in tbl.iter(_W + "tr") if _parent_table(row) is tbl]
    for row in trs:
        cells: list[list[Line]] = []
        for tc in _row_cells(row):
            lines: list[Line] = []
            _walk(tc, styles, lines)
            cells.append(lines)
        if any(ln.text.strip() for cell in cells for ln in cell):
            rows.append(cells)
    filled = [[c for c in r if any(ln.text.strip() for ln in c)] for r in rows]
    texts = [[" ".join(ln.text.strip() for ln in c if ln.text.strip()) for c in r] for r in filled]
    header = bool(trs) and trs[0].find(f"{_W}trPr/{_W}tblHeader") is not None
    if not header and (all(len(r) == 1 for r in filled) or _is_form(texts)):
        for cells, row_texts in zip(filled, texts, strict=True):
            if len(cells) == 1:
                out.extend(cells[0])
            elif _is_section(row_texts, cells):
                # 主要做法 | several paragraphs: the label heads the cell's own paragraphs
                out.append(Line(row_texts[0].rstrip("：:"), heading_level=1))
                out.extend(ln for ln in cells[1] if ln.text.strip())
            else:
                out.extend(Line(text, table=True) for text in _row_texts(row_texts))
        return
    grid = tuple(
        tuple("\n".join(ln.text.strip() for ln in c if ln.text.strip()) for c in r) for r in rows
    )
    out.append(Line("\n".join("\t".join(r) for r in grid), table=True, cells=grid))


def _parent_table(row: Any) -> Any:
    parent = row.getparent()
    while parent is not None and parent.tag != _W + "tbl":
        parent = parent.getparent()
    return parent


def _row_cells(row: Any) -> list[Any]:
    cells: list[Any] = []
    for child in row:
        if child.tag == _W + "tc":
            cells.append(child)
        elif child.tag in (_W + "sdt", _W + "customXml"):
            cells.extend(child.iter(_W + "tc"))
    return cells


_FORM_LABELS = re.compile(
    r"^(?:案例|故事)?(?:名称|标题|题目)$|单位|联系|电话|作者|姓名|职务|部门|邮箱|手机|地址|报送|供稿|申报|推荐"
)


def _is_form(rows: list[list[str]]) -> bool:
    """Label/value rows where the labels are those of a form (案例名称, 报送单位, 联系人)."""
    pairs = [r for r in rows if len(r) > 1]
    if not pairs or any(len(r) % 2 for r in pairs):
        return False
    labels = [r[i].rstrip("：:") for r in pairs for i in range(0, len(r), 2)]
    return all(_is_label(x) for x in labels) and any(_FORM_LABELS.search(x) for x in labels)


def _is_section(texts: list[str], cells: list[list[Line]]) -> bool:
    """A form row that is a part of the text (主要做法, 工作成效): a label, then a value of
    several paragraphs or a long one."""
    if len(texts) != 2 or not _is_label(texts[0]) or _FORM_LABELS.search(texts[0]):
        return False
    paragraphs = [ln for ln in cells[1] if ln.text.strip()]
    return len(paragraphs) > 1 or len(texts[1]) > 100


def _is_label(text: str) -> bool:
    return 0 < len(text) <= 8 and not any(ch in text for ch in "。，,；;！？")


def _row_texts(cells: list[str]) -> list[str]:
    """A form row (label, value[, label, value]) reads "label：value"; a data row "a | b | c"."""
    if len(cells) % 2 == 0 and all(_is_label(cells[i]) for i in range(0, len(cells), 2)):
        return [f"{cells[i].rstrip('：:')}：{cells[i + 1]}" for i in range(0, len(cells), 2)]
    return [" | ".join(cells)]
