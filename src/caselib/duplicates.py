"""The near-duplicate pairs of a whole library, read with plain SQL (``caselib dupes``).

At the stored threshold (``THRESHOLD``) or above, the pairs are those every write flagged
(``dedupe.flag_text``: add, edit, import and restore re-flag the record; trash keeps its pairs,
purge deletes them), read from ``near_duplicate`` with the live records: no text is compared.
Below it, or when a live record has no bands (a library filled by other means, never flagged),
the library is scanned: records sharing a stored band value (``dupe_band``) are candidates,
verified on their cleaned texts (``text.minhash``); a live record without bands is hashed in
memory for this listing only: reading never writes. Both give the same pairs, similarities and
order, except that flagging verifies at most ``dedupe.MAX_CANDIDATES`` candidates per record
(those sharing the most bands), which only a library of look-alike texts exceeds.
A qmark plain-SQL connection (``store.reader.connect``) is enough: no ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from caselib.text.minhash import THRESHOLD, dedupe_text, similarity_of_cleaned, text_bands

_CHUNK = 500  # ids per query


@dataclass
class DuplicatePair:
    """Two live records with near-identical texts; ``record_id`` is the newer one."""

    record_id: int
    other_id: int
    similarity: float
    title: str
    other_title: str
    unit: str
    other_unit: str

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "other_id": self.other_id,
            "similarity": round(self.similarity, 4),
            "title": self.title,
            "other_title": self.other_title,
            "unit": self.unit,
            "other_unit": self.other_unit,
        }


def _chunks(ids: list[int], size: int = _CHUNK) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def stored_body(value: Any) -> Any:
    """A record's body as read with plain SQL: JSON text (SQLite) or decoded (PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


def _buckets(conn: Any) -> dict[int, list[int]]:
    """Live record ids by band value: the stored bands, and in memory those of live records
    that have none."""
    buckets: dict[int, list[int]] = {}
    for value, rid in conn.execute(
        "SELECT b.value, b.record_id FROM dupe_band AS b"
        " JOIN record AS r ON r.id = b.record_id WHERE r.deleted_at IS NULL"
    ):
        buckets.setdefault(value, []).append(rid)
    unindexed = conn.execute(
        "SELECT r.id, r.title, r.body FROM record AS r WHERE r.deleted_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM dupe_band AS b WHERE b.record_id = r.id)"
    ).fetchall()
    for rid, title, body in unindexed:
        for value in text_bands(dedupe_text(title, stored_body(body))):
            buckets.setdefault(value, []).append(rid)
    return buckets


def duplicate_pairs(conn: Any, threshold: float = THRESHOLD) -> list[DuplicatePair]:
    """Every pair of live records with similarity ≥ ``threshold``, most similar first (newer
    record first, then the older one): the flagged pairs when they can answer, else a scan."""
    if threshold >= THRESHOLD and not _unindexed_live(conn):
        return flagged_pairs(conn, threshold)
    return scanned_pairs(conn, threshold)


def _unindexed_live(conn: Any) -> bool:
    """Whether a live record has no bands: it was never flagged (or its text is empty)."""
    row = conn.execute(
        "SELECT 1 FROM record AS r WHERE r.deleted_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM dupe_band AS b WHERE b.record_id = r.id) LIMIT 1"
    ).fetchone()
    return row is not None


def flagged_pairs(conn: Any, threshold: float = THRESHOLD) -> list[DuplicatePair]:
    """The stored ``near_duplicate`` pairs of live records with similarity ≥ ``threshold``."""
    rows = conn.execute(
        "SELECT n.record_id, n.other_id, n.similarity, a.title, b.title, ua.name, ub.name"
        " FROM near_duplicate AS n"
        " JOIN record AS a ON a.id = n.record_id JOIN unit AS ua ON ua.id = a.unit_id"
        " JOIN record AS b ON b.id = n.other_id JOIN unit AS ub ON ub.id = b.unit_id"
        " WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL AND n.similarity >= ?"
        " ORDER BY n.similarity DESC, n.record_id, n.other_id",
        (threshold,),
    )
    return [DuplicatePair(r[0], r[1], float(r[2]), r[3], r[4], r[5], r[6]) for r in rows]


def scanned_pairs(conn: Any, threshold: float = THRESHOLD) -> list[DuplicatePair]:
    """Every pair of live records with similarity ≥ ``threshold``, found from the stored
    bands and verified on the texts."""
    candidates: set[tuple[int, int]] = set()
    for ids in _buckets(conn).values():
        if len(ids) > 1:
            candidates.update(combinations(sorted(ids), 2))

    entries: dict[int, tuple[str, str, dt.datetime, str]] = {}
    involved = sorted({rid for pair in candidates for rid in pair})
    for chunk in _chunks(involved):
        rows = conn.execute(
            "SELECT r.id, r.title, r.body, r.created_at, u.name FROM record AS r"
            " JOIN unit AS u ON u.id = r.unit_id"
            f" WHERE r.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for rid, title, body, created_at, unit in rows:
            entries[rid] = (
                title,
                unit,
                utc_instant(created_at),
                dedupe_text(title, stored_body(body)),
            )

    pairs: list[DuplicatePair] = []
    for a_id, b_id in candidates:
        a, b = entries[a_id], entries[b_id]
        score = similarity_of_cleaned(a[3], b[3], threshold)
        if score < threshold:
            continue
        if (a[2], a_id) < (b[2], b_id):
            (a_id, a), (b_id, b) = (b_id, b), (a_id, a)
        pairs.append(DuplicatePair(a_id, b_id, score, a[0], b[0], a[1], b[1]))
    pairs.sort(key=lambda p: (-p.similarity, p.record_id, p.other_id))
    return pairs


def utc_instant(value: Any) -> dt.datetime:
    """Creation times compare as naive UTC (SQLite gives text, PostgreSQL and the ORM a
    datetime, with or without its zone)."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.replace(tzinfo=None)
