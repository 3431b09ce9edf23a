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
   minimum is found exactly by walking the sorted hashes bit by bit with ``bisect`` (a binary
   trie descent, ~12 bisections) instead of a pass over every shingle. Against exact Jaccard
   (512 variants, random edits of the seed bulletin) the estimate is unbiased to within +0.015.
4. **LSH banding**: ``BANDS = 32`` bands of ``ROWS = 3`` values; each band (its number, its
   values and a version tag) is hashed by blake2b to a signed 64-bit ``DupeBand.value``.
   Candidates are the records sharing any value: one indexed ``value IN (…)`` sub-query.
5. **Verification**: the live candidates (at most ``MAX_CANDIDATES`` = 50, those sharing the
   most bands first, so a library of look-alike texts cannot make an import quadratic) are
   compared on the full cleaned texts with
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
import hashlib
import re
import unicodedata
import zlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

from rapidfuzz.distance import Indel
from rapidfuzz.process import extract
from sqlalchemy import Connection, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, and_, col, delete, insert, or_, select

from caselib.store.tables import DupeBand, NearDuplicate, Record, Unit, utcnow
from caselib.text.normalize import normalize

K = 5  # characters per shingle
BANDS = 32
ROWS = 3  # signature values per band
NUM_HASHES = BANDS * ROWS
THRESHOLD = 0.80  # Indel normalised similarity of the normalised texts
#: At most this many candidates are verified per record (see ``_find_statement``).
MAX_CANDIDATES = 50

_VERSION = b"caselib-dd2"  # hashed into every band value; change it with any parameter above
_MASKS: tuple[int, ...] = tuple(
    int.from_bytes(
        hashlib.blake2b(i.to_bytes(2, "big"), digest_size=4, person=_VERSION).digest(), "big"
    )
    for i in range(NUM_HASHES)
)
_TOP_BIT = 1 << 31
_NOT_WORD = re.compile(r"[\W_]+")


# -- text and signature ----------------------------------------------------------------------


def clean_text(text: str) -> str:
    """The letters and digits of ``text``, through ``normalize`` (NFKC, case folded).

    Everything else goes first: NFKC of Chinese text is slow only because of its full-width
    punctuation (0.45 ms for the seed bulletin), while the ideographs that remain pass NFKC's
    quick check (0.002 ms). (So symbols that NFKC would turn into letters, ™ or ㈠, are dropped.)
    """
    stripped = _NOT_WORD.sub("", text)
    if unicodedata.is_normalized("NFKC", stripped):
        folded = stripped.casefold()
        if folded == stripped:
            return folded
    # NFKC and case folding can make new non-letters (½ → 1⁄2, İ → i + combining dot)
    return _NOT_WORD.sub("", normalize(stripped))


def dedupe_text(title: str, body: Iterable[Mapping[str, Any]]) -> str:
    """The text compared for near-duplicates: title and body blocks, cleaned."""
    parts = [title, *(str(block.get("text", "")) for block in body)]
    return clean_text("\n".join(parts))


def record_text(record: Record) -> str:
    return dedupe_text(record.title, record.body)


def shingle_hashes(text: str) -> list[int]:
    """Sorted distinct crc32 hashes of the K-character shingles of an already cleaned text."""
    if len(text) <= K:
        return [zlib.crc32(text.encode("utf-8"))] if text else []
    return sorted({zlib.crc32(text[i : i + K].encode("utf-8")) for i in range(len(text) - K + 1)})


def _xor_min(hashes: Sequence[int], mask: int) -> int:
    """``min(h ^ mask for h in hashes)`` for sorted 32-bit ``hashes``, by a bitwise descent.

    From the top bit down, keep the sub-range of hashes that agree with ``mask`` on this bit
    (their XOR has a 0 there) if there are any; the range shares a prefix so it is contiguous
    in sorted order and ``bisect`` splits it."""
    lo, hi = 0, len(hashes)
    prefix = 0
    bit = _TOP_BIT
    while hi - lo > 1:
        mid = bisect_left(hashes, prefix | bit, lo, hi)  # first hash with this bit set
        if mask & bit:
            if mid < hi:
                lo = mid
                prefix |= bit
            else:
                hi = mid
        elif lo < mid:
            hi = mid
        else:
            lo = mid
            prefix |= bit
        bit >>= 1
    return hashes[lo] ^ mask


def signature(text: str) -> list[int]:
    """The MinHash signature (``NUM_HASHES`` 32-bit values) of a cleaned text; [] if empty."""
    hashes = shingle_hashes(text)
    if not hashes:
        return []
    return [_xor_min(hashes, mask) for mask in _MASKS]


