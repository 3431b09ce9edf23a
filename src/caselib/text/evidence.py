"""Evidence in a record's text: figures, concrete dates, section headings, length, theme coverage.

Pure functions over strings and blocks, no database. They feed the text terms of the ranking
score (``ranking.py``); every function works on the text as units write it: Arabic numerals
mixed with Chinese measure words (282 项, 60余名, 1.2万元, 94.6%), dates as 2022年10月20日 or
8月26日, full-width digits and spaces left by PDF extraction ("282 项", "2022 年 10 月 20 日").

Chinese numerals are deliberately not counted: in this material they name things (三个清单,
“六个一”项目, 五共) far more often than they report results.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from caselib.text.blocks import Block

# Measure words and units that turn a number into a reported quantity. Several characters long
# first (万元 before 元, 人次 before 人), then one-character ones as a class. 年/月/日 are left
# out on purpose: they make dates, not results.
_MULTI_MEASURES = (
    "个百分点|百分点|平方米|人次|万元|亿元|个月|学时|课时|小时|分钟|公里|千米|公斤|千克|平米"
)
_SINGLE_MEASURES = (
    "元个项名人次场件条份所家篇批支户间台套本册门位组类届处座辆株棵张块亩米吨天周倍期轮节封首部"
)
_D = "[0-9０-９]"  # half- and full-width digits: the text is matched as written, never copied
_SP = "[ \u3000]*"  # PDF extraction leaves spaces around figures: "282 项", "2022 年 10 月"

# One pass finds figures and dates: a number not preceded by a digit or a decimal point, then
# either 年/月/日 (a date) or an optional 余/多, magnitude 万/千/百/亿, 余/多 and a measure word or
# a percent sign (a quantity). One regex instead of two halves the time: the scan for digits is
# the cost, and ranking runs it over every record.
FIGURE_RE = re.compile(
    f"{_D}(?<![0-9０-９.．第]{_D})(?<!第[ \u3000]{_D}){_D}*(?:,{_D}{{3}})*(?:[.．]{_D}+)?{_SP}"
    f"(?:(?:年{_SP}{_D}{{1,2}}{_SP})?月{_SP}{_D}{{1,2}}{_SP}[日号]"
    f"|[余多]?[万千百亿]?[余多]?{_SP}(?:{_MULTI_MEASURES}|[{_SINGLE_MEASURES}%％‰]))"
)
ISO_DATE_RE = re.compile(r"([0-9]{4})(?<![0-9][0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": ".", "\u3000": ""}
)
_NEEDS_FOLD = re.compile("[０-９％．\u3000]")
_BLANKS = (" ", "\n", "\t", "\u3000", "\r", "\xa0")

# Numbered headings: 一、 / （一） / 1. / 1、 / （1）
_NUMBERED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+[.、．] ?)"
)
_SENTENCE_END = "。！？；…，：.!?;,:"
_CLOSING_QUOTES = "”’」』\"'）)"
HEADING_MAX_CHARS = 40  # a heading is one short line; longer lines are paragraphs


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _date_of(match: str) -> str | None:
    """2022年10月20日 / 8月26日 from a folded, space-free date match, or None when impossible
    (13月, 2月30日, 2023年2月29日). Without a year 2月29日 passes: it may be real."""
    try:
        rest = match[:-1]  # drop 日/号
        year: int | None = None
        if "年" in rest:
            head, rest = rest.split("年", 1)
            year = int(head)
            if not 1000 <= year <= 9999:
                return None
        head, tail = rest.split("月", 1)
        month, day = int(head), int(tail)
    except ValueError:
        return None
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return None
    if year is None:
        return f"{month}月{day}日"
    if month == 2 and day == 29 and not calendar.isleap(year):
        return None
    return f"{year}年{month}月{day}日"


def _figures(text: str) -> tuple[list[str], list[str]]:
    """Raw quantity and date matches, digits folded to half-width, spaces removed."""
    found = FIGURE_RE.findall(text)
    if not found:
        return [], []
    if _NEEDS_FOLD.search("".join(found)):  # the matches are short: cheaper to check them
        found = [f.translate(_FOLD) for f in found]
    quantities: list[str] = []
    dates: list[str] = []
    for f in found:
        if " " in f:
            f = f.replace(" ", "")
        (dates if f[-1] in "日号" else quantities).append(f)
    return quantities, dates


def _iso_dates(text: str) -> list[str]:
    if "-" not in text:
        return []
    return [f"{y}年{mo}月{d}日" for y, mo, d in ISO_DATE_RE.findall(text)]


def scan(text: str) -> tuple[list[str], list[str]]:
    """Quantities and concrete dates in order of appearance, each normalised (half-width digits,
    no spaces): ``(['282项', '60余名', '85%', '1.2万元'], ['2022年10月20日', '8月26日'])``.

    A number after 第 is an ordinal (第13期, 第 3 次), not a result, and is skipped. ISO dates
    (2022-10-20) count as dates too, after the others.
    """
    quantities, raw_dates = _figures(text)
    dates = [d for f in (*raw_dates, *_iso_dates(text)) if (d := _date_of(f)) is not None]
    return quantities, dates


def count_figures(text: str) -> tuple[int, int]:
    """(distinct quantities, distinct concrete dates): what the ranking counts. Repeating a
    figure proves nothing new. Same results as ``scan``, validated once per distinct date."""
    quantities, raw_dates = _figures(text)
    dates = {d for f in {*raw_dates, *_iso_dates(text)} if (d := _date_of(f)) is not None}
    return len(set(quantities)), len(dates)


def find_quantities(text: str) -> list[str]:
    """Quantified results in order of appearance: ``['282项', '60余名', '85%', '1.2万元']``.

    Repeated figures are kept; the ranking counts distinct ones (repeating a figure proves
    nothing new).
    """
    return scan(text)[0]


def find_dates(text: str) -> list[str]:
    """Concrete dates (with a day), normalised: ``['2022年10月20日', '8月26日']``; impossible
    ones (13月, 2月30日) are skipped."""
    return scan(text)[1]


def looks_like_heading(line: str) -> bool:
    """A short line without final punctuation, or one numbered 一、 / （一） / 1. — the way section
    headings appear in text that arrived without structure (PDF or web extraction)."""
    line = line.strip()
    if not line or len(line) > HEADING_MAX_CHARS:
        return False
    if _NUMBERED_HEADING.match(line) and not line.endswith("。"):
        return True
    last = line[-1]
    if last in _CLOSING_QUOTES and len(line) > 1:
        last = line[-2]
    return last not in _SENTENCE_END


def count_headings(blocks: Sequence[Block]) -> int:
    """Section headings: heading blocks; when the body has none (imported as bare paragraphs),
    paragraphs that look like headings (``looks_like_heading``) between longer paragraphs.
    A table is never a heading, however short its cells."""
    explicit = sum(1 for b in blocks if b.type == "heading")
    return headings_from(explicit, [b.text for b in blocks if b.type != "table"])


def headings_from(explicit: int, paragraphs: Sequence[str]) -> int:
    """``explicit`` heading blocks if any, else the paragraphs that look like headings. A
    heading needs a following paragraph: a last short line is a signature or a slogan."""
    if explicit:
        return explicit
    return sum(1 for text in paragraphs[:-1] if looks_like_heading(text))


def text_length(text: str) -> int:
    """Characters without whitespace: how offices count 字数."""
    return len(text) - sum(text.count(c) for c in _BLANKS)


def length_fit(length: int, low: int, high: int) -> float:
    """1.0 inside the guideline range [low, high]; below it the fraction reached (length / low);
    above it high / length. Always in [0, 1], continuous, 1 only inside the range."""
    if length <= 0:
        return 0.0
    if length < low:
        return length / low
    if length > high:
        return high / length
    return 1.0


def theme_parts_covered(tags: Iterable[str], text: str, parts: Sequence[str]) -> tuple[str, ...]:
    """The parts of the theme (the five 共 of 共同缔造) a record covers, by tag or by mention.

    ``tags`` should include the ancestors of the record's tags, so a tag filed under 决策共谋
    counts for 决策共谋. The bare root tag (共同缔造) covers no part on its own.
    """
    tagset = set(tags)
    return tuple(p for p in parts if p in tagset or p in text)


def saturating(count: int, saturation: int) -> float:
    """count / saturation capped at 1: the first figures say much, the twentieth little."""
    if saturation <= 0:
        return 1.0
    return min(1.0, count / saturation)


class Evidence(NamedTuple):
    """What the text of one record shows, before weighting: distinct figures, distinct dates,
    section headings, length in characters, and the theme parts covered (by tags or text)."""

    quantities: int
    dates: int
    headings: int
    length: int
    theme_parts: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "quantities": self.quantities,
            "dates": self.dates,
            "headings": self.headings,
            "length": self.length,
            "theme_parts": list(self.theme_parts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            int(data["quantities"]),
            int(data["dates"]),
            int(data["headings"]),
            int(data["length"]),
            tuple(map(str, data["theme_parts"])),
        )


def text_evidence(blocks: Sequence[Block], parts: Sequence[str]) -> Evidence:
    """The evidence of a body alone, without tags (``theme_parts``: the parts its text names).

    This is what a library can store per record when the body is written, so that ranking
    needs neither the body nor the figure scan (``RankInput.evidence``); it must be recomputed
    when the body or the configured theme parts change.
    """
    return extract(blocks, (), parts)


def extract(
    blocks: Sequence[Block],
    tags: Iterable[str],
    parts: Sequence[str],
    text: str | None = None,
    headings: int | None = None,
) -> Evidence:
    """All the evidence of one record. ``text`` defaults to the blocks joined by newlines,
    ``headings`` to ``count_headings(blocks)`` (a caller holding the stored JSON passes both).

    A table is read through its text once: its cells are separated by tabs and newlines, which
    no figure, date or theme part spans, and a figure it repeats from the text counts once."""
    if text is None:
        text = "\n".join(b.text for b in blocks)
    quantities, dates = count_figures(text)
    return Evidence(
        quantities,
        dates,
        count_headings(blocks) if headings is None else headings,
        text_length(text),
        theme_parts_covered(tags, text, parts),
    )
