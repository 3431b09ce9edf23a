"""Statistics by unit, tag, month and status; CSV; bar data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from caselib.choose.reviews import add_review
from caselib.choose.stats import (
    NO_TAG,
    StatRow,
    bars,
    csv_table,
    group_stats,
    status_only_adoptions,
)
from caselib.choose.tracking import add_adoption, add_report
from caselib.errors import InvalidInputError
from caselib.records import raw_connection
from tests.conftest import Cli
from tests.test_reviews import RUBRIC, Lib, scores


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path / "caselib.db")
    a = library.record(
        "机关党委：党建引领聚合力",
        "机关党委",
        tags=["共同缔造", "党建服务力"],
        date=dt.date(2022, 10, 20),
    )
    b = library.record(
        "机关党委：办事少跑腿", "机关党委", tags=["建设共管"], date=dt.date(2022, 3, 22)
    )
    c = library.record("机关党委：草稿", "机关党委", status="draft", date=dt.date(2022, 10, 2))
    d = library.record(
        "计算机与信息工程学院党委：访企拓岗",
        "计算机与信息工程学院党委",
        tags=["发展共建", "党建服务力"],
        date=dt.date(2022, 5, 18),
    )
    e = library.record("文学院党委：经典诵读进社区", "文学院党委", date=None)
    library.record("文学院党委：已删除", "文学院党委", trashed=True, tags=["发展共建"])
    s = library.session
    add_review(s, a, "张明", scores(5, 5, 5, 5, 5), None, RUBRIC)
    add_review(s, a, "李华", scores(4, 4, 4, 4, 4), None, RUBRIC)
    add_review(s, b, "张明", scores(3, 3, 3, 3, 3), None, RUBRIC)
    add_review(s, d, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    add_report(s, a, "省委教育工委", dt.date(2022, 10, 25))
    add_report(s, a, "教育部思政司", dt.date(2022, 11, 2))
    add_report(s, b, "省委教育工委", dt.date(2022, 7, 8))
    add_report(s, d, "省委教育工委", dt.date(2022, 9, 14))
    add_adoption(s, a, "省委教育工委工作简报第8期", "省级", dt.date(2022, 11, 8))
    add_adoption(s, a, "中国教育报", "国家级", dt.date(2022, 12, 1))
    add_adoption(s, d, "武汉市委教育工委简报", "市级", dt.date(2022, 9, 30))
    _ = (c, e)
    yield library
    library.close()


def by_key(rows: list[StatRow]) -> dict[str, StatRow]:
    return {r.key: r for r in rows}


def test_by_unit(lib: Lib) -> None:
    rows = group_stats(raw_connection(lib.session), "unit", total=True)
    assert [r.key for r in rows] == ["机关党委", "文学院党委", "计算机与信息工程学院党委", ""]
    office = by_key(rows)["机关党委"]
    assert (office.records, office.submitted, office.reports, office.adoptions) == (3, 2, 3, 2)
    assert (office.reported_records, office.adopted_records) == (2, 1)
    assert office.adoption_rate == pytest.approx(0.5)
    assert office.mean_score == pytest.approx((4.5 + 3.0) / 2)  # record means, then their mean
    assert office.points_by_level == {"校级": 0.0, "市级": 0.0, "省级": 20.0, "国家级": 50.0}
    assert office.points == 70.0
    cs = by_key(rows)["计算机与信息工程学院党委"]
    assert (cs.adoption_rate, cs.points) == (1.0, 10.0)
    literature = by_key(rows)["文学院党委"]
    assert (literature.records, literature.adoption_rate, literature.mean_score) == (1, None, None)
    total = rows[-1]
    assert total.label == "合计"
    assert (total.records, total.reports, total.adoptions, total.points) == (5, 4, 3, 80.0)
    assert total.adoption_rate == pytest.approx(2 / 3)


def test_by_tag_counts_a_record_under_each_of_its_tags(lib: Lib) -> None:
    rows = by_key(group_stats(raw_connection(lib.session), "tag"))
    assert rows["党建服务力"].records == 2
    assert rows["党建服务力"].adoptions == 3
    assert rows["共同缔造"].records == 1
    assert rows[NO_TAG].records == 2
    assert "决策共谋" not in rows  # no record, no row
    assert list(rows)[-1] == NO_TAG


def test_by_month_is_chronological(lib: Lib) -> None:
    rows = group_stats(raw_connection(lib.session), "month")
    assert [(r.key, r.label) for r in rows] == [
        ("2022-03", "2022年3月"),
        ("2022-05", "2022年5月"),
        ("2022-10", "2022年10月"),
        ("（无日期）", "（无日期）"),
    ]
    assert by_key(rows)["2022-10"].records == 2


def test_by_status_lists_every_status_in_workflow_order(lib: Lib) -> None:
    rows = group_stats(raw_connection(lib.session), "status")
    assert [r.key for r in rows] == [
        "draft",
        "submitted",
        "reviewing",
        "shortlisted",
        "reported",
        "adopted",
        "declined",
    ]
    counts = {r.label: r.records for r in rows}
    assert counts == {
        "草稿": 1,
        "已提交": 1,
        "评审中": 0,
        "入围": 0,
        "已报送": 1,
        "已采用": 2,
        "未采用": 0,
    }


def test_filters_and_bad_input(lib: Lib) -> None:
    rows = group_stats(raw_connection(lib.session), "unit", since=dt.date(2022, 6, 1))
    assert sum(r.records for r in rows) == 2
    with pytest.raises(InvalidInputError, match="未知的分组方式“year”"):
        group_stats(raw_connection(lib.session), "year")
    with pytest.raises(InvalidInputError, match="未知的类型"):
        group_stats(raw_connection(lib.session), "unit", kind="news")


def test_date_range_kind_and_trash(lib: Lib) -> None:
    """Both ends of a date range count, an undated record is outside any range, a record in
    the trash (dated 2022-09-01, with a tag) is never counted."""
    conn = raw_connection(lib.session)

    def count(**kw: object) -> int:
        return sum(r.records for r in group_stats(conn, "unit", **kw))  # type: ignore[arg-type]

    assert count() == 5
    assert count(until=dt.date(2022, 6, 1)) == 2
    assert count(since=dt.date(2022, 5, 18), until=dt.date(2022, 10, 2)) == 2
    assert count(since=dt.date(2022, 9, 1), until=dt.date(2022, 9, 1)) == 0
    assert count(kind="case") == 5 and count(kind="story") == 0
    tagged = {r.key: r.records for r in group_stats(conn, "tag")}
    assert tagged["发展共建"] == 1 and tagged[NO_TAG] == 2


def test_csv(lib: Lib) -> None:
    header, rows = csv_table(group_stats(raw_connection(lib.session), "unit", total=True), "unit")
    table = [header, *rows]
    assert table[0][:4] == ["单位", "记录数", "已提交", "报送次数"]
    assert table[0][-4:] == ["积分（校级）", "积分（市级）", "积分（省级）", "积分（国家级）"]
    assert table[1][0] == "机关党委"
    assert table[1][7] == "0.5000"
    assert table[2][7] == ""  # 文学院党委 reported nothing: no rate
    assert table[-1][0] == "合计"
    assert table[-1][9] == "80"


def test_bars(lib: Lib) -> None:
    rows = group_stats(raw_connection(lib.session), "unit", total=True)
    data = bars(rows, "points", width=20)
    assert [(b.label, b.value, b.length) for b in data] == [
        ("机关党委", 70.0, 20),
        ("文学院党委", 0.0, 0),
        ("计算机与信息工程学院党委", 10.0, 3),
    ]
    assert bars(rows, "adoption_rate", width=10)[2].length == 10
    tiny = [StatRow("甲", "甲", records=1000), StatRow("乙", "乙", records=1)]
    assert [b.length for b in bars(tiny, "records", width=10)] == [10, 1]
    assert bars([], "records") == []
    with pytest.raises(InvalidInputError, match="未知的统计指标"):
        bars(rows, "likes")
    with pytest.raises(InvalidInputError, match="宽度"):
        bars(rows, "records", width=0)


def test_to_json(lib: Lib) -> None:
    row = group_stats(raw_connection(lib.session), "unit")[0]
    data = row.to_json()
    assert data["key"] == "机关党委"
    assert data["points_by_level"]["国家级"] == 50.0


def test_a_record_adopted_by_two_outlets_is_one_adopted_record(tmp_path: Path) -> None:
    library = Lib(tmp_path / "two.db")
    try:
        rid = library.record("后勤集团党委：高温抢修不停歇", "后勤集团党委", tags=["党建服务力"])
        s = library.session
        add_report(s, rid, "省委教育工委", dt.date(2022, 8, 1))
        add_adoption(s, rid, "省委教育工委工作简报第8期", "省级", dt.date(2022, 8, 20))
        add_adoption(s, rid, "中国教育报", "国家级", dt.date(2022, 9, 2))
        for by in ("unit", "tag", "month", "status"):
            for row in group_stats(raw_connection(s), by, total=True):
                assert row.adopted_records <= row.reported_records, (by, row)
        row = by_key(group_stats(raw_connection(s), "unit"))["后勤集团党委"]
        assert (row.reports, row.adoptions) == (1, 2)  # rows: two outlets, two adoptions
        assert (row.reported_records, row.adopted_records) == (1, 1)
        assert row.adoption_rate == 1.0 and row.points == 70.0
    finally:
        library.close()


def test_statuses_read_from_files_count_as_reported_and_adopted(tmp_path: Path) -> None:
    """Records imported with status 已采用/已报送/未采用 and no report rows: counted like the
    recorded ones, never more adopted than reported; an adoption without a level earns nothing."""
    library = Lib(tmp_path / "imported.db")
    try:
        adopted = library.record("机关党委：办事少跑腿", "机关党委", status="adopted")
        library.record("机关党委：迎新行李箱", "机关党委", status="reported")
        library.record("机关党委：校园公平秤", "机关党委", status="declined")
        library.record("机关党委：草稿", "机关党委", status="draft")
        s = library.session
        row = by_key(group_stats(raw_connection(s), "unit"))["机关党委"]
        assert (row.reported_records, row.adopted_records) == (3, 1)
        assert (row.reports, row.adoptions, row.points) == (0, 0, 0.0)
        assert row.adoption_rate == pytest.approx(1 / 3)
        assert status_only_adoptions(raw_connection(s)) == [adopted]
        add_adoption(s, adopted, "湖北日报", "省级", dt.date(2022, 9, 1), force=True)
        assert status_only_adoptions(raw_connection(s)) == []
        row = by_key(group_stats(raw_connection(s), "unit"))["机关党委"]
        assert (row.reported_records, row.adopted_records, row.points) == (3, 1, 20.0)
    finally:
        library.close()


def _table_row(text: str, label: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if label in ln)
    return [cell.strip() for cell in line.split("│")[1:-1]]


def test_cli_table_never_shows_more_adoptions_than_reports(cli: Cli) -> None:
    body = "8月15日，后勤集团党委组织党员突击队连夜抢修空调，保障学生宿舍正常用电。"
    cli.ok("add", "--title", "后勤集团党委：高温抢修不停歇", "--unit", "后勤集团党委", input=body)
    cli.ok("report", "1", "--to", "省委教育工委", "--date", "2022-08-16")
    cli.ok(
        "adopt", "1", "--by", "省委教育工委工作简报第8期", "--level", "省级", "--date", "2022-08-20"
    )
    cli.ok("adopt", "1", "--by", "中国教育报", "--level", "国家级", "--date", "2022-09-02")
    cli.ok("adopt", "1", "--by", "中国教育报", "--level", "国家级", "--date", "2022-09-02")
    run = cli("stats", env={"COLUMNS": "120"})
    assert run.exit_code == 0, run.stderr
    # 单位 记录 报送 采用 采用率 平均评分 积分
    assert _table_row(run.stdout, "后勤集团党委") == [
        "后勤集团党委",
        "1",
        "1",
        "1",
        "100%",
        "—",
        "70",
    ]


def test_cli_stats_names_adoptions_known_only_from_the_status(sample: Cli) -> None:
    run = sample.ok("stats", "--json")
    rows = {r["key"]: r for r in run.json()}
    office = rows["机关党委"]  # cases/01 says status: adopted, nothing was recorded in caselib
    assert office["adopted_records"] >= 1 and office["adoptions"] == 0
    assert "记录 1 的状态为“已采用”但未登记采用载体与级别" in run.stderr


IMPORTED = """---
kind: case
title: {title}
unit: 马克思主义学院党委
date: 2022-11-08
status: {status}
tags: [共同缔造, 决策共谋]
---

