"""Everything SQLite-specific: connection pragmas and the full-text index.

The rest of caselib talks SQLAlchemy; a PostgreSQL backend would replace this module.
The index is written on the same connection, inside the same transaction, as the records.
This module (and ``caselib.search``) uses only ``sqlite3`` and the standard library, so that
``caselib search`` starts without loading SQLAlchemy.

Design of the index
-------------------
Chinese has no spaces, so words cannot be indexed; instead every overlapping pair of
characters (bigram) is a token, as Lucene's CJKAnalyzer does, and a query phrase of n >= 2
characters becomes an FTS5 phrase of its n - 1 bigrams (consecutive positions). A phrase of
one character becomes a prefix query on the bigrams that start with it; every character starts
one, because each segment is followed by an end marker (``abc`` gives ``ab bc c⊣``), and the
``prefix='1'`` option gives those prefix queries an index of their own.

The *scanned text* of a record is a list of segments per column, each ``normalize()``-d
(``record_segments``):

* title: [title]
* tags: [each tag name]
* unit: [unit name]
* summary: [summary] (none if empty)
* body: [the text of each block; a table's cells one by one] (``blocks.body_texts``)

A query phrase matches a record exactly when it is a substring of one segment. Bigrams are
never formed across two segments, and no query bigram contains the end marker, so a phrase
cannot run from one block (or tag, or table cell) into the next. Every character is indexed:
punctuation, spaces, Latin letters and digits included (``82项`` finds ``282项``).

Tokens are made of *codes*, one per normalised character. FTS5's ``ascii`` tokenizer keeps
every non-ASCII character inside a token and splits on ASCII characters other than letters and
digits, so those are coded as non-ASCII characters that ``normalize`` never produces: ASCII
punctuation as its full-width form (``,`` → ``，``), the space as U+3000, control characters
as private-use characters U+E000–U+E07F. Private-use characters U+E000–U+E0FF found in the text
are escaped (a prefix-free code, hence injective). So a token is never split, and FTS5 syntax
characters (``" * : ^ ( )``) can never reach the query parser as syntax. As full-width
punctuation normalises to ASCII and codes back to itself, ordinary Chinese text is coded
without running NFKC at all (``_code_raw``'s fast path, checked against the slow one in the
tests).

The FTS5 table is contentless (``content=''``): it stores no text. Deleting a row of such a
table needs the values it was indexed with (SQLite 3.40 has no ``contentless_delete``), so
``record_fts_src`` keeps, per record, the indexed segments as they were (zlib-compressed JSON)
and their hash. The hash lets ``check_index`` find stale rows and lets ``reindex_records``
skip records whose text has not changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from operator import add
from pathlib import Path
from typing import Any

from caselib.store import faults
from caselib.text.blocks import body_texts
from caselib.text.normalize import normalize

BUSY_TIMEOUT_MS = int(os.environ.get("CASELIB_BUSY_TIMEOUT_MS", "5000"))

#: Bump when the tokenisation changes: every stored hash becomes stale (``check`` says so).
INDEX_VERSION = "bigram-2"
FTS_TABLE = "record_fts"
SRC_TABLE = "record_fts_src"
#: FTS5 columns, in order. ``search`` weights them with ``COLUMN_WEIGHTS``.
FTS_COLUMNS = ("title", "tags", "unit", "summary", "body")
#: BM25 weights: hits in the title and the tags count more than hits in the body.
COLUMN_WEIGHTS = (10.0, 8.0, 3.0, 3.0, 1.0)

_BATCH = 400
_SQLITE_ERROR = 1  # SQLite's generic error code (a missing table, a failed FTS5 command)
#: Marks the end of a segment; every character starts a bigram, the last one with this.
END = "\ue080"
#: Escapes a character of the reserved range U+E000–U+E0FF found in the text itself.
_ESC = "\ue081"
_RESERVED = re.compile("[\ue000-\ue0ff]")


def _code_of(ch: str) -> str:
    """The code of one *normalised* character."""
    o = ord(ch)
    if o < 128:
        if ch.isalnum():
            return ch
        if o == 0x20:
            return "\u3000"
        if 0x21 <= o <= 0x7E:
            return chr(o + 0xFEE0)  # the full-width form
        return chr(0xE000 + o)  # control characters
    if 0xE000 <= o <= 0xE0FF:
        return _ESC + ch
    return ch


#: Code of the normalised ASCII characters that are not letters or digits (one to one).
_NORMED_TABLE = {o: _code_of(chr(o)) for o in range(128) if not chr(o).isalnum()}
#: Raw characters whose normalised form is one character that never composes with its
#: neighbours, and whose code is one character: ASCII, CJK ideographs, full-width forms,
#: the ideographic space and common CJK punctuation.
_FAST = re.compile(
    "[\u0020-\u007e\u00b7\u2014\u2018-\u201d\u3000-\u3002\u3008-\u3011\u4e00-\u9fff\uff01-\uff5e]*"
)
#: Those of them whose code is not themselves, and their code.
_FAST_MAP = {
    ch: code
    for ch in (
        [chr(o) for o in range(0x20, 0x7F)]
        + [chr(o) for o in range(0xFF01, 0xFF5F)]
        + ["\u2018", "\u2019", "\u201c", "\u201d", "\u3000"]
    )
    if (code := _code_of(normalize(ch))) != ch
}
_FAST_SUB = re.compile("[" + "".join(re.escape(c) for c in sorted(_FAST_MAP)) + "]")
_WIDE_ARRAY = array("I").itemsize == 4 and sys.byteorder == "little"
_SPACE = array("I", [0x20]) if _WIDE_ARRAY else None


def _code_normalized(text: str) -> str | list[str]:
    """The codes of a normalised text: a string of one-character codes, or a list of codes
    when some are two characters (escaped private-use characters)."""
    if _RESERVED.search(text) is None:
        return text.translate(_NORMED_TABLE)
    return [_code_of(ch) for ch in text]


def _code_raw(text: str) -> str | list[str]:
    """The same as ``_code_normalized(normalize(text))``, without NFKC for ordinary text."""
    if _FAST.fullmatch(text):
        return _FAST_SUB.sub(lambda m: _FAST_MAP[m.group()], text)
    return _code_normalized(normalize(text))


def _bigrams(codes: str | list[str]) -> str:
    """``codes`` followed by the end marker, as space-separated overlapping pairs."""
    if not codes:
        return ""
    if isinstance(codes, list):
        units = [*codes, END]
        return " ".join(map(add, units, units[1:]))
    coded = codes + END
    if _SPACE is None:
        return " ".join(map(add, coded, coded[1:]))
    # Interleave the code points in C: (c0 c1 ␠)(c1 c2 ␠)…
    points = array("I")
    points.frombytes(coded.encode("utf-32-le"))
    out = _SPACE * (3 * len(codes))
    out[0::3] = points[:-1]
    out[1::3] = points[1:]
    return out.tobytes().decode("utf-32-le")[:-1]


def segment_tokens(segment: str) -> str:
    """The FTS5 input for one (raw) segment: the bigrams of its codes, space-separated.

    >>> segment_tokens("党建A") == "党建 建a a" + END
    True
    """
    return _bigrams(_code_raw(segment)) if segment else ""


def column_tokens(segments: Iterable[str]) -> str:
    """The FTS5 input for one column made of several (raw) segments."""
    return " ".join(t for t in map(segment_tokens, segments) if t)


def phrase_match(term: str) -> str:
    """The FTS5 expression matching the records whose segments contain ``term``.

    ``term`` must already be ``normalize()``-d and non-empty. The result contains only token
    characters inside double quotes, so it is safe to embed in a larger expression.
    """
    if not term:
        raise ValueError("empty term")
    units = _code_normalized(term)
    if len(units) == 1:
        return f'"{units[0]}"*'
    return '"' + " ".join(map(add, units, units[1:])) + '"'


def configure_connection(dbapi_connection: sqlite3.Connection) -> None:
    """Pragmas applied to every new connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    # With write-ahead logging (set when the library is created) NORMAL syncs at checkpoints,
    # not at every commit: a crash cannot corrupt the library, and one transaction per
    # imported file stays cheap.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def reading_uri(path: Path) -> str:
    """The URI that opens the library at ``path`` for reading only.

    A library keeps write-ahead logging files (``-wal``, ``-shm``) next to it, which SQLite
    must be able to create even to read. In a folder this user cannot write it cannot, so
    there the file is opened ``immutable`` (read as it is, no locks, no ``-shm``) as long as
    no ``-wal`` holds changes not yet copied into it; otherwise (or when the folder can be
    written) a plain read-only open, which reads those changes."""
    uri = path.resolve().as_uri() + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not (wal.exists() and wal.stat().st_size > 0):
        uri += "&immutable=1"
    return uri