def band_values(sig: Sequence[int]) -> list[int]:
    """One signed 64-bit value per band of a signature (``BANDS`` values; [] if empty)."""
    values: list[int] = []
    for band in range(len(sig) // ROWS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        data = band.to_bytes(2, "big") + b"".join(v.to_bytes(4, "big") for v in rows)
        digest = hashlib.blake2b(data, digest_size=8, person=_VERSION).digest()
        values.append(int.from_bytes(digest, "big", signed=True))
    return values


def text_bands(text: str) -> list[int]:
    return band_values(signature(text))


def candidate_probability(jaccard: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """Probability that two texts with this shingle Jaccard similarity share a band."""
    return float(1.0 - (1.0 - jaccard**rows) ** bands)


def _ratio(a: str, b: str, cutoff: float = 0.0) -> float:
    if not a and not b:
        return 1.0
    return float(Indel.normalized_similarity(a, b, score_cutoff=cutoff))


def similarity(text_a: str, text_b: str) -> float:
    """Indel normalised similarity (0–1, = ``fuzz.ratio`` / 100) of two texts after cleaning."""
    return _ratio(clean_text(text_a), clean_text(text_b))


# -- the index ---------------------------------------------------------------------------------
#
# Statements go through ``session.connection()`` (SQLAlchemy Core, in the session's transaction;
# the session is flushed first so that pending changes are visible): DupeBand and NearDuplicate
# rows are never needed as objects. They are built once with named parameters, so SQLAlchemy
# compiles each once: an ``IN`` over a Python list is re-rendered on every call, which made the
# candidate lookup 0.3 ms instead of 0.08 ms.

_DELETE_BANDS = delete(DupeBand).where(col(DupeBand.record_id) == bindparam("rid"))
_INSERT_BANDS = insert(DupeBand)
_TRASH = select(Record.id).where(col(Record.deleted_at).is_not(None))
_MINE, _THEIRS = col(NearDuplicate.record_id), col(NearDuplicate.other_id)
_DELETE_LIVE_PAIRS = delete(NearDuplicate).where(
    or_(
        and_(_MINE == bindparam("rid"), _THEIRS.not_in(_TRASH)),
        and_(_THEIRS == bindparam("rid"), _MINE.not_in(_TRASH)),
    )
)


def _candidates(values: list[int]) -> Any:
    """Ids of records with any of these band values (the band number is hashed into each
    value, so equal values mean the same band and the same rows)."""
    return select(DupeBand.record_id).where(col(DupeBand.value).in_(values))


@lru_cache(maxsize=4)
def _find_statement(bands: int) -> Any:
    """Live records other than ``:rid`` sharing a band value with ``:v0`` … ``:v{bands-1}``,
    at most ``MAX_CANDIDATES`` of them, those sharing the most bands first (the expected
    number of shared bands grows as s³ with the similarity s): in a library of look-alike
    texts, the costly verification stays bounded."""
    values: list[Any] = [bindparam(f"v{i}") for i in range(bands)]
    shared = func.count().label("shared")
    best = (
        select(col(DupeBand.record_id).label("rid"), shared)
        .where(col(DupeBand.value).in_(values), col(DupeBand.record_id) != bindparam("rid"))
        .group_by(col(DupeBand.record_id))
        .order_by(shared.desc(), col(DupeBand.record_id))
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    return (
        select(Record.id, Record.title, Record.body, Record.created_at)
        .join(best, best.c.rid == col(Record.id))
        .where(col(Record.deleted_at).is_(None))
        .order_by(best.c.shared.desc(), col(Record.id))
    )


def _require_id(record: Record) -> int:
    if record.id is None:
        raise ValueError("record must be flushed (have an id) before dedupe")
    return record.id


def index_record(session: Session, record: Record) -> None:
    """Write (replace) the record's DupeBand rows from its current title and body."""
    rid = _require_id(record)
    session.flush()
    _write_bands(session.connection(), rid, text_bands(record_text(record)))


def _write_bands(conn: Connection, record_id: int, values: list[int]) -> None:
    conn.execute(_DELETE_BANDS, {"rid": record_id})
    if values:
        rows = [{"record_id": record_id, "band": b, "value": v} for b, v in enumerate(values)]
        conn.execute(_INSERT_BANDS, rows)


def _find(
    conn: Connection, rid: int | None, text: str, values: list[int], threshold: float
) -> list[tuple[int, float, dt.datetime]]:
    if not values:
        return []
    params: dict[str, int] = {f"v{i}": v for i, v in enumerate(values)}
    params["rid"] = -1 if rid is None else rid
    rows = conn.execute(_find_statement(len(values)), params).all()
    # ``extract`` prepares ``text`` once for all the candidates (what ``_ratio`` does per pair)
    scored = extract(
        text,
        [dedupe_text(title, body) for _, title, body, _ in rows],
        scorer=Indel.normalized_similarity,
        score_cutoff=threshold,
        limit=None,
    )
    found = [(rows[i][0], float(score), rows[i][3]) for _, score, i in scored if score >= threshold]
    found.sort(key=lambda hit: (-hit[1], hit[0]))
    return found


def find_near_duplicates(
    session: Session, record: Record, threshold: float = THRESHOLD
) -> list[tuple[int, float]]:
    """Live records (other than ``record``) whose text has similarity ≥ ``threshold`` with it,
    as ``(id, similarity)``, most similar first. Uses the stored bands of the other records."""
    session.flush()
    text = record_text(record)
    found = _find(session.connection(), record.id, text, text_bands(text), threshold)
    return [(other, score) for other, score, _ in found]


def flag_record(session: Session, record: Record) -> list[tuple[int, float]]:
    """``flag_text`` for a record object (flushed first, so that it has an id)."""
    rid = _require_id(record)
    session.flush()
    return flag_text(session, rid, record.title, record.body, record.created_at)


def flag_text(
    session: Session, rid: int, title: str, body: Any, created_at: dt.datetime
) -> list[tuple[int, float]]:
    """Index record ``rid`` (its stored ``title`` and ``body``), find its near-duplicates and
    store them as NearDuplicate rows (``record_id`` = the newer of the two by creation time,
    ``other_id`` = the older).

    The record's earlier pairs with live records are replaced (its text may have changed);
    pairs with records in the trash are kept. Returns what ``find_near_duplicates`` returns."""
    conn = session.connection()
    text = dedupe_text(title, body)
    values = text_bands(text)
    _write_bands(conn, rid, values)
    found = _find(conn, rid, text, values, THRESHOLD)

    # Forget this record's pairs with live records (found again below if still similar).
    conn.execute(_DELETE_LIVE_PAIRS, {"rid": rid})
    if found:
        now = utcnow()
        me = (created_at, rid)
        rows = []
        for other, score, their_created in found:
            newer, older = (rid, other) if me > (their_created, other) else (other, rid)
            rows.append(
                {"record_id": newer, "other_id": older, "similarity": score, "detected_at": now}
            )
        conn.execute(insert(NearDuplicate), rows)
    return [(other, score) for other, score, _ in found]


# -- the whole library -------------------------------------------------------------------------


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


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


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
    Without it, the stored bands are trusted and only records that have none are indexed,
    so the scan costs little more than reading the bands and comparing the candidates."""
    session.flush()
    conn = session.connection()
    _index_all(conn, only_missing=not rebuild)

    buckets: dict[int, list[int]] = {}
    live_bands = select(DupeBand.value, DupeBand.record_id).join(
        Record, col(Record.id) == col(DupeBand.record_id)
    )
    for value, rid in conn.execute(live_bands.where(col(Record.deleted_at).is_(None))):
        buckets.setdefault(value, []).append(rid)
    candidates: set[tuple[int, int]] = set()
    for ids in buckets.values():
        if len(ids) > 1:
            candidates.update(combinations(sorted(ids), 2))

    entries: dict[int, tuple[str, str, dt.datetime, str]] = {}
    involved = sorted({rid for pair in candidates for rid in pair})
    for chunk in _chunks(involved):
        rows = conn.execute(
            sa_select(
                col(Record.id),
                col(Record.title),
                col(Record.body),
                col(Record.created_at),
                col(Unit.name),
            )
            .join(Unit, col(Unit.id) == col(Record.unit_id))
            .where(col(Record.id).in_(chunk))
        )
        for rid, title, body, created_at, unit in rows:
            entries[rid] = (title, unit, created_at, dedupe_text(title, body))

    pairs: list[DuplicatePair] = []
    for a_id, b_id in candidates:
        a, b = entries[a_id], entries[b_id]
        score = _ratio(a[3], b[3], threshold)
        if score < threshold:
            continue
        if (a[2], a_id) < (b[2], b_id):
            (a_id, a), (b_id, b) = (b_id, b), (a_id, a)
        pairs.append(DuplicatePair(a_id, b_id, score, a[0], b[0], a[1], b[1]))
    pairs.sort(key=lambda p: (-p.similarity, p.record_id, p.other_id))
    return pairs
