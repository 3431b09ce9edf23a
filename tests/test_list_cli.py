"""``caselib list``: every filter and sort option, checked against the unfiltered list."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Cli


def listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = cli.ok("list", "--json", *args).json()
    return rows


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]


def test_sort_by_id_title_unit_date_and_updated(sample: Cli) -> None:
    every = listed(sample, "--sort", "id")
    assert ids(every) == sorted(ids(every)) and len(every) == 14
    by_title = listed(sample, "--sort", "title")
    assert [r["title"] for r in by_title] == sorted(r["title"] for r in every)
    by_unit = listed(sample, "--sort", "unit")
    assert [r["unit"] for r in by_unit] == sorted(r["unit"] for r in every)
    by_date = listed(sample, "--sort", "date")
    dates = [r["date"] for r in by_date]
    assert dates == sorted(dates, reverse=True)  # newest first
    # the record changed last comes first
    sample.ok("tag", "5", "+乡村振兴")
    assert ids(listed(sample, "--sort", "updated"))[0] == 5
    sample.ok("tag", "2", "+理论学习")
    assert ids(listed(sample, "--sort", "updated"))[:2] == [2, 5]


def test_an_unknown_sort_is_one_chinese_line(sample: Cli) -> None:
    run = sample("list", "--sort", "score")
    assert run.exit_code == 1
    assert run.stderr == "错误：排序方式无效：score（可选：date、id、title、unit、updated）\n"


def test_any_tag_is_the_union_of_the_tags(sample: Cli) -> None:
    stories = set(ids(listed(sample, "--tag", "暖心")))
    villages = set(ids(listed(sample, "--tag", "乡村振兴")))
    assert stories and villages and not villages <= stories
    either = ids(listed(sample, "--any-tag", "暖心", "--any-tag", "乡村振兴"))
    assert set(either) == stories | villages and len(either) == len(set(either))
    both = set(ids(listed(sample, "--tag", "暖心", "--tag", "乡村振兴")))
    assert both == stories & villages


def test_status_filters_by_the_records_status(sample: Cli) -> None:
    every = listed(sample)
    for status in ("draft", "reviewing", "submitted"):
        expected = {r["id"] for r in every if r["status"] == status}
        assert expected, status
        assert set(ids(listed(sample, "--status", status))) == expected
    # the Chinese label names the same status
    assert ids(listed(sample, "--status", "评审中")) == ids(listed(sample, "--status", "reviewing"))
    run = sample("list", "--status", "完成")
    assert run.exit_code == 1
    assert run.stderr.startswith("错误：未知的状态“完成”，可用：draft（草稿）、submitted（已提交）")


@pytest.mark.parametrize("until", ["2022-06-30", "2022年9月3日"])
def test_until_keeps_records_dated_up_to_that_day(sample: Cli, until: str) -> None:
    every = listed(sample)
    limit = "2022-06-30" if until.startswith("2022-06") else "2022-09-03"
    expected = {r["id"] for r in every if r["date"] and r["date"] <= limit}
    assert expected and len(expected) < len(every)
    assert set(ids(listed(sample, "--until", until))) == expected
    since = ids(listed(sample, "--since", "2022-04-01", "--until", until))
    assert set(since) == {
        r["id"] for r in every if r["date"] and "2022-04-01" <= r["date"] <= limit
    }


def test_offset_and_limit_page_through_the_sorted_list(sample: Cli) -> None:
    every = ids(listed(sample, "--sort", "id"))
    assert ids(listed(sample, "--sort", "id", "--offset", "3", "--limit", "4")) == every[3:7]
    assert ids(listed(sample, "--sort", "id", "--offset", "12")) == every[12:]
    assert listed(sample, "--offset", "14") == []
    pages = [
        ids(listed(sample, "--sort", "date", "--offset", str(start), "-n", "5"))
        for start in (0, 5, 10)
    ]
    assert sum(pages, []) == ids(listed(sample, "--sort", "date"))
