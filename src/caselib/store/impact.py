"""Impact lists: the exact best matches of a frequent term without scoring every record that
holds it (SQLite only).

FTS5's ``bm25()`` scores every match, so at 100,000 records a term in nearly every record
costs about 100 ms however small the page. For such a term (a *key*: an FTS5 token, i.e. a
bigram, or the prefix ``X*`` of one character, what a one-character query matches) whose
posting list is long (``MIN_RECORDS`` records or more) these tables keep:

* ``impact_key``: per key its *frontier*, and how many records held it when the list was
  made (to pick a phrase's rarest bigram);
* ``impact_entry``: the ``LENGTH`` records with the highest term weight when the list was
  made or folded, each with ``f`` (the column-weighted count of the key, FTS5's ``aFreq``)
  and ``d`` (the record's tokens, its ``xColumnSize(-1)``);
* ``impact_added``: the records indexed since the lists were last folded.

A record's score for the key is ``idf * h(f, d)`` with ``h = f (k1 + 1) / (f + k1 (1 - b +
b d / avgdl))`` (FTS5's formula, reproduced operation by operation, so the scores are the
same doubles). ``h`` grows with ``f`` and falls with ``d`` whatever ``avgdl`` is, so a record
left out of the list scores at most ``h`` of a point of the frontier (the Pareto frontier of
the left-out records' ``(f, d)``: for each ``f`` the least ``d``). ``top`` counts the
records holding the term (FTS5's ``nHit``, for the IDF: one pass over the posting list, no
scoring), scores the list's entries and the few records added since the fold (read from the
indexed text) with the current statistics, leaves out the trash, and answers only when the
k-th score beats the frontier's bound: then the page and every tie of its last score are
known. Otherwise (too many records added, too few entries left, a bound too high) the caller
searches with FTS5 as before.

Writes keep this valid in the same transaction as the index (``reindex_records``) at almost
no cost: a record removed or changed leaves the lists (the bound only loosens), a new version
is noted in ``impact_added``. ``refresh`` (after an import, or once ``ADDED_MAX`` records
were added one by one) folds those records into the lists and frontiers and gives lists to
keys that became frequent; ``build`` (``reindex``, the schema upgrade) makes all of them
anew. ``check`` recomputes the lists from the indexed text and reports one that disagrees.
"""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from caselib.store import sqlite_backend as sb
from caselib.text.normalize import found_as_is, normalize

K1, B = 1.2, 0.75  # FTS5's bm25 constants
#: A key gets a list when at least this many records hold it. FTS5 spends about 1 µs per
#: matching record (100 ms for 100,000), so below this the plain index answers a page in a
#: few milliseconds; above it a list answers in well under one.
MIN_RECORDS = 5000
#: Entries kept per list: a page of 20 with trashed records and ties to spare.
LENGTH = 64
#: Records added since the last fold that a search still reads one by one; with more, it
#: searches with FTS5 and the next write folds them in (unless an import defers that).
ADDED_MAX = 32
#: Relative slack on the bound, far above the rounding of the few operations of ``h``.
_SLACK = 1e-9
_ESC = "\ue081"  # sqlite_backend's escape of reserved characters (a two-character code)

_TABLES = (
    "CREATE TABLE IF NOT EXISTS impact_key (key TEXT PRIMARY KEY, n_hit INTEGER NOT NULL, "
    "frontier TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS impact_entry (key TEXT NOT NULL, rid INTEGER NOT NULL, "
    "f REAL NOT NULL, d INTEGER NOT NULL, PRIMARY KEY (key, rid)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ix_impact_entry_rid ON impact_entry (rid)",
    "CREATE TABLE IF NOT EXISTS impact_added (rid INTEGER PRIMARY KEY)",
)


def create_tables(conn: Any) -> None:
    """Create the (empty) list tables; idempotent."""
    for ddl in _TABLES:
        conn.execute(ddl)


def weight(f: float, d: float, avgdl: float) -> float:
    """The BM25 term weight, the operations in FTS5's order (``fts5Bm25Function``)."""
    return (f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / avgdl))


def idf(n_rows: int, n_hit: int) -> float:
    value = math.log((n_rows - n_hit + 0.5) / (n_hit + 0.5))
    return value if value > 0.0 else 1e-6


def keys_of(term: str) -> list[str]:
    """The keys whose lists may answer a normalised query term: the prefix of its one
    character, the bigram of two, or each bigram of a longer phrase (a phrase occurs at most
    as often as each of its bigrams, in the same record of the same length)."""
    units = sb._code_normalized(term)
    if len(units) == 1:
        return [units[0] + "*"]
    return [a + b for a, b in zip(units, units[1:], strict=False)]


