"""``caselib list``: every filter and sort option, checked against the unfiltered list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from caselib.cli import browse

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


def _table_ids(stdout: str) -> list[int]:
    """The ids in the first column of ``list``'s table (continuation lines have none)."""
    return [int(m.group(1)) for m in re.finditer(r"^│\s+(\d+) │", stdout, re.M)]


def test_the_table_shows_a_page_and_says_how_to_see_the_rest(
    sample: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table shows the first ``TABLE_PAGE`` records of the chosen order and a footer with
    the total; --limit/--offset page, --all shows everything; --json stays complete."""
    monkeypatch.setattr(browse, "TABLE_PAGE", 5)
    by_date = ids(listed(sample))
    assert len(by_date) == 14
    wide = {"COLUMNS": "160"}
    first = sample("list", env=wide)
    assert _table_ids(first.stdout) == by_date[:5]
    assert first.stderr.strip() == "共 14 条，显示前 5 条；用 --limit/--offset 翻页，--all 显示全部"
    later = sample("list", "--offset", "5", "--limit", "4", env=wide)
    assert _table_ids(later.stdout) == by_date[5:9]
    assert later.stderr.strip().startswith("共 14 条，显示第 6–9 条；")
    every = sample("list", "--all", env=wide)
    assert _table_ids(every.stdout) == by_date
    assert every.stderr.strip() == "共 14 条"
    assert ids(listed(sample, "--all")) == by_date


def test_json_into_a_pipe_is_one_record_a_line(sample: Cli) -> None:
    """Not a terminal: the array holds one record object per line (and parses as one array)."""
    text = sample.ok("list", "--json").stdout
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 16
    assert [json.loads(line.rstrip(","))["id"] for line in lines[1:-1]] == ids(listed(sample))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("all_tags", [False, True], ids=["own tags", "every tag"])
def test_sqlite_builds_the_record_objects_python_builds(
    sample: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_tags: bool
) -> None:
    """``list --json`` on SQLite takes each object as SQLite builds it (``JSON_COLUMNS``):
    byte for byte what ``record_object`` and ``json_text`` make of the same record, for every
    sort and filter, with quotes, control characters, source facts, missing fields, tag order,
    a record without a stored length and timestamps in another form (built by Python)."""
    import sqlite3

    from caselib.listing import SORT_ORDERS, filtered_ids, filtered_json
    from caselib.search import SearchFilters
    from caselib.store import recordjson
    from caselib.store.reader import connect

    monkeypatch.setattr(recordjson, "_ALL_TAGS", 0 if all_tags else 10_000)
    odd = tmp_path / "odd.md"
    odd.write_text(
        '---\nkind: story\ntitle: "引号\\"与\\\\反斜杠\\t制表"\nunit: 机关党委\n---\n\n正文。\n',
        "utf-8",
    )
    sample.ok("import", str(odd))
    sample.ok("tag", "3", "+新标签", "+下基层")
    sample.ok("rm", "4")
    raw = sqlite3.connect(db_path)
    with raw:
        raw.execute("UPDATE record SET evidence = NULL WHERE id = 1")
        raw.execute("UPDATE record SET created_at = '2024-06-01T08:30:00' WHERE id = 2")
        raw.execute(
            'UPDATE record SET source_info = \'{"页数": "3"}\', missing = \'["date"]\' WHERE id = 5'
        )
    raw.close()
    conn = connect(str(db_path))
    filters = [None, SearchFilters(tags=["共同缔造"]), SearchFilters(trash=True)]
    checked = 0
    for sort in SORT_ORDERS:
        for f in filters:
            for limit, offset in ((None, 0), (3, 2)):
                texts = filtered_json(conn, f, sort=sort, limit=limit, offset=offset)
                rids = filtered_ids(conn, f, sort=sort, limit=limit, offset=offset)
                expected = recordjson.load_record_objects(conn, rids)
                assert texts == [recordjson.json_text(o).encode() for o in expected]
                checked += len(texts)
    by_id = {o["id"]: o for o in map(json.loads, filtered_json(conn))}
    conn.close()
    assert checked > 100 and len(by_id) == 14
    assert by_id[2]["created"] == "2024-06-01T08:30:00+00:00" and by_id[1]["length"] > 0
    assert by_id[3]["tags"][-2:] == ["新标签", "下基层"]
    assert by_id[5]["source"]["info"] == {"页数": "3"} and by_id[5]["missing"] == ["date"]
    titles = [o["title"] for o in by_id.values()]
    assert '引号"与\\反斜杠\t制表' in titles
