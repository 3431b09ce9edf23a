"""The body of a record: an ordered list of section headings, paragraphs and tables.

Kept deliberately light (a dataclass, no pydantic) so readers and writers can use it
without paying for the database stack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

BlockType = Literal["heading", "paragraph", "table"]


@dataclass(frozen=True)
class Block:
    """One block of a body. ``level`` is 1–3 for headings (一、 / （一） / 1.), 0 otherwise.

    A table keeps its cells in ``rows`` (a row is a tuple of cell texts; the first row is the
    header when the source has one); its ``text`` is the cells joined by tabs and rows by
    newlines, so searching, evidence and plain-text views read a table as a person would."""

    type: BlockType
    text: str
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def heading(cls, text: str, level: int = 1) -> Block:
        return cls("heading", text, level)

    @classmethod
    def paragraph(cls, text: str) -> Block:
        return cls("paragraph", text, 0)

    @classmethod
    def table(cls, rows: Sequence[Sequence[str]]) -> Block:
        cells = tuple(tuple(str(c) for c in row) for row in rows)
        return cls("table", table_text(cells), 0, cells)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.type == "heading":
            data["level"] = self.level
        elif self.type == "table":
            data["rows"] = [list(row) for row in self.rows]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        kind = data.get("type")
        text = data.get("text")
        if kind == "table":
            rows = data.get("rows")
            # lists from JSON, tuples from a dataclass dump (``RecordIn.model_dump()``)
            if not isinstance(rows, list | tuple) or not all(
                isinstance(r, list | tuple) for r in rows
            ):
                raise ValueError(f"invalid block: {data!r}")
            return cls.table(rows)
        if kind not in ("heading", "paragraph") or not isinstance(text, str):
            raise ValueError(f"invalid block: {data!r}")
        if kind == "heading":
            return cls.heading(text, int(data.get("level", 1)))
        return cls.paragraph(text)


def blocks_to_json(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_json() for b in blocks]


def blocks_from_json(data: list[dict[str, Any]]) -> list[Block]:
    return [Block.from_json(d) for d in data]


def body_texts(body: Any) -> list[str]:
    """The texts of a body given as JSON text or as the decoded list of blocks: one per block,
    a table's cells one by one (row by row), so that nothing reads across two cells.

    Joined with one character between each two (a tab between the cells of a row, a newline
    between rows and between blocks) they give the block texts joined by newlines, so offsets
    into either agree. Damaged entries are skipped."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return [body if isinstance(body, str) else body.decode("utf-8", "replace")]
    if not isinstance(body, list):
        return []
    texts: list[str] = []
    for block in body:
        if isinstance(block, Block):
            block = {"type": block.type, "text": block.text, "rows": block.rows}
        if isinstance(block, dict):
            rows = block.get("rows") if block.get("type") == "table" else None
            if isinstance(rows, list | tuple):
                texts.extend(_table_cells(rows))
                continue
            text = block.get("text")
            if isinstance(text, str):
                texts.append(text)
        elif isinstance(block, str):
            texts.append(block)
    return texts


def body_length(body: Any) -> int:
    """Characters of text in a body (JSON text, decoded blocks or ``Block`` objects): the sum
    of ``body_texts``, whitespace included, a table counting its cells' text. This is a
    record's "length" in JSON and its 字数 in a table export."""
    return sum(len(text) for text in body_texts(body))


def _table_cells(rows: Sequence[Any]) -> list[str]:
    """The cells of a table row by row; an empty row (or table) counts as one empty cell, so
    that the cells joined by tabs and newlines give ``table_text``."""
    cells: list[str] = []
    for row in rows or [[]]:
        row_cells = [str(c) for c in row] if isinstance(row, list | tuple) else [str(row)]
        cells.extend(row_cells or [""])
    return cells


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """A table as text: cells joined by tabs, rows by newlines."""
    return "\n".join("\t".join(row) for row in rows)
