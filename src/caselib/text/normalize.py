"""Chinese text normalisation shared by search, import, dedupe and ranking."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

# Curly quotes fold to straight ones so that “共同缔造” and "共同缔造" match each other.
_QUOTE_FOLD = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become half-width), quotes folded, case folded.

    Ordinary Chinese text (only the characters of ``_ONE_TO_ONE``) is translated character by
    character, which gives the same result several times faster than NFKC."""
    if _NORMALIZE_FAST.fullmatch(text):
        return text.translate(_ONE_TO_ONE_TABLE)
    return unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD).casefold()


def found_as_is(term: str, text: str) -> bool:
    """Whether a normalised ``term`` occurs in ``normalize(text)`` exactly where it occurs in
    ``text`` (so the normalised text need not be made): ``text`` normalises character by
    character, to the same length, and the term's characters are their own only pre-image
    (``_SELF_ONLY``, as ``find_normalized`` uses it)."""
    return _SELF_ONLY.fullmatch(term) is not None and _NORMALIZE_FAST.fullmatch(text) is not None


# --- Tokenising helpers (added for full-text search) -------------------------------------------

_CHAR_NORM: dict[str, str] = {}


#: Characters that ``normalize`` maps to exactly one character each, and that never compose
#: with their neighbours: ASCII, CJK ideographs, common CJK and full-width punctuation.
_ONE_TO_ONE = re.compile(
    "[\u0020-\u007e\u00b7\u2014\u2018-\u201d\u3001\u3002\u3008-\u3011\u4e00-\u9fff\uff01-\uff5e]+"
)


#: ``normalize`` restricted to the characters of ``_ONE_TO_ONE`` (much faster than NFKC).
_ONE_TO_ONE_TABLE = {
    **{c: c + 32 for c in range(ord("A"), ord("Z") + 1)},
    **{0xFF01 + i: ord(chr(0x21 + i).lower()) for i in range(0x5E)},
    0x2018: ord("'"),
    0x2019: ord("'"),
    0x201C: ord('"'),
    0x201D: ord('"'),
}


def _normalize_char(ch: str) -> str:
    piece = _CHAR_NORM.get(ch)
    if piece is None:
        piece = normalize(ch)
        if len(_CHAR_NORM) < 100_000:
            _CHAR_NORM[ch] = piece
    return piece


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` piece by piece, with where each output character came from.

    Returns ``(normed, origin)`` where ``origin[k]`` is the index in ``text`` of the character
    that produced ``normed[k]``, plus a final entry ``len(text)``. NFKC can expand a character
    (``…`` → ``...``) or compose across characters; in the rare texts where normalising piece
    by piece differs from normalising the whole, the piecewise result is returned (good enough
    for highlighting, not for matching).
    """
    parts: list[str] = []
    origin: list[int] = []
    pos = 0

    def single(end: int) -> None:
        for i in range(pos, end):
            piece = _normalize_char(text[i])
            parts.append(piece)
            origin.extend([i] * len(piece))

    for m in _ONE_TO_ONE.finditer(text):
        single(m.start())
        parts.append(m.group().translate(_ONE_TO_ONE_TABLE))
        origin.extend(range(m.start(), m.end()))
        pos = m.end()
    single(len(text))
    origin.append(len(text))
    return "".join(parts), origin


def normalize_keep_case(text: str) -> str:
    """Like ``normalize`` but without case folding (used to spot the ``OR`` operator)."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD)


#: Texts that ``normalize`` translates by ``_ONE_TO_ONE_TABLE``: those characters, and the
#: line breaks and tabs that join paragraphs (NFKC and case folding leave them alone).
_NORMALIZE_FAST = re.compile("[\t\n\r" + _ONE_TO_ONE.pattern[1:-2] + "]*")


#: Characters that are their own and only pre-image within ``_ONE_TO_ONE``.
_SELF_ONLY = re.compile("[\u00b7\u2014\u3001\u3002\u3008-\u3011\u4e00-\u9fff]+")


def find_normalized(text: str, terms: Sequence[str], cap: int = 200) -> list[tuple[int, int, int]]:
    """Where the (already normalised) ``terms`` occur in ``normalize(text)``, as offsets into
    ``text``: sorted ``(start, end, term index)``, at most ``cap`` per term, not overlapping
    within a term. Fast for ordinary Chinese text (no normalisation when a term is made of
    ideographs and the text has only characters that normalise one to one).
    """
    hits: list[tuple[int, int, int]] = []
    if not text or not terms:
        return hits
    if _ONE_TO_ONE.fullmatch(text):
        folded: str | None = None
        for ti, term in enumerate(terms):
            if not term:
                continue
            if _SELF_ONLY.fullmatch(term):
                hay = text
            else:
                if folded is None:
                    folded = text.translate(_ONE_TO_ONE_TABLE)
                hay = folded
            k = hay.find(term)
            count = 0
            while k >= 0 and count < cap:
                hits.append((k, k + len(term), ti))
                count += 1
                k = hay.find(term, k + len(term))
    else:
        normed, origin = normalize_with_offsets(text)
        for ti, term in enumerate(terms):
            if not term:
                continue
            k = normed.find(term)
            count = 0
            while k >= 0 and count < cap:
                end = k + len(term)
                hits.append((origin[k], origin[end - 1] + 1, ti))
                count += 1
                k = normed.find(term, end)
    hits.sort()
    return hits


_NAME_SEPARATORS = re.compile(r"[，、,;；\n]+")


def split_recipients(values: Iterable[str]) -> list[str]:
    """Names in lists written as offices write them (a 报/送/发 line, or repeated command
    options): separated by ，、, ; ； or line breaks, a final 。 dropped. Blanks and repeats
    are dropped; order is kept."""
    names: list[str] = []
    for value in values:
        for part in _NAME_SEPARATORS.split(value):
            name = part.strip().rstrip("。.")
            if name and name not in names:
                names.append(name)
    return names


# What a person can read in a Chinese document: CJK ideographs (basic block and extension A),
# printable ASCII and white space, CJK and full-width punctuation, general punctuation, and the
# symbols such documents use (·, ×, ①, ■, →, ≤, Greek letters, №).
_READABLE = re.compile(
    "[\u4e00-\u9fff\u3400-\u4dbf\u0020-\u007e\t\n\r\u3000-\u303f\uff01-\uff5e\u2010-\u206f"
    "\u00b7\u00d7\u00f7\u2460-\u24ff\u25a0-\u25ff\u2100-\u214f\u2190-\u22ff\u0391-\u03c9"
    "\u00a0\u00b0\u2e80-\u2fdf\u31c0-\u31ef\uff5f-\uffe6]"
)


def readable_share(text: str) -> float:
    """The share of ``text``'s characters a person can read (1.0 for an empty text): low for
    what a converter makes of a damaged or binary file (control characters, private-use and
    replacement characters, stray Latin-1 and box-drawing symbols)."""
    if not text:
        return 1.0
    return len(_READABLE.findall(text)) / len(text)
