"""The text side of near-duplicate detection: cleaned text, shingles, MinHash signature,
LSH band values and the similarity that decides (the algorithm and the measurements behind its
parameters are described in ``caselib.dedupe``). Pure functions of text: no database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rapidfuzz.distance import Indel

from caselib.text.normalize import normalize

K = 5  # characters per shingle
BANDS = 32
ROWS = 3  # signature values per band
NUM_HASHES = BANDS * ROWS
THRESHOLD = 0.80  # Indel normalised similarity of the normalised texts

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


def shingle_hashes(text: str) -> list[int]:
    """Sorted distinct crc32 hashes of the K-character shingles of an already cleaned text."""
    if len(text) <= K:
        return [zlib.crc32(text.encode("utf-8"))] if text else []
    return sorted({zlib.crc32(text[i : i + K].encode("utf-8")) for i in range(len(text) - K + 1)})


def _bucket_shift(count: int) -> int:
    """For ``count`` hashes, the shift that leaves prefixes shared by ~4–8 of them."""
    return 32 - max(0, count.bit_length() - 3)


def _xor_min(hashes: Sequence[int], mask: int, shift: int) -> int:
    """``min(h ^ mask for h in hashes)`` for sorted 32-bit ``hashes``.

    The hashes whose bits above ``shift`` equal the mask's, if there are any, hold the minimum
    (those bits XOR to 0, any other hash's do not): a few of them, found by two bisections
    and compared in C. With ``_bucket_shift`` there is one such hash or more for nearly every
    mask; for the others, ``_xor_min_descent``."""
    top = mask >> shift
    lo = bisect_left(hashes, top << shift)
    hi = bisect_left(hashes, (top + 1) << shift, lo)
    if lo < hi:
        return min(map(mask.__xor__, hashes[lo:hi]))
    return _xor_min_descent(hashes, mask)


def _xor_min_descent(hashes: Sequence[int], mask: int) -> int:
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
    shift = _bucket_shift(len(hashes))
    return [_xor_min(hashes, mask, shift) for mask in _MASKS]


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


def coarse_text(text: str) -> bytes:
    """Each character of ``text`` as one byte (the low byte of its code point): a text whose
    similarity with another's (``similarity_of_cleaned``) can only be higher, never lower,
    and is computed several times faster.

    A common subsequence of two texts is one of their coarse texts too, whose lengths are the
    same, so the coarse similarity 2·LCS / (len a + len b) is at least the real one: a
    candidate whose coarse similarity is below the threshold is not a near-duplicate."""
    return text.encode("utf-32-le", "surrogatepass")[::4]


def similarity_of_cleaned(a: str, b: str, cutoff: float = 0.0) -> float:
    """Indel normalised similarity of two already cleaned texts (0 below ``cutoff``)."""
    if not a and not b:
        return 1.0
    return float(Indel.normalized_similarity(a, b, score_cutoff=cutoff))


def similarity(text_a: str, text_b: str) -> float:
    """Indel normalised similarity (0–1, = ``fuzz.ratio`` / 100) of two texts after cleaning."""
    return similarity_of_cleaned(clean_text(text_a), clean_text(text_b))