def prepare_new_database(dbapi_connection: Any) -> None:
    """Settings that live in a new library file itself: write-ahead logging, so that readers
    (search, list) never wait for a writer (import) and writers never wait for readers."""
    dbapi_connection.execute("PRAGMA journal_mode = WAL")


def snapshot(source: Path, dest: Path) -> None:
    """Copy the library at ``source`` into a new file ``dest`` with SQLite's online backup
    API: a consistent snapshot even while other processes write (they are not blocked; pages
    they change during the copy make it restart on the changed pages). ``dest`` is written
    to a temporary file beside it, made readable by its owner only (0600), and renamed into
    place whole; an existing ``dest`` is replaced (the caller decides whether that is allowed).
    """
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f".{dest.name}-", suffix=".new", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        src = sqlite3.connect(reading_uri(source), uri=True)
        try:
            configure_connection(src)
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
                # a snapshot is one file: no write-ahead log beside it
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
        finally:
            src.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# What is indexed


def raw_segments(
    title: str | None,
    tags: Iterable[str],
    unit: str | None,
    summary: str | None,
    body: Any,
) -> tuple[list[str], ...]:
    """The segments of a record per FTS column, before normalisation (empty ones left out)."""
    return (
        [title] if title else [],
        sorted(t for t in tags if t),
        [unit] if unit else [],
        [summary] if summary else [],
        [t for t in body_texts(body) if t],
    )


