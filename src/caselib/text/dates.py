"""Parsing the date forms used in Chinese office documents."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from caselib.errors import InvalidInputError

ACCEPTED_FORMS = "2022-10-20、2022/10/20、2022.10.20、2022年10月20日"

_NUMERIC = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")


def parse_date(text: str) -> date:
    """Parse 2022-10-20, 2022/10/20, 2022.10.20, 2022年10月20日 or 2022 年 10 月 20 日.

    Full-width digits are accepted. Anything else raises ``InvalidInputError`` naming the
    accepted forms.
    """
    import unicodedata

    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _NUMERIC.match(cleaned) or _CHINESE.match(cleaned)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise InvalidInputError(f"无法识别的日期“{text}”，可用格式：{ACCEPTED_FORMS}")


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
