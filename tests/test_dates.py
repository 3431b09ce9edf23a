from datetime import date

import pytest

from caselib.errors import InvalidInputError
from caselib.text.dates import format_chinese_date, parse_date


@pytest.mark.parametrize(
    "text",
    [
        "2022-10-20",
        "2022/10/20",
        "2022.10.20",
        "2022年10月20日",
        "2022 年 10 月 20 日",
        "２０２２年１０月２０日",
    ],
)
def test_accepted_forms(text: str) -> None:
    assert parse_date(text) == date(2022, 10, 20)


def test_single_digit_month_and_day() -> None:
    assert parse_date("2022年8月6日") == date(2022, 8, 6)
    assert parse_date("2022-8-6") == date(2022, 8, 6)


@pytest.mark.parametrize(
    "text", ["20221020", "10/20/2022", "2022-13-01", "2022年2月30日", "昨天", ""]
)
def test_rejected_forms_name_the_accepted_ones(text: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_date(text)
    assert "2022年10月20日" in str(info.value) and "2022/10/20" in str(info.value)


def test_chinese_format_has_no_leading_zeros() -> None:
    assert format_chinese_date(date(2022, 8, 6)) == "2022年8月6日"
