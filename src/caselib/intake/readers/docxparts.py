"""The two parts of a .docx the reader needs, the main document and its styles, parsed as
python-docx parses them (same parser options) without loading the whole package.

python-docx reads and parses every part of a package (settings, numbering, fonts, theme…)
and builds a proxy object per element: more than half of reading a typical document. For a
package laid out the ordinary way (one main document part of the WordprocessingML content
type, related to a styles part) the same XML is parsed here directly. Anything else (no
styles part, an unusual content type or relationship, a part that fails to parse) returns
None, and the caller opens the package with python-docx, which handles it (or reports it)
as before.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_OFFICE_DOCUMENT = _RT + "officeDocument"
_STYLES = _RT + "styles"
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCUMENT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}document"

# python-docx's parser options (docx.oxml.parser.oxml_parser), without its element classes
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)


def main_parts(path: Path) -> tuple[Any, bytes] | None:
    """(the w:document root, the styles part's XML) of an ordinary package, or None."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            document = _related(zf, names, "/", _OFFICE_DOCUMENT)
            if document is None or _content_type(zf, document) != _MAIN_TYPE:
                return None
            folder, name = posixpath.split(document)
            styles = _related(zf, names, document, _STYLES, f"{folder}/_rels/{name}.rels")
            if styles is None:
                return None
            root = etree.fromstring(zf.read(document[1:]), _PARSER)
            if root.tag != _DOCUMENT:
                return None
            return root, zf.read(styles[1:])
    except Exception:
        return None


def _related(
    zf: zipfile.ZipFile, names: set[str], source: str, kind: str, rels: str = "/_rels/.rels"
) -> str | None:
    """The part name ("/word/styles.xml") of the one internal relationship of this kind."""
    if rels[1:] not in names:
        return None
    found = [
        rel.get("Target", "")
        for rel in etree.fromstring(zf.read(rels[1:]), _PARSER).iter(_RELS)
        if rel.get("Type") == kind and rel.get("TargetMode", "Internal") == "Internal"
    ]
    if len(found) != 1:
        return None
    base = posixpath.dirname(source) if source != "/" else "/"
    part = posixpath.normpath(posixpath.join(base, found[0]))
    return part if part[1:] in names else None


def _content_type(zf: zipfile.ZipFile, part: str) -> str | None:
    types = etree.fromstring(zf.read("[Content_Types].xml"), _PARSER)
    for override in types.iter(_CT + "Override"):
        if (override.get("PartName") or "").lower() == part.lower():
            return str(override.get("ContentType") or "")
    ext = posixpath.splitext(part)[1][1:].lower()
    for default in types.iter(_CT + "Default"):
        if (default.get("Extension") or "").lower() == ext:
            return str(default.get("ContentType") or "")
    return None


def parse_styles(xml: bytes) -> Any:
    """The w:styles root of a styles part read by ``main_parts``."""
    return etree.fromstring(xml, _PARSER)
