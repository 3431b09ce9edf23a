"""Parsing the date forms used in Chinese office documents.

``parse_date`` reads a value a user typed (strict: the whole text is one date).
``find_date`` finds the date a document states inside a line: numeric or Chinese-numeral
(二〇二三年五月六日, 二○○六年十二月二十八日), with a time after it (2023-05-09 11:55,
2023-04-11 01:35:15.315577) or inside a dateline (1990年5月30日人民日报 第5版).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

from caselib.errors import InvalidInputError

ACCEPTED_FORMS = "2022-10-20、2022/10/20、2022.10.20、2022年10月20日、二〇二二年十月二十日"

_NUMERIC = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")

# Chinese numerals as written in dates: 〇 (U+3007), ○ (U+25CB, typed for it), 零, O/o.
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2}
_CN_DIGIT.update({"三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_CN = "〇○零OoＯ一二两三四五六七八九"
_CN_YEAR = rf"[{_CN}]{{4}}"
_CN_SMALL = rf"(?:[{_CN}十]{{1,3}})"

_FIND_NUMERIC = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号])(?!\d)"
)
_FIND_CN = re.compile(rf"({_CN_YEAR})\s*年\s*({_CN_SMALL})\s*月\s*({_CN_SMALL})\s*[日号]")
_FIND_MONTH = re.compile(r"(?<!\d)(\d{4})\s*(?:年\s*(\d{1,2})\s*月|[-/.]\s*(\d{1,2}))(?![\d日号])")
_FIND_CN_MONTH = re.compile(rf"({_CN_YEAR})\s*年\s*({_CN_SMALL})\s*月(?![{_CN}十]|\s*[日号])")


def parse_date(text: str) -> date:
    """Parse 2022-10-20, 2022/10/20, 2022.10.20, 2022年10月20日, 2022 年 10 月 20 日 or
    二〇二二年十月二十日.

    Full-width digits are accepted. Anything else raises ``InvalidInputError`` naming the
    accepted forms.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _NUMERIC.match(cleaned) or _CHINESE.match(cleaned)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    cn = _FIND_CN.fullmatch(text.strip())
    if cn:
        value = _cn_date(cn)
        if value is not None:
            return value
    raise InvalidInputError(f"无法识别的日期“{text}”，可用格式：{ACCEPTED_FORMS}")


def chinese_number(text: str) -> int:
    """二〇二三 → 2023 (digit by digit), 十二 → 12, 二十八 → 28, 三十一 → 31."""
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGIT[ch]
        return value
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def _cn_date(match: re.Match[str]) -> date | None:
    try:
        return date(*(chinese_number(g) for g in match.groups()))
    except (KeyError, ValueError):
        return None


def find_date(text: str) -> date | None:
    """The first valid full date stated in a line, in any numeral form, else None."""
    cleaned = unicodedata.normalize("NFKC", text)
    for m in _FIND_NUMERIC.finditer(cleaned):
        year = int(m[1])
        month, day = (int(m[2]), int(m[3])) if m[2] else (int(m[4]), int(m[5]))
        try:
            return date(year, month, day)
        except ValueError:
            continue
    for m in _FIND_CN.finditer(text):
        value = _cn_date(m)
        if value is not None:
            return value
    return None


def find_month(text: str) -> tuple[int, int] | None:
    """(year, month) of a date given only to the month (2025年11月, 2025-11), else None."""
    cleaned = unicodedata.normalize("NFKC", text)
    m = _FIND_MONTH.search(cleaned)
    if m:
        month = int(m[2] or m[3])
        return (int(m[1]), month) if 1 <= month <= 12 else None
    cn = _FIND_CN_MONTH.search(text)
    if cn:
        try:
            year, month = chinese_number(cn[1]), chinese_number(cn[2])
        except KeyError:
            return None
        return (year, month) if 1 <= month <= 12 else None
    return None


def format_chinese_date(value: date) -> str:
    """2022年10月20日, without leading zeros, as offices write it."""
    return f"{value.year}年{value.month}月{value.day}日"


def local_time(value: datetime | str) -> datetime:
    """A stored timestamp in the machine's local time zone. Timestamps are stored in UTC;
    SQLite may hand them back naive or as ISO text, both taken as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def format_local_time(value: datetime | str) -> str:
    """A timestamp as people read it: local time, to the minute ("2026-11-28 09:33")."""
    return local_time(value).strftime("%Y-%m-%d %H:%M")