def record_counts(values: Sequence[str]) -> tuple[dict[str, float], int]:
    """``f`` of every key of one record (its FTS5 input, one token string per column) and
    ``d``, its number of tokens."""
    f: dict[str, float] = {}
    d = 0
    get = f.get
    for w, text in zip(sb.COLUMN_WEIGHTS, values, strict=True):
        if not text:
            continue
        tokens = text.split(" ")
        d += len(tokens)
        for tok, n in Counter(tokens).items():
            f[tok] = get(tok, 0.0) + w * n
        firsts = (
            Counter(text[0::3])
            if _ESC not in text
            else Counter(t[:2] if t[0] == _ESC else t[0] for t in tokens)
        )
        for code, n in firsts.items():
            k = code + "*"
            f[k] = get(k, 0.0) + w * n
    return f, d


def _stats(conn: Any) -> tuple[int, float]:
    """(rows, average tokens per row) as FTS5's bm25 reads them (its averages record)."""
    row = conn.execute(f"SELECT block FROM {sb.FTS_TABLE}_data WHERE id = 1").fetchone()
    v = sb._varints(row[0]) if row is not None and row[0] else [0]
    n_rows = v[0] if v[0] > 0 else 1
    return n_rows, float(sum(v[1:])) / float(n_rows)


def _bound(frontier: Iterable[Sequence[float]], avgdl: float) -> float:
    return max((weight(f, d, avgdl) for f, d in frontier), default=0.0)


# --------------------------------------------------------------------------------------------
# Searching


def top(conn: sqlite3.Connection, term: str, need: int) -> list[tuple[int, float]] | None:
    """(id, bm25) of the best ``need`` records holding ``term`` outside the trash, and of every
    record tied with the last of them, as FTS5's ``bm25()`` ranks them; None when there is
    no list for the term or it cannot prove the page (search with FTS5 then)."""
    if not term or need <= 0 or need > LENGTH or conn.in_transaction:
        return None  # inside a transaction FTS5 may hold changes its tables do not show yet
    try:
        conn.execute("SAVEPOINT caselib_impact")  # one snapshot for every read below
        try:
            return _top(conn, term, need)
        finally:
            conn.execute("RELEASE caselib_impact")
    except sqlite3.OperationalError:
        return None  # no list tables (a library not yet upgraded): FTS5 answers


def _top(conn: sqlite3.Connection, term: str, need: int) -> list[tuple[int, float]] | None:
    keys = keys_of(term)
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        f"SELECT key, n_hit, frontier FROM impact_key WHERE key IN ({marks})", keys
    ).fetchall()
    if not rows or len(rows) < len(set(keys)):
        return None  # a bigram without a list is rare: so is the phrase, FTS5 is quick
    key, _, frontier = min(rows, key=lambda r: int(r[1]))
    live = "NOT IN (SELECT id FROM record WHERE deleted_at IS NOT NULL)"
    added = [
        r[0]
        for r in conn.execute(
            f"SELECT rid FROM impact_added WHERE rid {live} LIMIT ?", (ADDED_MAX + 1,)
        )
    ]
    if len(added) > ADDED_MAX:
        return None
    entries = conn.execute(
        f"SELECT rid, f, d FROM impact_entry WHERE key = ? AND rid {live}", (key,)
    ).fetchall()
    if len(entries) < need:
        return None
    if len(keys) > 1:  # a phrase: its own occurrences in the records of its bigram's list
        fd = _counts_in_text(conn, [e[0] for e in entries], term)
        entries = [(rid, fd[rid][0], d) for rid, _, d in entries if fd.get(rid, (0,))[0]]
    entries += [(rid, f, d) for rid, (f, d) in _counts_in_text(conn, added, term).items() if f]
    n_rows, avgdl = _stats(conn)
    count = f"SELECT COUNT(*) FROM {sb.FTS_TABLE} WHERE {sb.FTS_TABLE} MATCH ?"
    w = idf(n_rows, int(conn.execute(count, (sb.phrase_match(term),)).fetchone()[0]))
    scored = sorted((-(w * weight(f, d, avgdl)), rid) for rid, f, d in entries)
    if len(scored) < need:
        return None
    last = scored[need - 1][0]
    if -last <= w * _bound(json.loads(frontier), avgdl) * (1 + _SLACK):
        return None
    return [(rid, score) for score, rid in scored if score <= last]


