"""Near-duplicate records: a new record whose text is very similar to an existing one
(resubmitted with small edits, or the same story sent in by two units).

Algorithm
---------
1. **Text** (``dedupe_text``): the title and the body blocks, keeping only letters and digits
   (whitespace, punctuation and symbols dropped), through ``textproc.normalize`` (NFKC, case
   folded). Re-broken paragraphs, changed punctuation (，→, “”→「」) and spacing are not edits.
2. **Shingles**: the set of overlapping character 5-grams (``K = 5``), each hashed with
   ``zlib.crc32`` of its UTF-8 bytes: stable across processes and machines (Python's ``hash()``
   is salted per process and must not be used). A text shorter than K is one shingle; an empty
   text has none and is never anyone's duplicate.
3. **MinHash**: ``NUM_HASHES = 96`` seeded variants of the shingle hash, ``h XOR mask_i`` with
   fixed 32-bit masks (blake2b of i); signature = ``[min(h ^ mask_i for h in shingles)]``. Each
   minimum is found exactly among the few sorted hashes that share the mask's top bits (two
   bisections), or when there are none by walking the hashes bit by bit with ``bisect`` (a
   binary trie descent), instead of a pass over every shingle. Against exact Jaccard
   (512 variants, random edits of the seed bulletin) the estimate is unbiased to within +0.015.
4. **LSH banding**: ``BANDS = 32`` bands of ``ROWS = 3`` values; each band (its number, its
   values and a version tag) is hashed by blake2b to a signed 64-bit ``DupeBand.value``.
   Candidates are the records sharing any value: one indexed ``value IN (…)`` sub-query.
5. **Verification**: the live candidates (at most ``MAX_CANDIDATES`` = 50, those sharing the
   most bands first, so a library of look-alike texts cannot make an import quadratic) are
   screened on coarse texts (one byte per character, ``minhash.coarse_text``: a similarity
   that can only be higher), and those that pass are compared on the full cleaned texts with
   ``rapidfuzz.distance.Indel.normalized_similarity`` (= ``fuzz.ratio`` / 100); pairs at or
   above ``THRESHOLD = 0.80`` are near-duplicates.

Candidate probability
---------------------
Texts whose shingle sets have Jaccard similarity *s* share a band with probability
``P(s) = 1 − (1 − s**3)**32``, an S-curve with its midpoint near (1/32)**(1/3) ≈ 0.31:

=======  =======  ======  =====  =====  =====  =====  =====  ======  ========
s        0.012    0.05    0.10   0.20   0.30   0.40   0.50   0.60    ≥ 0.64
P(s)     0.00006  0.004   0.03   0.23   0.58   0.88   0.986  0.9996  > 0.9999
=======  =======  ======  =====  =====  =====  =====  =====  ======  ========

Measurements behind the choices (``tests/test_dedupe.py``, ``bench/dedupe.py``)
-----------------------------------------------------------------------------
* Different records on one theme (four hand-written 迎新/志愿服务/共同缔造 records and the
  seed bulletin): shingle Jaccard 0.000–0.012, Indel similarity 0.08–0.19.
* Resubmission edits of a 700-character story: characters changed, a sentence added or
  removed, another unit's title: Jaccard 0.91–0.96, similarity 0.97–0.99; punctuation or
  paragraph breaks changed: 1.0; all of them at once: Jaccard 0.77, similarity 0.93. One of five
  paragraphs replaced: Jaccard 0.64, similarity 0.82 (a duplicate); two replaced: 0.40 and 0.65
  (not). The threshold 0.80 sits between, far above unrelated records.
* The worst case for shingles is edits scattered evenly (300 synthetic records each): 5 % of
  characters replaced gives similarity ~0.95, Jaccard ~0.61, found 100 %; 10 % gives ~0.90 and
  ~0.39, found 87 % (the curve predicts 85 %: the bands behave as independent); 15 % gives ~0.84
  and ~0.26, found 41 %.
* Bands × rows at 10,000 synthetic records whose unrelated pairs share shingles as real ones do
  (Jaccard mean 0.006, max 0.014), ``flag_record`` CPU time on a shared 2-core machine:
  32×3: 0.64 candidates per lookup (the planted original included), mean 1.9 ms, p95 2.8 ms;
  16×2: 5.2 candidates, mean 3.8 ms, p95 14 ms, and growing with the library (~N·B·s², against
  ~N·B·s³), for slightly better recall on scattered edits (29/30 against 24/30 at 10 %);
  6×3: cheapest, but finds only 15/20 copies with 5 % scattered edits. The 96 masks cost
  ~0.2 ms more than 32; hashing the shingles (~0.35 µs a character) dominates the signature.

Speed (``bench/dedupe.py``, 10,000 records of ~1,700 characters): ``flag_record`` 1.9 ms CPU
(1.0 ms text and signature, 0.9 ms in SQLite and SQLAlchemy); ``scan_library`` 16 s with
``rebuild`` (hashing every record), 0.9 s without. A library in which every record shares ~10 %
of its 5-grams with every other (``--stress``: Jaccard 0.1, eight times the real maximum) makes
~260 candidates per lookup and ~120 ms per ``flag_record``: verification is then the cost.

Bands must be rewritten when a record's title or body changes (``index_record`` or
``flag_record``); ``scan_library`` rebuilds them all. Changing K, the masks or the banding
requires a new ``_VERSION`` (so old values match nothing) and a ``scan_library``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Indel
from rapidfuzz.process import extract
from sqlalchemy import Connection
from sqlmodel import Session, col, delete, insert, select

from caselib.duplicates import DuplicatePair, scanned_pairs, stored_body, utc_instant
from caselib.store.library import plain_sql
from caselib.store.tables import DupeBand, NearDuplicate, Record, utcnow
from caselib.text.minhash import (
    BANDS,
    NUM_HASHES,
    ROWS,
    THRESHOLD,
    K,
    band_values,
    candidate_probability,
    clean_text,
    coarse_text,
    dedupe_text,
    shingle_hashes,
    signature,
    similarity,
    text_bands,
)

__all__ = [  # the text side lives in ``text.minhash``, the plain-SQL scan in ``duplicates``
    "BANDS",
    "K",
    "MAX_CANDIDATES",
    "NUM_HASHES",
    "ROWS",
    "THRESHOLD",
    "DuplicatePair",
    "band_values",
    "candidate_probability",
    "clean_text",
    "dedupe_text",
    "find_near_duplicates",
    "flag_record",
    "flag_text",
    "index_record",
    "record_text",
    "scan_library",
    "shingle_hashes",
    "signature",
    "similarity",
    "text_bands",
]

#: At most this many candidates are verified per record (see ``_find_statement``).
MAX_CANDIDATES = 50


def record_text(record: Record) -> str:
    return dedupe_text(record.title, record.body)


# -- the index ---------------------------------------------------------------------------------
#
# Statements are plain qmark SQL on the session's connection, in its transaction
# (``store.library.plain_sql``; the caller flushes pending ORM changes first): DupeBand and
# NearDuplicate rows are never needed as objects, and an import runs these statements for every
# file, where SQLAlchemy's work per statement cost more than SQLite's.

_DELETE_BANDS = "DELETE FROM dupe_band WHERE record_id = ?"
_TRASH = "SELECT id FROM record WHERE deleted_at IS NOT NULL"
_DELETE_LIVE_PAIRS = (
    f"DELETE FROM near_duplicate WHERE (record_id = ? AND other_id NOT IN ({_TRASH}))"
    f" OR (other_id = ? AND record_id NOT IN ({_TRASH}))"
)


_INSERT_BAND = "INSERT INTO dupe_band (record_id, band, value) VALUES (?, ?, ?)"


@lru_cache(maxsize=4)
def _find_statement(bands: int) -> str:
    """Live records other than the given one sharing one of ``bands`` band values, at most
    ``MAX_CANDIDATES`` of them, those sharing the most bands first (the expected number of
    shared bands grows as s³ with the similarity s): in a library of look-alike texts, the
    costly verification stays bounded. (Band numbers are hashed into the values, so equal
    values mean the same band and the same rows.)"""
    marks = ",".join("?" * bands)
    return (
        "SELECT r.id, r.title, r.body, r.created_at FROM record AS r JOIN ("
        " SELECT record_id AS rid, COUNT(*) AS shared FROM dupe_band"
        f" WHERE value IN ({marks}) AND record_id <> ?"
        f" GROUP BY record_id ORDER BY shared DESC, record_id LIMIT {MAX_CANDIDATES}"
        ") AS best ON best.rid = r.id"
        " WHERE r.deleted_at IS NULL ORDER BY best.shared DESC, r.id"
    )


def _require_id(record: Record) -> int:
    if record.id is None:
        raise ValueError("record must be flushed (have an id) before dedupe")
    return record.id


def index_record(session: Session, record: Record) -> None:
    """Write (replace) the record's DupeBand rows from its current title and body."""
    rid = _require_id(record)
    session.flush()
    _write_bands(plain_sql(session), rid, text_bands(record_text(record)))