马克思主义学院党委组织青年教师理论宣讲团深入社区，11月8日起开展宣讲12场，覆盖居民1300余人次。

## 一、共谋宣讲主题

宣讲团与社区居委会共同商定主题，把居民关心的8个问题写进宣讲提纲。
"""


def test_cli_statuses_in_imported_files_count_in_stats_and_ranking(
    cli: Cli, tmp_path: Path
) -> None:
    """One source of truth: a file that says 已采用 or 已报送 counts as adopted/reported in
    ``stats`` and carries ranking's already-reported penalty, like a recorded report."""
    folder = tmp_path / "收件箱"
    folder.mkdir()
    files = {
        "宣讲.md": ("马克思主义学院党委：青年宣讲进社区", "已采用"),
        "讲堂.md": ("马克思主义学院党委：思政讲堂进社区", "已报送"),
        "课堂.md": ("马克思主义学院党委：社区小课堂", "已提交"),
    }
    for name, (title, status) in files.items():
        (folder / name).write_text(IMPORTED.format(title=title, status=status), encoding="utf-8")
    cli.ok("import", str(folder))
    listed = {r["title"]: r for r in cli.ok("list", "--json").json()}
    assert {r["status"] for r in listed.values()} == {"adopted", "reported", "submitted"}
    row = cli.ok("stats", "--json").json()[0]
    assert (row["key"], row["records"]) == ("马克思主义学院党委", 3)
    assert (row["reported_records"], row["adopted_records"]) == (2, 1)
    ranked = cli.ok("rank", "--date", "2023-01-01", "--json").json()
    penalty = {
        r["title"]: next(t for t in r["terms"] if t["name"] == "reported")["value"] for r in ranked
    }
    assert penalty == {
        "马克思主义学院党委：青年宣讲进社区": 1.0,
        "马克思主义学院党委：思政讲堂进社区": 1.0,
        "马克思主义学院党委：社区小课堂": 0.0,
    }