def _counts_in_text(conn: Any, ids: Sequence[int], term: str) -> dict[int, tuple[float, int]]:
    """(f, d) of a term in these records, from the indexed text: its occurrences (overlapping
    ones too, as FTS5 counts them) in each normalised segment, weighted by column; and the
    record's tokens (one per normalised character). A segment whose normalising would not
    move the term is searched as stored (``found_as_is``)."""
    out: dict[int, tuple[float, int]] = {}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for rid, data in conn.execute(
        f"SELECT id, data FROM {sb.SRC_TABLE} WHERE id IN ({marks})", list(ids)
    ):
        f, d = 0.0, 0
        for w, column in zip(sb.COLUMN_WEIGHTS, json.loads(zlib.decompress(data)), strict=True):
            for segment in column:
                text = segment if found_as_is(term, segment) else normalize(segment)
                d += len(text)
                k = text.find(term)
                while k >= 0:
                    f += w
                    k = text.find(term, k + 1)
        out[rid] = (f, d)
    return out


# --------------------------------------------------------------------------------------------
# Writing


_DEFERRED: ContextVar[bool] = ContextVar("impact_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Writes inside do not fold (an import folds once, at its end: ``refresh``)."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def reindex_records(conn: Any, record_ids: Iterable[int]) -> None:
    """``sqlite_backend.reindex_records``, keeping the lists valid in the same transaction:
    a record's entries go when its text changes, its new version is noted as added."""
    changes: list[tuple[int, bool]] = []
    sb.reindex_records(conn, record_ids, changes)
    if not changes:
        return
    try:
        conn.executemany("DELETE FROM impact_entry WHERE rid = ?", [(r,) for r, _ in changes])
    except sqlite3.OperationalError:
        return  # a library without the tables (not yet upgraded)
    conn.executemany(
        "INSERT OR IGNORE INTO impact_added(rid) VALUES (?)", [(r,) for r, new in changes if new]
    )
    if not _DEFERRED.get():
        row = conn.execute("SELECT COUNT(*) FROM impact_added").fetchone()
        if row[0] > ADDED_MAX and conn.execute("SELECT 1 FROM impact_key LIMIT 1").fetchone():
            refresh(conn)


def _pareto(points: dict[float, int]) -> list[list[float]]:
    """The frontier of {f: least d}: ascending f, each point's d below every larger f's."""
    out: list[list[float]] = []
    best = math.inf
    for f in sorted(points, reverse=True):
        if points[f] < best:
            best = points[f]
            out.append([f, best])
    return out[::-1]


def _texts(conn: Any, ids: Sequence[int] | None) -> Iterator[tuple[int, list[str]]]:
    """(id, FTS5 values) of the indexed records (all, or these ids), from the stored source."""
    if ids is None:
        rows: Iterable[Any] = conn.execute(f"SELECT id, data FROM {sb.SRC_TABLE} ORDER BY id")
        for rid, data in rows:
            yield rid, sb._fts_values(tuple(json.loads(zlib.decompress(data))))
        return
    for start in range(0, len(ids), 400):
        chunk = list(ids[start : start + 400])
        marks = ",".join("?" * len(chunk))
        for rid, data in conn.execute(
            f"SELECT id, data FROM {sb.SRC_TABLE} WHERE id IN ({marks})", chunk
        ).fetchall():
            yield rid, sb._fts_values(tuple(json.loads(zlib.decompress(data))))


class _Lists:
    """The lists being made: per key the best ``LENGTH`` (h, id, f, d), the {f: least d} of
    the records pushed out, and the records holding it."""

    def __init__(self, keys: Iterable[str], avgdl: float) -> None:
        self.avgdl = avgdl
        self.heap: dict[str, list[tuple[float, int, float, int]]] = {k: [] for k in keys}
        self.out: dict[str, dict[float, int]] = {k: {} for k in self.heap}
        self.hits: dict[str, int] = dict.fromkeys(self.heap, 0)

    def add(self, key: str, rid: int, f: float, d: int) -> None:
        item = (weight(f, d, self.avgdl), rid, f, d)
        heap = self.heap[key]
        if len(heap) < LENGTH:
            heapq.heappush(heap, item)
            return
        _, _, f, d = heapq.heappushpop(heap, item)
        out = self.out[key]
        if d < out.get(f, d + 1):
            out[f] = d

    def scan(self, records: Iterable[tuple[int, list[str]]]) -> None:
        keys = self.heap.keys()
        for rid, values in records:
            f, d = record_counts(values)
            for key in keys & f.keys():
                self.hits[key] += 1
                self.add(key, rid, f[key], d)

    def write(self, conn: Any, min_records: int = 0) -> None:
        for key, heap in self.heap.items():
            conn.execute("DELETE FROM impact_entry WHERE key = ?", (key,))
            if self.hits[key] < min_records:
                conn.execute("DELETE FROM impact_key WHERE key = ?", (key,))
                continue
            conn.execute(
                "INSERT OR REPLACE INTO impact_key(key, n_hit, frontier) VALUES (?, ?, ?)",
                (key, self.hits[key], json.dumps(_pareto(self.out[key]))),
            )
            conn.executemany(
                "INSERT INTO impact_entry(key, rid, f, d) VALUES (?, ?, ?, ?)",
                [(key, rid, f, d) for _, rid, f, d in heap],
            )


def _frequent_keys(conn: Any, min_records: int) -> set[str]:
    """Keys held by ``min_records`` records or more: the tokens FTS5's vocabulary counts in
    that many, and the characters (counted by FTS5) starting tokens that add up to that many."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.impact_vocab "
        f"USING fts5vocab(main, {sb.FTS_TABLE}, row)"
    )
    keys: set[str] = set()
    firsts: dict[str, int] = {}
    for term, docs in conn.execute("SELECT term, doc FROM temp.impact_vocab"):
        if docs >= min_records:
            keys.add(term)
        code = term[:2] if term[0] == _ESC else term[0]
        firsts[code] = firsts.get(code, 0) + docs
    count = f"SELECT COUNT(*) FROM {sb.FTS_TABLE} WHERE {sb.FTS_TABLE} MATCH ?"
    for code, docs in firsts.items():
        if (
            docs >= min_records
            and conn.execute(count, (f'"{code}"*',)).fetchone()[0] >= min_records
        ):
            keys.add(code + "*")
    return keys


def build(conn: Any, min_records: int | None = None) -> int:
    """Make every list anew from the indexed text; returns how many keys have one."""
    min_records = MIN_RECORDS if min_records is None else min_records
    create_tables(conn)
    for table in ("impact_key", "impact_entry", "impact_added"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM meta WHERE key = 'impact_unscanned'")
    keys = _frequent_keys(conn, min_records)
    if keys:
        lists = _Lists(keys, _stats(conn)[1])
        lists.scan(_texts(conn, None))
        lists.write(conn, min_records)
    return int(conn.execute("SELECT COUNT(*) FROM impact_key").fetchone()[0])


def rebuild_index(conn: Any, min_records: int | None = None) -> int:
    """``sqlite_backend.rebuild_index`` and the lists; returns the number of records indexed."""
    count = sb.rebuild_index(conn)
    build(conn, min_records)
    return count


def refresh(conn: Any, min_records: int | None = None) -> None:
    """Fold the records indexed since the last fold into the lists (entries or frontier),
    and give a list to each key now held by ``min_records`` records."""
    min_records = MIN_RECORDS if min_records is None else min_records
    try:
        added = [r[0] for r in conn.execute("SELECT rid FROM impact_added ORDER BY rid")]
    except sqlite3.OperationalError:
        return  # a library without the tables (not yet upgraded)
    n_rows, avgdl = _stats(conn)
    listed = {r[0] for r in conn.execute("SELECT key FROM impact_key")}
    if listed and len(added) * 2 > n_rows:
        build(conn, min_records)  # most of the library is new: as cheap to start again
        return
    for start in range(0, len(added) if listed else 0, _FOLD):
        _fold(conn, added[start : start + _FOLD], listed, avgdl)
    conn.execute("DELETE FROM impact_added")
    # A key without a list was held by fewer than min_records records at the last look: it
    # needs that many new versions to get there. Look again after a quarter of that, and only
    # in a library of twice that size: below, FTS5 ranks any term in a few milliseconds, and
    # an import into a small library does not pay for reading it all again.
    row = conn.execute("SELECT value FROM meta WHERE key = 'impact_unscanned'").fetchone()
    unscanned = (int(row[0]) if row else 0) + len(added)
    scan = unscanned * 4 >= min_records and n_rows >= 2 * min_records
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('impact_unscanned', ?)",
        (str(0 if scan else unscanned),),
    )
    if not scan:
        return
    new_keys = _frequent_keys(conn, min_records) - listed
    if new_keys:  # read only the records holding them
        holding: set[int] = set()
        for key in new_keys:
            match = f'"{key[:-1]}"*' if key.endswith("*") else f'"{key}"'
            holding.update(
                r[0]
                for r in conn.execute(
                    f"SELECT rowid FROM {sb.FTS_TABLE} WHERE {sb.FTS_TABLE} MATCH ?", (match,)
                )
            )
        lists = _Lists(new_keys, avgdl)
        lists.scan(_texts(conn, sorted(holding)))
        lists.write(conn, min_records)


_FOLD = 500  # records folded at a time (memory: their (f, d) for every key they hold)


def _fold(conn: Any, ids: Sequence[int], listed: set[str], avgdl: float) -> None:
    """Put these (new) records into the lists of the keys they hold: each list keeps its
    best ``LENGTH`` entries, the rest join its frontier. Only what changes is written."""
    touched: dict[str, list[tuple[int, float, int]]] = {}
    for rid, values in _texts(conn, ids):
        counts, size = record_counts(values)
        for key in listed & counts.keys():
            touched.setdefault(key, []).append((rid, counts[key], size))
    keep = _Lists(touched, avgdl)
    for key, new in touched.items():
        old = conn.execute("SELECT rid, f, d FROM impact_entry WHERE key = ?", (key,)).fetchall()
        heap = keep.heap[key] = [(weight(f, d, avgdl), rid, f, d) for rid, f, d in old]
        heapq.heapify(heap)
        frontier = json.loads(
            conn.execute("SELECT frontier FROM impact_key WHERE key = ?", (key,)).fetchone()[0]
        )
        keep.out[key] = dict(frontier)
        for rid, f, d in new:
            keep.add(key, rid, f, d)
        before, after = {r[0] for r in old}, {e[1] for e in heap}
        conn.executemany(
            "DELETE FROM impact_entry WHERE key = ? AND rid = ?",
            [(key, rid) for rid in before - after],
        )
        conn.executemany(
            "INSERT INTO impact_entry(key, rid, f, d) VALUES (?, ?, ?, ?)",
            [(key, rid, f, d) for _, rid, f, d in heap if rid not in before],
        )
        merged = _pareto(keep.out[key])
        if merged != frontier:
            conn.execute(
                "UPDATE impact_key SET frontier = ? WHERE key = ?", (json.dumps(merged), key)
            )


# --------------------------------------------------------------------------------------------
# Checking


def check(conn: Any) -> list[str]:
    """Problems with the lists, one Chinese line each (empty: they agree with the index)."""
    try:
        keys = {k: json.loads(fr) for k, fr in conn.execute("SELECT key, frontier FROM impact_key")}
        stored: dict[str, dict[int, tuple[float, int]]] = {k: {} for k in keys}
        for key, rid, f, d in conn.execute("SELECT key, rid, f, d FROM impact_entry"):
            stored.setdefault(key, {})[rid] = (f, d)
        added = {r[0] for r in conn.execute("SELECT rid FROM impact_added")}
    except sqlite3.OperationalError:
        return ["检索加速表不存在，请运行 caselib reindex 重建"]
    except ValueError:
        return ["检索加速表已损坏，请运行 caselib reindex 重建"]
    if not keys and not stored:
        return []
    bad: set[str] = set(stored) - set(keys)
    by_rid: dict[int, dict[str, tuple[float, int]]] = {}
    for key, entries in stored.items():
        for rid, fd in entries.items():
            by_rid.setdefault(rid, {})[key] = fd
    seen: Counter[str] = Counter()
    # per key, {f: the least d the frontier covers for that f} (inf: none), filled as needed
    least: dict[str, dict[float, float]] = {k: {} for k in keys}
    for rid, values in _texts(conn, None):
        f, d = record_counts(values)
        held = keys.keys() & f.keys()
        listed = by_rid.get(rid, {})
        for key, fd in listed.items():
            if key in held:
                seen[key] += 1
                if fd != (f[key], d):
                    bad.add(key)
        if rid in added:
            continue  # read one by one by every search until it is folded in
        for key in held - listed.keys():
            fk = f[key]
            dmin = least[key].get(fk)
            if dmin is None:
                frontier = keys[key]
                k = bisect_left([p[0] for p in frontier], fk)
                dmin = least[key][fk] = frontier[k][1] if k < len(frontier) else math.inf
            if dmin > d:
                bad.add(key)
    bad.update(k for k in keys if seen[k] != len(stored[k]))
    if not bad:
        return []
    shown = "、".join(sorted(k.replace("*", "") for k in bad)[:10])
    return [
        f"检索加速表与全文索引不符（{len(bad)} 个词，如：{shown}），请运行 caselib reindex 重建"
    ]