def _write_bands(conn: Any, record_id: int, values: list[int], *, new: bool = False) -> None:
    """Replace the record's bands (``new``: it has none yet, a record just added)."""
    if not new:
        conn.execute(_DELETE_BANDS, (record_id,))
    if not values:
        return
    # One row per statement: on SQLite an INSERT of several rows opens a statement
    # transaction, at which FTS5 writes the record's pending index entries, costing more
    # than writing them once at the commit (PostgreSQL sends the rows in one round trip).
    conn.executemany(_INSERT_BAND, [(record_id, b, v) for b, v in enumerate(values)])


def _find(
    conn: Any, rid: int | None, text: str, values: list[int], threshold: float
) -> list[tuple[int, float, dt.datetime]]:
    """The near-duplicates of ``text`` among the candidates: (id, similarity, creation time
    as naive UTC), most similar first."""
    if not values:
        return []
    rows = conn.execute(_find_statement(len(values)), (*values, -1 if rid is None else rid))
    rows = rows.fetchall()
    texts = [dedupe_text(title, stored_body(body)) for _, title, body, _ in rows]
    # ``extract`` prepares the query once for all the candidates (not once per pair). The
    # candidates are first compared coarsely (``coarse_text``), which can only overrate them:
    # those below the threshold even so are not compared in full.
    coarse = extract(
        coarse_text(text),
        [coarse_text(t) for t in texts],
        scorer=Indel.normalized_similarity,
        score_cutoff=threshold,
        limit=None,
    )
    close = [i for _, _, i in coarse]
    scored = extract(
        text,
        [texts[i] for i in close],
        scorer=Indel.normalized_similarity,
        score_cutoff=threshold,
        limit=None,
    )
    found = [
        (rows[close[k]][0], float(score), utc_instant(rows[close[k]][3]))
        for _, score, k in scored
        if score >= threshold
    ]
    found.sort(key=lambda hit: (-hit[1], hit[0]))
    return found


