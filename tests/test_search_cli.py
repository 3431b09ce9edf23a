"""``caselib search`` as a user types it, on the sample library."""

from __future__ import annotations

import pytest

from .conftest import Cli

pytestmark = pytest.mark.backends


def ids(cli: Cli, *args: str) -> list[int]:
    return [hit["id"] for hit in cli.ok("search", *args, "--json").json()]


def test_words_phrases_exclusion_and_or(sample: Cli) -> None:
    assert ids(sample, "迎新") == [10]
    assert ids(sample, "迎新", "-暖心") == []  # typed without quotes: "-暖心" is not an option
    assert set(ids(sample, "香菇", "OR", "迎新")) == {4, 10}
    assert ids(sample, '"香菇科技小院"') == ids(sample, "香菇科技小院")
    both = set(ids(sample, "志愿服务")) & set(ids(sample, "党员"))
    assert set(ids(sample, "志愿服务", "党员")) == both


def test_filters_only_sort_by_date_and_include_child_tags(sample: Cli) -> None:
    hits = sample.ok("search", "--tag", "共同缔造", "--limit", "50", "--json").json()
    listed = sample.ok("list", "--tag", "共同缔造", "--json").json()
    assert [h["id"] for h in hits] == [r["id"] for r in listed]
    assert any("共同缔造" not in h["tags"] for h in hits)  # tagged only with one of the five parts
    dates = [h["date"] for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_output_highlights_and_json_offsets(sample: Cli) -> None:
    [hit] = sample.ok("search", "香菇", "--json").json()
    snippet = hit["snippet"]
    for start, end in snippet["highlights"]:
        assert snippet["text"][start:end] == "香菇"
    assert hit["score"] > 0 and hit["unit"] == "生命科学学院党委"
    assert "香菇" in sample.ok("search", "香菇").stdout


def test_bad_queries_are_one_line(sample: Cli) -> None:
    run = sample("search", '"党建')
    assert run.exit_code == 1 and run.stderr.strip().startswith("错误：") and "引号" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    for literal in ("NEAR(党建)", "党建*", "a:b", "^x", "AND"):
        assert sample("search", literal).exit_code == 0, literal
    run = sample("search", "党建", "--unit", "不存在的单位")
    assert run.exit_code == 1 and "单位不存在" in run.stderr


def test_undated_records_come_last_on_every_backend(sample: Cli) -> None:
    """A record without a date sorts after the dated ones by date, on SQLite (where NULL is
    the smallest value) and on PostgreSQL (where it is the largest) alike."""
    added = sample.ok(
        "add",
        "--title",
        "无日期的暖心故事",
        "--unit",
        "机关党委",
        "--kind",
        "story",
        "--json",
        input="党员志愿者为独居老人送去暖心午餐。\n",
    ).json()
    listed = [r["id"] for r in sample.ok("list", "--sort", "date", "--json").json()]
    assert listed[-1] == added["id"]
    hits = [h["id"] for h in sample.ok("search", "--unit", "机关党委", "--json").json()]
    assert hits[-1] == added["id"]