def record_segments(
    title: str | None,
    tags: Iterable[str],
    unit: str | None,
    summary: str | None,
    body: Any,
) -> tuple[list[str], ...]:
    """The scanned text of a record: normalised segments per FTS column (see module doc).

    Recall is defined against this: a query phrase ``q`` matches the record exactly when
    ``normalize(q)`` is a substring of one of these segments.
    """
    raw = raw_segments(title, tags, unit, summary, body)
    return tuple([normalize(s) for s in column] for column in raw)


def _payload(columns: tuple[list[str], ...]) -> tuple[str, bytes]:
    data = json.dumps(columns, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256(INDEX_VERSION.encode() + b"\0" + data).hexdigest()
    return digest, data


def _token_counts(columns: Sequence[list[str]]) -> list[int]:
    """Tokens per column: one bigram per normalised character of each segment."""
    return [
        sum(len(s) if _FAST.fullmatch(s) else len(normalize(s)) for s in segs) for segs in columns
    ]


# --------------------------------------------------------------------------------------------
# Schema and writing


def create_index(conn: Any) -> None:
    """Create the full-text index tables (idempotent). ``conn`` is a DB-API connection/cursor."""
    cols = ", ".join(FTS_COLUMNS)
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        f"{cols}, content='', tokenize='ascii', prefix='1')"
    )
    # A larger in-memory buffer before FTS5 writes a segment: fewer merges on bulk imports.
    try:
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('hashsize', 8388608)")
    except sqlite3.DatabaseError:
        pass  # an SQLite without the option
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {SRC_TABLE} ("
        "id INTEGER PRIMARY KEY, hash TEXT NOT NULL, data BLOB NOT NULL)"
    )


def _chunks(ids: Sequence[int], size: int = _BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _load_records(conn: Any, ids: Sequence[int]) -> dict[int, tuple[list[str], ...]]:
    """The raw segments of these records (ids absent from the table are left out)."""
    marks = _marks(len(ids))
    tags: dict[int, list[str]] = {}
    for rid, name in conn.execute(
        f"SELECT rt.record_id, t.name FROM record_tag rt JOIN tag t ON t.id = rt.tag_id "
        f"WHERE rt.record_id IN ({marks})",
        tuple(ids),
    ):
        tags.setdefault(rid, []).append(name)
    out = {}
    for rid, title, summary, body, unit in conn.execute(
        f"SELECT r.id, r.title, r.summary, r.body, u.name FROM record r "
        f"LEFT JOIN unit u ON u.id = r.unit_id WHERE r.id IN ({marks})",
        tuple(ids),
    ):
        out[rid] = raw_segments(title, tags.get(rid, ()), unit, summary, body)
    return out


def _fts_values(columns: tuple[list[str], ...]) -> list[str]:
    return [column_tokens(segs) for segs in columns]


def _fts_delete(conn: Any, rid: int, data: bytes) -> None:
    columns = tuple(json.loads(zlib.decompress(data)))
    cols = ", ".join(FTS_COLUMNS)
    conn.execute(
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) "
        f"VALUES ('delete', ?, {_marks(len(FTS_COLUMNS))})",
        (rid, *_fts_values(columns)),
    )