def find_near_duplicates(
    session: Session, record: Record, threshold: float = THRESHOLD
) -> list[tuple[int, float]]:
    """Live records (other than ``record``) whose text has similarity ≥ ``threshold`` with it,
    as ``(id, similarity)``, most similar first. Uses the stored bands of the other records."""
    session.flush()
    text = record_text(record)
    found = _find(plain_sql(session), record.id, text, text_bands(text), threshold)
    return [(other, score) for other, score, _ in found]


def flag_record(session: Session, record: Record) -> list[tuple[int, float]]:
    """``flag_text`` for a record object (flushed first, so that it has an id)."""
    rid = _require_id(record)
    session.flush()
    return flag_text(session, rid, record.title, record.body, record.created_at)


def flag_text(
    session: Session,
    rid: int,
    title: str,
    body: Any,
    created_at: dt.datetime,
    *,
    new: bool = False,
) -> list[tuple[int, float]]:
    """Index record ``rid`` (its stored ``title`` and ``body``), find its near-duplicates and
    store them as NearDuplicate rows (``record_id`` = the newer of the two by creation time,
    ``other_id`` = the older).

    The record's earlier pairs with live records are replaced (its text may have changed);
    pairs with records in the trash are kept. ``new``: the record was just added, so it has
    no bands and no pairs to replace (a purged record's rows went with it), and the scans
    that look for them are skipped. Returns what ``find_near_duplicates`` returns."""
    conn = plain_sql(session)
    text = dedupe_text(title, body)
    values = text_bands(text)
    _write_bands(conn, rid, values, new=new)
    found = _find(conn, rid, text, values, THRESHOLD)

    if not new:  # forget its pairs with live records (found again below if still similar)
        conn.execute(_DELETE_LIVE_PAIRS, (rid, rid))
    if found:
        now = utcnow()
        me = (utc_instant(created_at), rid)
        rows = []
        for other, score, their_created in found:
            newer, older = (rid, other) if me > (their_created, other) else (other, rid)
            rows.append(
                {"record_id": newer, "other_id": older, "similarity": score, "detected_at": now}
            )
        # through SQLAlchemy (rare): it writes ``detected_at`` as the ORM does
        session.connection().execute(insert(NearDuplicate), rows)
    return [(other, score) for other, score, _ in found]


