"""Where a record's unit, title and date come from when the document itself does not say.

The readers find what a document states (a "单位：主题" title, a 来源/供稿 line, a 公文's
signature). What is left is what the office's filing says: a known unit of the library named
at the start or end of the text, the folder the file was sorted into below the imported
folder, and a file-name prefix ("机关党委-迎新纪实.docx"). Folder names and prefixes count only
when they are a known unit or read like the name of one (…学院, …党委, …处, …中心, …支部):
"d01", "2022" or "新建文件夹" never become units.

Pure functions over names and text: the importer gives them the library's unit names.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath

# The endings of the names of Party and university organisations: schools and colleges,
# Party committees, branches and general branches, offices, departments, centres, libraries,
# institutes. A name is 2–30 characters of Chinese (with letters or digits inside, as in
# "计算机学院第3党支部"), none of them punctuation of a sentence.
_UNIT_ENDINGS = (
    "学院|书院|学部|学校|大学|党委|党工委|党组|党总支|总支|支部|委员会|工委|处|部|中心|办公室|"
    "办|馆|所|院|局|厅|室|队|团委|工会|研究会|协会|街道|社区|村委会|公司|集团|医院|报社|日报|杂志社|"
    "电视台"
)
_LOOKS_LIKE_UNIT = re.compile(rf"^[\u4e00-\u9fffA-Za-z0-9（）()·]{{2,28}}(?:{_UNIT_ENDINGS})$")
_HAS_CHINESE = re.compile("[\u4e00-\u9fff]{2}")
# A file-name prefix ends at the first "-", "_", "：", ":", "—" or a full-width dash.
_PREFIX = re.compile(r"^(?P<prefix>[^-_：:—－]{2,30})\s*[-_：:—－]+\s*(?P<rest>.+)$")

# How many characters at the start and the end of a body are searched for a known unit.
_EDGE_CHARS = 120


def looks_like_unit(name: str) -> bool:
    """Whether ``name`` reads like the name of an organisation (a school, a Party committee
    or branch, an office, a centre …)."""
    name = unicodedata.normalize("NFKC", name).strip()
    return bool(_HAS_CHINESE.search(name) and _LOOKS_LIKE_UNIT.match(name))


def _known(name: str, units: dict[str, str]) -> str | None:
    """The unit's canonical name when ``name`` is one of the library's units or aliases."""
    return units.get(unicodedata.normalize("NFKC", name).strip())


def unit_from_text(paragraphs: Sequence[str], units: dict[str, str]) -> str | None:
    """A known unit named at the start or end of the text (the longest name found first, so
    "计算机学院党委" wins over "计算机学院")."""
    if not paragraphs:
        return None
    head = "".join(paragraphs)[:_EDGE_CHARS]
    tail = "".join(paragraphs)[-_EDGE_CHARS:]
    for name in sorted(units, key=len, reverse=True):
        if len(name) >= 3 and (name in head or name in tail):
            return units[name]
    return None


def unit_from_folders(path: Path, root: Path | None, units: dict[str, str]) -> str | None:
    """The nearest folder between ``root`` (the imported folder, not itself counted) and the
    file that is a known unit or reads like one."""
    if root is None:
        return None
    try:
        parts = path.parent.relative_to(root).parts
    except ValueError:
        return None
    for part in reversed(parts):
        name = readable_name(part)
        known = _known(name, units)
        if known is not None:
            return known
        if looks_like_unit(name):
            return name.strip()
    return None


def split_file_name(stem: str, units: dict[str, str]) -> tuple[str | None, str]:
    """(unit, rest) for a file name such as "机关党委-迎新纪实": the prefix counts only when it
    is a known unit or reads like one; otherwise (None, stem)."""
    match = _PREFIX.match(stem)
    if match:
        prefix = match.group("prefix").strip()
        known = _known(prefix, units)
        if known is not None:
            return known, match.group("rest").strip()
        if looks_like_unit(prefix):
            return prefix, match.group("rest").strip()
    return None, stem


def title_from_file_name(stem: str, units: dict[str, str]) -> str:
    """A stand-in title from the file name (the record is marked as lacking its title):
    without a unit prefix, with "_" read as a space."""
    _, rest = split_file_name(readable_name(stem), units)
    return re.sub(r"[_\s]+", " ", rest).strip() or stem


def readable_name(name: str) -> str:
    """A file or folder name (or a path) as a person reads it. Names that are not valid UTF-8
    (GBK names from a zip made on Chinese Windows) reach Python as surrogate escapes: each
    part of the path is decoded from its bytes as UTF-8, else GB18030, else shown with the
    bad bytes as ``\\xNN``."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    parts = []
    for raw in os.fsencode(name).split(b"/"):
        for codec in ("utf-8", "gb18030"):
            try:
                parts.append(raw.decode(codec))
                break
            except UnicodeDecodeError:
                continue
        else:
            parts.append(raw.decode("utf-8", errors="backslashreplace"))
    return "/".join(parts)


def shown_path(path: PurePath | str) -> str:
    """A path for the report: readable (see ``readable_name``) and with control characters
    escaped, so a name cannot break or forge a line of the report."""
    text = readable_name(str(path))
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def unit_names(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{name or alias: canonical name} from (name or alias, canonical name) rows."""
    return {unicodedata.normalize("NFKC", k).strip(): v for k, v in rows}