def reindex_records(
    conn: Any,
    record_ids: Iterable[int],
    changes: list[tuple[int, bool]] | None = None,
) -> None:
    """Rewrite the index rows of these records from the tables (deleted ids are dropped).

    Records whose indexed text is unchanged are skipped, so calling this liberally is cheap.
    Trashed records stay indexed; ``search`` filters them out. ``changes`` receives, per row
    rewritten or removed, (id, whether it is indexed now).
    """
    ids = sorted({int(i) for i in record_ids})
    cols = ", ".join(FTS_COLUMNS)
    insert_fts = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (?, {_marks(len(FTS_COLUMNS))})"
    for chunk in _chunks(ids):
        current = _load_records(conn, chunk)
        old = {
            rid: (digest, data)
            for rid, digest, data in conn.execute(
                f"SELECT id, hash, data FROM {SRC_TABLE} WHERE id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
        }
        for rid in chunk:
            previous = old.get(rid)
            columns = current.get(rid)
            if columns is None:
                if previous is not None:
                    _fts_delete(conn, rid, previous[1])
                    conn.execute(f"DELETE FROM {SRC_TABLE} WHERE id = ?", (rid,))
                    if changes is not None:
                        changes.append((rid, False))
                continue
            digest, data = _payload(columns)
            if previous is not None:
                if previous[0] == digest:
                    continue
                _fts_delete(conn, rid, previous[1])
            conn.execute(insert_fts, (rid, *_fts_values(columns)))
            if changes is not None:
                changes.append((rid, True))
            conn.execute(
                f"INSERT OR REPLACE INTO {SRC_TABLE}(id, hash, data) VALUES (?, ?, ?)",
                (rid, digest, zlib.compress(data, 1)),
            )


def rebuild_index(conn: Any) -> int:
    """Drop and rebuild the whole index; returns the number of records indexed.

    Atomic: when ``conn`` is a plain ``sqlite3`` connection outside a transaction, one is
    begun here (the caller commits, e.g. with ``with conn:``).
    """
    if isinstance(conn, sqlite3.Connection) and not conn.in_transaction:
        conn.execute("BEGIN")
    conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    conn.execute(f"DROP TABLE IF EXISTS {SRC_TABLE}")
    create_index(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM record ORDER BY id").fetchall()]
    reindex_records(conn, ids)
    optimize_index(conn)
    return len(ids)


def optimize_index(conn: Any) -> None:
    """Merge the index b-trees into one (smaller and faster; worth it after bulk imports)."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


# --------------------------------------------------------------------------------------------
# Checking and measuring


def _table_exists(conn: Any, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return row is not None


def _describe(ids: list[int], limit: int = 10) -> str:
    shown = "、".join(str(i) for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 条" if len(ids) > limit else "")


def _varints(data: bytes) -> list[int]:
    """Decode a run of SQLite varints (the format FTS5 uses in its shadow tables)."""
    out = []
    i, n = 0, len(data)
    while i < n:
        value = 0
        for k in range(9):
            if i >= n:
                raise ValueError("truncated varint")
            byte = data[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        out.append(value)
    return out


def check_index(conn: Any) -> list[str]:
    """Problems with the full-text index, one Chinese line each (empty: all is well).

    Finds records missing from the index, stale rows (text changed without reindexing),
    orphan rows (record gone), and damage: FTS5's own integrity check, and per row the token
    counts FTS5 recorded against those of the stored source text, plus the table totals.
    ``caselib reindex`` (``rebuild_index``) fixes all of them.
    """
    if not (_table_exists(conn, FTS_TABLE) and _table_exists(conn, SRC_TABLE)):
        return ["全文索引不存在，请运行 caselib reindex 重建"]
    own_transaction = isinstance(conn, sqlite3.Connection) and not conn.in_transaction
    try:
        return _check_index(conn)
    finally:
        # The FTS5 commands below are INSERTs, which make sqlite3 open a transaction: end it
        # (nothing was changed) unless it was the caller's.
        if own_transaction and conn.in_transaction:
            conn.rollback()


def _index_damage(exc: sqlite3.DatabaseError) -> bool:
    """True when the error says the index is damaged (not that the library is locked,
    read-only, full or unreadable as a whole)."""
    return faults.is_damage(exc) or faults.error_code(exc) in (None, _SQLITE_ERROR)


def _check_index(conn: Any) -> list[str]:
    problems: list[str] = []
    # FTS5 writes its pending changes (and its totals) at a savepoint: make the tables current.
    conn.execute("SAVEPOINT caselib_check_index")
    conn.execute("RELEASE caselib_check_index")
    try:
        # FTS5's own check is a command written as an INSERT: it needs the write lock
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        if faults.is_read_only(exc):
            pass  # a read-only library: the checks below read only
        elif _index_damage(exc):
            problems.append("全文索引内部结构损坏")
        else:
            raise  # locked, full, unreadable: the library's trouble, not the index's

    stored: dict[int, str] = {}
    damaged: list[int] = []
    n_cols = len(FTS_COLUMNS)
    totals = [0] * n_cols
    fts_rows = 0
    try:
        for rid, digest, data, size in conn.execute(
            f"SELECT s.id, s.hash, s.data, d.sz FROM {SRC_TABLE} s "
            f"LEFT JOIN {FTS_TABLE}_docsize d ON d.id = s.id ORDER BY s.id"
        ):
            stored[rid] = digest
            try:
                counts = _token_counts(json.loads(zlib.decompress(data)))
                if size is None or _varints(size) != counts:
                    damaged.append(rid)
                if size is not None:
                    fts_rows += 1
                    totals = [a + b for a, b in zip(totals, counts, strict=True)]
            except (ValueError, zlib.error, TypeError):
                damaged.append(rid)
        extra = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM {FTS_TABLE}_docsize WHERE id NOT IN (SELECT id FROM {SRC_TABLE})"
            )
        ]
        row = conn.execute(f"SELECT block FROM {FTS_TABLE}_data WHERE id = 1").fetchone()
        averages = _varints(row[0]) if row is not None and row[0] else [0] * (n_cols + 1)
        if averages != [fts_rows + len(extra), *totals] and not damaged and not extra:
            problems.append("全文索引的统计数据与内容不符（索引已损坏）")
    except (sqlite3.DatabaseError, ValueError) as exc:
        if isinstance(exc, sqlite3.DatabaseError) and not _index_damage(exc):
            raise
        problems.append("全文索引内部结构损坏")
        extra = []

    record_ids = [r[0] for r in conn.execute("SELECT id FROM record ORDER BY id")]
    live = set(record_ids)
    missing = [rid for rid in record_ids if rid not in stored]
    orphans = sorted({*stored, *extra} - live)
    stale = []
    for chunk in _chunks(record_ids):
        for rid, columns in _load_records(conn, chunk).items():
            digest = stored.get(rid)
            if digest is not None and digest != _payload(columns)[0]:
                stale.append(rid)
    stale.sort()
    damaged = sorted({*damaged, *extra} & live)
    if missing:
        problems.append(f"全文索引缺少记录：{_describe(missing)}")
    if stale:
        problems.append(f"全文索引已过期（记录改过但未重建索引）：{_describe(stale)}")
    if orphans:
        problems.append(f"全文索引含有已不存在的记录：{_describe(orphans)}")
    if damaged:
        problems.append(f"全文索引中这些记录的条目已损坏：{_describe(damaged)}")
    if problems:
        problems.append("请运行 caselib reindex 重建全文索引")
    return problems


def index_size_bytes(conn: Any) -> int:
    """Bytes on disk taken by the full-text index (its FTS5 shadow tables and source table)."""
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        if r[0].startswith(f"{FTS_TABLE}_") or r[0] == SRC_TABLE
    ]
    if not names:
        return 0
    try:
        row = conn.execute(
            f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({_marks(len(names))})", names
        ).fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError:
        pass
    return _estimated_size(conn, names)


def _estimated_size(conn: Any, names: list[str]) -> int:
    """Without dbstat: add up what the tables hold and round each up to whole pages."""
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    total = 0
    for name in names:
        if not _table_exists(conn, name):
            continue
        try:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            if not cols:
                continue
            expr = " + ".join(f'COALESCE(LENGTH(CAST("{c}" AS BLOB)), 0) + 8' for c in cols)
            row = conn.execute(f'SELECT SUM({expr}) FROM "{name}"').fetchone()
        except sqlite3.DatabaseError:
            continue
        used = int(row[0] or 0)
        total += max(page, -(-used // page) * page)
    return total