# -- the whole library -------------------------------------------------------------------------


def _index_all(conn: Connection, only_missing: bool) -> None:
    """(Re)write the bands of every record, or only of those that have none."""
    query = select(Record.id, Record.title, Record.body)
    if only_missing:
        query = query.where(col(Record.id).not_in(select(DupeBand.record_id).distinct()))
    else:
        conn.execute(delete(DupeBand))
    batch: list[dict[str, int]] = []
    for rid, title, body in conn.execute(query).all():
        values = text_bands(dedupe_text(title, body))
        batch += [{"record_id": rid, "band": b, "value": v} for b, v in enumerate(values)]
        if len(batch) >= 20_000:
            conn.execute(insert(DupeBand), batch)
            batch = []
    if batch:
        conn.execute(insert(DupeBand), batch)


def scan_library(
    session: Session, threshold: float = THRESHOLD, *, rebuild: bool = True
) -> list[DuplicatePair]:
    """Every pair of live records with similarity ≥ ``threshold``, most similar first.

    With ``rebuild`` (the default) the bands of every record are rewritten first (those in the
    trash too, so a restored record is found again): 10,000 records take ~10 s, mostly hashing.
    Without it, the stored bands are trusted and only records that have none are indexed
    (written). Either way the NearDuplicate rows between live records are rewritten from the
    scan (no candidate cap), as the writes would have flagged them. ``caselib dupes`` does not
    come here: it reads with plain SQL and writes nothing (``duplicates.duplicate_pairs``)."""
    session.flush()
    conn = session.connection()
    _index_all(conn, only_missing=not rebuild)

    pairs = scanned_pairs(plain_sql(session), min(threshold, THRESHOLD))
    live = select(Record.id).where(col(Record.deleted_at).is_(None))
    mine, theirs = col(NearDuplicate.record_id), col(NearDuplicate.other_id)
    conn.execute(delete(NearDuplicate).where(mine.in_(live), theirs.in_(live)))
    now = utcnow()
    rows = [
        {"record_id": p.record_id, "other_id": p.other_id, "similarity": p.similarity,
         "detected_at": now}
        for p in pairs
        if p.similarity >= THRESHOLD
    ]  # fmt: skip
    if rows:
        conn.execute(insert(NearDuplicate), rows)
    return [p for p in pairs if p.similarity >= threshold]
