"""An office's own template: opening it (.docx or .dotx) and reading the run format of its styles."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn

from caselib.errors import CaselibError
from caselib.publish.bulletin.styles import RunFormat


def resolve_run_format(
    styles: Any, by_id: dict[str, Any], style_id: str, fallback: RunFormat
) -> RunFormat:
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
    return RunFormat(
        east_asia=east_asia,
        latin=latin,
        size=float(size_half) / 2 if size_half else fallback.size,
        bold=bool(bold) if bold is not None else fallback.bold,
        color=None if color in (None, "auto") else color,
        spacing=int(spacing) if spacing is not None else fallback.spacing,
    )


def open_document(template: Path | None) -> Any:
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
