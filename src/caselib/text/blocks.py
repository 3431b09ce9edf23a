"""The body of a record: an ordered list of section headings, paragraphs and tables.

Kept deliberately light (a dataclass, no pydantic) so readers and writers can use it
without paying for the database stack.
"""

from __future__ import annotations

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
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
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


def plain_text(blocks: list[Block]) -> str:
    """The body as text, one block per line."""
    return "\n".join(b.text for b in blocks)


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """A table as text: cells joined by tabs, rows by newlines."""
    return "\n".join("\t".join(row) for row in rows)
