"""Data types, limits and the error class shared by the readers.

Kept free of third-party imports so that ``caselib.intake.readers`` can be imported cheaply.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from caselib.errors import CaselibError
from caselib.text.blocks import Block

MB = 1024 * 1024

# Plain-text files above this size are refused before a single byte is read.
MAX_TEXT_BYTES = 20 * MB
# .docx files (compressed size on disk) above this size are refused.
MAX_DOCX_BYTES = 100 * MB
# Zip-bomb guards, checked on the zip directory before python-docx parses anything:
# the sum of the declared uncompressed sizes of all parts, and of any single XML part.
MAX_DOCX_UNCOMPRESSED = 256 * MB
MAX_XML_PART_BYTES = 48 * MB
MAX_ZIP_ENTRIES = 5000
# .doc / .wps / .pdf files above this size are not handed to a converter.
MAX_CONVERT_BYTES = 100 * MB
# Seconds a LibreOffice or pdftotext run may take before it is killed.
CONVERT_TIMEOUT = 120.0


class ReadError(CaselibError):
    """A file that cannot be read; ``str(error)`` is a one-line Chinese message."""


@dataclass
class ParsedArticle:
    """One case or story found in a document.

    ``title``, ``unit`` and ``date`` are None when the document does not state them (the
    importer keeps such a record as incomplete). ``sources`` says, for "title", "unit" and
    "date", where each came from as a short Chinese phrase (来源行, 供稿注, 公文落款, 标题前缀,
    一级标题, 首行, ...); ``metadata`` holds what a person reads but the record has no field
    for, e.g. {"文号": "鄂大党发〔2022〕18号"}.
    """

    title: str | None
    unit: str | None
    kind: str  # "case" or "story"
    blocks: list[Block]
    date: datetime.date | None = None
    sources: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedBulletin:
    """The frame of a 简报 issue: masthead, number, issuing office, date, 编者按, 版记."""

    series: str
    number: int
    year: int
    date: datetime.date
    office: str
    editor_note: str | None
    distribution: dict[str, list[str]]  # keys "报", "送", "发"


@dataclass
class ParsedDocument:
    """What a reader found in one file."""

    articles: list[ParsedArticle]
    bulletin: ParsedBulletin | None
    encoding: str | None  # text files only: "utf-8", "utf-8-sig", "gb18030", "utf-16", ...
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fact:
    """Something a line that is not body text says about its article: a unit, a date, a
    文号. ``source`` is the Chinese phrase reported in ``ParsedArticle.sources``."""

    key: str  # "unit", "date", "month" (value "YYYY-MM") or a metadata key such as "文号"
    value: str
    source: str


@dataclass
class Line:
    """One line (text file) or paragraph (Word file) with the layout hints the source gives.

    Text files give no hints; Word files say whether a paragraph is a heading (style or
    outline level), a Title, centred, bold, how large, or a row of a data table.
    """

    text: str
    heading_level: int = 0  # from a Heading style or an outline level, 0 if none
    title: bool = False  # Title style
    centered: bool = False
    bold: bool = False  # every visible run is bold
    size: float | None = None  # largest font size in points, if known
    table: bool = False  # a multi-cell table row (never a heading, never joined)
    list_level: int = 0  # Word automatic numbering level + 1, 0 if not numbered
    joined: bool = False  # rejoined from lines broken in mid-sentence (so not a heading)
    toc: bool = False  # an entry or the heading of a table of contents
    cover: bool = False  # on a cover page (before a table of contents)
    cells: tuple[tuple[str, ...], ...] = ()  # a whole data table (table=True, text = cells)
    gap_before: bool = False  # a blank line comes before it (text files): a paragraph break
    skip: bool = False  # not body text (credit, page chrome, 公文 part): only its facts count
    facts: tuple[Fact, ...] = ()

    @property
    def styled(self) -> bool:
        """Whether the layout marks this line as a heading or title."""
        return bool(self.heading_level or self.title)
