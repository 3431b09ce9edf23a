"""What a person sees: nothing cut with "…", local times, tables that fit a narrow terminal."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from caselib.choose.reviews import add_review
from caselib.choose.shortlists import add_to_shortlist, create_shortlist
from caselib.cli import render
from caselib.store.config import default_config
from caselib.store.library import Library

from .conftest import Cli

SUMMARY = (
    "计算机与信息工程学院党委推动“访企拓岗”走深走实，党员教师带队走访用人单位四十二家，"
    "新增就业实习基地十八个，为二〇二二届毕业生提供岗位一千二百余个，"
    "毕业去向落实率较上年提高六点三个百分点，形成了“书记带头、支部包干、党员结对”的工作机制。"
)
TAGS = ["共同缔造", "发展共建", "党建服务力", "学生服务", "访企拓岗", "实习基地建设"]
LONG_UNIT = "计算机与信息工程学院党委"
BODY = "学院党委书记带队走访用人单位，推动访企拓岗。\n"


def squeezed(text: str) -> str:
    """The output without table borders, spaces and line breaks: wrapped text joined again."""
    return "".join(ch for ch in text if ch not in "│┃║╭╮╰╯─━═┏┓┗┛┡┩┠┨ \n")


def _narrow(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setattr(render, "out", Console(width=width, highlight=False))


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _add(cli: Cli, title: str, unit: str, *extra: str) -> int:
    run = cli.ok("add", "--title", title, "--unit", unit, *extra, "--json", input=BODY)
    return int(run.json()["id"])


@pytest.mark.parametrize("width", [60, 80])
def test_show_prints_the_whole_summary_tags_and_title(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    title = "计算机与信息工程学院党委：访企拓岗促就业 党员教师走出去把岗位带回来"
    tag_args = [a for t in TAGS for a in ("--tag", t)]
    rid = _add(cli, title, LONG_UNIT, "--summary", SUMMARY, *tag_args)
    _narrow(monkeypatch, width)
    shown = cli.ok("show", str(rid)).stdout
    assert "…" not in shown
    flat = squeezed(shown)
    assert squeezed(SUMMARY) in flat
    assert "、".join(TAGS) in flat
    assert squeezed(title) in flat


def test_bulletin_show_prints_every_name_of_the_distribution(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = _add(cli, "机关党委：党建引领聚合力", "机关党委")
    superiors = [
        "省委党史学习教育领导小组办公室",
        "省委教育工委",
        "省教育厅党史学习教育领导小组办公室",
        "省委宣传部",
    ]
    series = "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报"
    cli.ok(
        "export",
        str(rid),
        "--format",
        "docx",
        "-o",
        str(cli.db.parent / "简报.docx"),
        "--series",
        series,
        "--date",
        "2022-11-10",
        "--office",
        "湖北大学党史学习教育领导小组办公室",
        "--to-superiors",
        "，".join(superiors),
    )
    _narrow(monkeypatch, 60)
    shown = cli.ok("bulletin", "show", "2022-1").stdout
    assert "…" not in shown
    flat = squeezed(shown)
    assert "，".join(superiors) in flat
    assert series in flat


def test_times_are_shown_in_local_time_and_kept_with_their_offset_in_json(
    cli: Cli, library: Library, shanghai: None
) -> None:
    rid = _add(cli, "文学院党委：经典共读进宿舍", "文学院党委")
    late = dt.datetime(2026, 11, 28, 17, 33, 55, tzinfo=dt.UTC)  # 01:33 on the 29th in Beijing
    with library.session() as session:
        create_shortlist(session, "2026年第四季度报送", now=late)
        add_to_shortlist(session, "2026年第四季度报送", [rid])
        rubric = default_config().rubric
        add_review(session, rid, "王老师", {"典型性": 4}, "数据扎实", rubric, now=late)

    listed = cli.ok("shortlist", "list").stdout
    assert "2026-11-29 01:33" in listed
    assert "+00:00" not in listed
    assert cli.ok("shortlist", "list", "--json").json()[0]["created_at"] == (
        "2026-11-28T17:33:55+00:00"
    )
    reviews = cli.ok("reviews", str(rid)).stdout
    assert "2026-11-29 01:33" in reviews
    shown = cli.ok("show", str(rid)).stdout
    assert "2026-11-29  王老师 评审" in shown
    assert "2026-11-28  王老师" not in shown
    history = cli.ok("show", str(rid), "--json").json()["history"]
    assert {e["date"] for e in history if e["kind"] in ("review", "shortlist")} == {"2026-11-29"}


def test_show_gives_when_the_record_was_entered_in_local_time(cli: Cli, shanghai: None) -> None:
    rid = _add(cli, "文学院党委：经典共读进宿舍", "文学院党委")
    created = cli.ok("show", str(rid), "--json").json()["created"]
    assert created.endswith("+00:00")
    local = dt.datetime.fromisoformat(created).astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"录入时间  {local}" in cli.ok("show", str(rid)).stdout


UNITS = [
    "机关党委",
    LONG_UNIT,
    "马克思主义学院党委",
    "生命科学学院党委",
    "后勤集团党委",
    "图书馆党总支",
]


def column_text(output: str, header: str) -> str:
    """The text of one column of a table, its lines joined again (wrapped cells whole)."""
    lines = output.splitlines()
    head = next(line for line in lines if line.startswith("┃") and header in line)
    index = [cell.strip() for cell in head.split("┃")].index(header)
    return "".join(line.split("│")[index].strip() for line in lines if line.startswith("│"))


@pytest.mark.parametrize("width", [60, 70, 80])
def test_stats_rows_keep_the_whole_unit_name_on_a_narrow_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    for unit in UNITS:
        _add(cli, f"{unit}：党建引领聚合力", unit)
    _narrow(monkeypatch, width)
    shown = cli.ok("stats").stdout
    assert "…" not in shown
    assert all(len(line) <= width for line in shown.splitlines())
    names = column_text(shown, "单位")
    for unit in UNITS:
        assert unit in names
    # every number column still there, right under its header
    assert "记录" in shown and "采用" in shown


@pytest.mark.parametrize("width", [60, 80])
def test_list_keeps_dates_and_titles_whole_and_drops_columns_instead(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    titles = []
    for day, unit in enumerate(UNITS, start=10):
        title = f"{unit}：“共同缔造”暖人心"
        titles.append(title)
        _add(cli, title, unit, "--date", f"2022-10-{day}", "--tag", "共同缔造")
    _narrow(monkeypatch, width)
    shown = cli.ok("list").stdout
    assert "…" not in shown
    assert all(len(line) <= width for line in shown.splitlines())
    for day in range(10, 10 + len(UNITS)):
        assert f"2022-10-{day}" in shown  # a date is never wrapped
    shown_titles = column_text(shown, "标题")
    for title in titles:
        assert title in shown_titles
    if "类型" in shown:
        assert "经验案例" in shown


def test_a_wide_terminal_shows_every_column(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(cli, "机关党委：党建引领聚合力", "机关党委", "--tag", "共同缔造")
    _narrow(monkeypatch, 120)
    header = cli.ok("list").stdout.splitlines()[1]
    for name in ("编号", "类型", "标题", "单位", "日期", "状态", "标签"):
        assert name in header


def test_rubric_and_tag_suggestions_fit_a_narrow_terminal(
    sample: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _narrow(monkeypatch, 60)
    shown = sample.ok("rubric").stdout
    assert "…" not in shown
    assert all(len(line) <= 60 for line in shown.splitlines())
    descriptions = column_text(shown, "说明")
    for description in (
        "事实准确、数据可核，人物、时间、地点具体",
        "体现实践活动主题，在同类工作中有代表性",
    ):
        assert description in descriptions
    suggested = sample.ok("tag", "suggest", "1").stdout
    assert "…" not in suggested and "推荐标签" in suggested


def test_one_long_message_does_not_squeeze_the_file_names() -> None:
    """The import report: a file whose message runs to hundreds of characters still leaves
    the file column its names whole on a wide terminal (the message wraps instead), and on
    a narrow one both columns keep a readable width."""
    name = "realdocs/d02_探寻楚韵文脉_省博活动圆满完成.docx"
    columns = [
        render.Col("文件", key=True, max_width=40),
        render.Col("结果", keep=True),
        render.Col("说明"),
    ]
    rows = [[name, "已导入", "标题之前的内容已忽略：" + "图片居中，环绕方式为嵌入型。" * 40]]
    wide = render.column_widths(columns, rows, 150)
    assert wide[0] == 40 and wide[1] == 6
    assert wide[0] + wide[1] + wide[2] + 3 * 3 + 1 == 150  # the message takes the rest
    narrow = render.column_widths(columns, rows, 80)
    assert narrow[0] is not None and narrow[2] is not None
    assert narrow[0] >= 24 and narrow[2] >= 24


def test_search_hits_are_indented_as_a_whole(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under each title, the record's line and its snippet are indented by four cells on
    every line, wrapped lines and the next matching paragraph included, with no spaces
    padding the ends of lines (output copied from a terminal or a pipe stays clean)."""
    body = (
        "学院党委书记带队走访用人单位四十二家，推动访企拓岗走深走实，新增实习基地十八个。\n\n"
        "访企拓岗的经验在全校推广，毕业去向落实率较上年提高六点三个百分点。\n"
    )
    run = cli.ok("add", "--title", "访企拓岗促就业", "--unit", LONG_UNIT, "--json", input=body)
    assert run.json()["id"]
    _narrow(monkeypatch, 50)
    shown = cli.ok("search", "访企拓岗").stdout.splitlines()
    assert shown[0].startswith("[")
    assert len(shown) >= 4  # the record's line and a snippet that wrapped
    assert all(line.startswith("    ") and line[4] != " " for line in shown[1:])
    assert all(line == line.rstrip() and len(line) <= 50 for line in shown)
    assert "访企拓岗的经验" in "".join(line.strip() for line in shown[1:])
