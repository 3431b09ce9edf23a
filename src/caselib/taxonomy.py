"""The tag tree and the unit list with their record counts, read with plain SQL on the read
path's connection (``store.reader``), so ``caselib tags`` and ``caselib units`` start without the
ORM. Changing tags and units is in ``tags`` and ``units``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TagNode:
    """A tag in the tree with its record counts (own and including descendants)."""

    id: int
    name: str
    aliases: list[str]
    count: int
    total: int
    children: list[TagNode] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": self.aliases,
            "count": self.count,
            "total": self.total,
            "children": [c.to_json() for c in self.children],
        }


def tag_tree(conn: Any) -> list[TagNode]:
    """Every tag as a forest, ordered by name within each level; trash is not counted."""
    records_by_tag: dict[int, set[int]] = {}
    for tag_id, record_id in conn.execute(
        "SELECT rt.tag_id, rt.record_id FROM record_tag AS rt "
        "JOIN record AS r ON r.id = rt.record_id WHERE r.deleted_at IS NULL"
    ):
        records_by_tag.setdefault(int(tag_id), set()).add(int(record_id))
    aliases: dict[int, list[str]] = {}
    for alias, tag_id in conn.execute("SELECT alias, tag_id FROM tag_alias ORDER BY alias"):
        aliases.setdefault(int(tag_id), []).append(alias)
    tags = [(int(i), name, parent) for i, name, parent in conn.execute(
        "SELECT id, name, parent_id FROM tag"
    )]  # fmt: skip
    nodes = {i: TagNode(i, name, aliases.get(i, []), 0, 0) for i, name, _parent in tags}
    roots: list[TagNode] = []
    for i, _name, parent_id in tags:
        node = nodes[i]
        node.count = len(records_by_tag.get(i, set()))
        parent = nodes.get(int(parent_id)) if parent_id is not None else None
        (parent.children if parent else roots).append(node)

    def finish(node: TagNode) -> set[int]:
        ids = set(records_by_tag.get(node.id, set()))
        node.children.sort(key=lambda n: n.name)
        for child in node.children:
            ids |= finish(child)
        node.total = len(ids)
        return ids

    roots.sort(key=lambda n: n.name)
    for root in roots:
        finish(root)
    return roots


@dataclass
class UnitInfo:
    id: int
    name: str
    aliases: list[str]
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": self.aliases, "count": self.count}


def list_units(conn: Any) -> list[UnitInfo]:
    """Units with the number of live records, most records first."""
    counts = {
        int(unit_id): int(n)
        for unit_id, n in conn.execute(
            "SELECT unit_id, COUNT(id) FROM record WHERE deleted_at IS NULL GROUP BY unit_id"
        )
    }
    aliases: dict[int, list[str]] = {}
    for alias, unit_id in conn.execute("SELECT alias, unit_id FROM unit_alias"):
        aliases.setdefault(int(unit_id), []).append(alias)
    result = [
        UnitInfo(int(i), name, sorted(aliases.get(int(i), [])), counts.get(int(i), 0))
        for i, name in conn.execute("SELECT id, name FROM unit")
    ]
    result.sort(key=lambda u: (-u.count, u.name))
    return result