def test_stats_csv_is_written_like_an_exported_csv(sample: Cli, tmp_path: Path) -> None:
    """One CSV writer: a byte-order mark (Excel reads the Chinese), CRLF line ends."""
    printed = sample.ok("stats", "--csv").stdout_bytes
    exported = tmp_path / "全部记录.csv"
    sample.ok("export", "--all", "--format", "csv", "-o", str(exported))
    for data in (printed, exported.read_bytes()):
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\r\n") == data.count(b"\n") > 1
    table = list(csv.reader(io.StringIO(printed.decode("utf-8-sig"), newline="")))
    assert table[0][0] == "单位"
    assert "机关党委" in [row[0] for row in table[1:]]


def test_stats_chart_draws_the_metric_asked_for(sample: Cli) -> None:
    sample.ok("report", "2", "3", "--to", "省委教育工委", "--date", "2022-11-12")
    sample.ok(
        "adopt", "3", "--by", "省委教育工委工作简报第8期", "--level", "省级", "--date", "2022-12-02"
    )
    rows = {r["key"]: r for r in sample.ok("stats", "--json").json()}

    def bars(metric: str) -> dict[str, int]:
        shown = sample.ok("stats", "--chart", "--metric", metric).stdout
        drawn = {}
        for line in shown.splitlines():
            if "█" in line or line.rstrip().endswith((" 0", " 0%")):
                label = line.split()[0].rstrip("\u3000")
                drawn[label] = line.count("█")
        return drawn

    adopted_unit = sample.ok("show", "3", "--json").json()["unit"]
    points = bars("points")
    assert points[adopted_unit] == 40  # the only points: the full width
    assert all(n == 0 for unit, n in points.items() if unit != adopted_unit)
    assert set(points) == {row["label"] for key, row in rows.items() if key}
    records = bars("records")
    most = max(row["records"] for key, row in rows.items() if key)
    for key, row in rows.items():
        if key:
            assert records[row["label"]] == max(1, round(row["records"] / most * 40))
    shown = sample.ok("stats", "--chart", "--metric", "adoption_rate").stdout
    assert "采用率" in shown and "100%" in shown

    run = sample("stats", "--chart", "--metric", "likes")
    assert run.exit_code == 1
    assert run.stderr.startswith("错误：未知的统计指标“likes”（可用：records、")


def test_stats_metric_alone_draws_its_chart(sample: Cli) -> None:
    # --metric without --chart draws the chart: a metric asked for is never silently ignored
    drawn = sample.ok("stats", "--metric", "records").stdout
    assert drawn == sample.ok("stats", "--chart", "--metric", "records").stdout
    assert "█" in drawn and "█" not in sample.ok("stats").stdout
    run = sample("stats", "--metric", "likes", "--json")
    assert run.exit_code == 1 and "未知的统计指标“likes”" in run.stderr
