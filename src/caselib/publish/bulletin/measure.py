"""Measuring text and breaking display lines (titles, the 报头, the cover) into balanced lines."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TITLE_COLON = re.compile(r"^(?P<prefix>[^：:]{1,40})[：:]")
_UNIT_WORDS = (
    "大学",
    "学院",
    "学校",
    "党委",
    "工委",
    "委员会",
    "办公室",
    "领导小组",
    "党组",
    "支部",
    "机关",
    "政府",
    "中心",
    "公司",
    "医院",
    "干部",
    "党员",
    "活动",
    "工作",
)
_NO_LINE_START = set("，。、：；！？）》」』】〕”’…—·,.;:!?)]}%")
_NO_LINE_END = set("（《「『【〔“‘([{")
_BREAK_AFTER = set("：，、；:,;")

# --------------------------------------------------------------------------------------------
# Text measuring and line breaking
# --------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Text safe for XML, with tabs as spaces and no stray line breaks."""
    return XML_ILLEGAL.sub("", text.replace("\t", " ")).strip()


def em_width(text: str) -> float:
    """Width in ems: CJK and full-width (curly quotes included) 1, narrow Latin ½."""
    width = 0.0
    for ch in text:
        if ch.isascii() or unicodedata.east_asian_width(ch) in ("Na", "H"):
            width += 0.5
        else:
            width += 1.0
    return width


def _break_candidates(text: str) -> list[tuple[int, int, int]]:
    """Places a line may break: (end of this line, start of the next, quality 0–2)."""
    out: list[tuple[int, int, int]] = []
    n = len(text)
    i = 1
    while i < n:
        if text[i].isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j < n:
                # the space stays at the end of the line, so the title reads back whole
                out.append((j, j, 2))
            i = j + 1
            continue
        prev, nxt = text[i - 1], text[i]
        if prev.isspace() or nxt in _NO_LINE_START or prev in _NO_LINE_END:
            i += 1
            continue
        if prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum():
            i += 1  # never inside a Latin word or a number
            continue
        if prev in _BREAK_AFTER:
            quality = 2
        elif any(text[:i].endswith(w) for w in _UNIT_WORDS):
            quality = 1
        else:
            quality = 0
        out.append((i, i, quality))
        i += 1
    return out


def split_lines(
    text: str, capacity: float, max_lines: int, min_quality: int = 0
) -> list[str] | None:
    """Break ``text`` into at most ``max_lines`` lines of ≤ ``capacity`` ems.

    Only breaks of at least ``min_quality`` are used (2: at a space or after a comma or colon,
    1: after a unit word, 0: between any two characters that may be split). Fewest lines
    first, then the best worst break, then the most balanced lines. None when nothing fits.
    """
    text = text.strip()
    if em_width(text) <= capacity:
        return [text]
    cands = [(0, 0, 2), *(c for c in _break_candidates(text) if c[2] >= min_quality)]

    # Depth-first over break choices; display lines are short, so this stays tiny.
    def search(
        start_idx: int, lines_left: int, acc: list[str], worst: int
    ) -> Iterator[tuple[list[str], int]]:
        start = cands[start_idx][1]
        if lines_left == 1:
            last = text[start:]
            if em_width(last) <= capacity:
                yield [*acc, last], worst
            return
        for k in range(start_idx + 1, len(cands)):
            end, _, quality = cands[k]
            line = text[start:end]
            if em_width(line) > capacity:
                break
            yield from search(k, lines_left - 1, [*acc, line], min(worst, quality))

    for lines_wanted in range(2, max_lines + 1):
        best: tuple[tuple[int, float], list[str]] | None = None
        for lines, worst in search(0, lines_wanted, [], 2):
            widths = [em_width(x) for x in lines]
            key = (-worst, max(widths) - min(widths))
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return None


def fit_display(
    text: str, width_pt: float, sizes: Sequence[float], max_lines: int
) -> tuple[float, list[str]]:
    """Pick the largest size at which ``text`` fits in ``max_lines`` lines with good breaks.

    A break inside a phrase (quality 0) is accepted only when no size allows a better one.
    """
    for min_quality in (1, 0):
        for size in sizes:
            lines = split_lines(text, width_pt / size, max_lines, min_quality)
            if lines is not None:
                return size, lines
    return sizes[-1], [text]


def title_names_unit(title: str, unit: str) -> bool:
    """True when the title is already “单位：主题” for this unit (or there is no unit)."""
    unit = unit.strip()
    if not unit:
        return True
    match = TITLE_COLON.match(title)
    if not match:
        return False
    prefix = match.group("prefix").strip()
    return unit in prefix or prefix in unit
