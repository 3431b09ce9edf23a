"""Reviews, ranking, shortlists, reports, adoptions and statistics through the command line."""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from pathlib import Path

import pytest

from .conftest import Cli

pytestmark = pytest.mark.backends

FULL = ["真实性", "典型性", "创新性", "实效性", "可推广性"]


def _review(cli: Cli, rid: int, reviewer: str, *values: float) -> None:
    args = ["review", str(rid), "--reviewer", reviewer]
    for name, value in zip(FULL, values, strict=True):
        args += ["--score", f"{name}={value:g}"]
    cli.ok(*args)


@pytest.fixture
def reviewed(sample: Cli) -> Cli:
    """Two reviewers over three cases: 王老师 is lenient, 李老师 gives exactly two points less
    on every criterion (a harsh scale, same judgement)."""
    for rid, scores in {1: (5, 5, 4, 5, 5), 5: (5, 4, 4, 4, 4), 3: (4, 3, 3, 3, 3)}.items():
        _review(sample, rid, "王老师", *scores)
        _review(sample, rid, "李老师", *(s - 2 for s in scores))
    return sample


def test_worked_example_on_the_sample_library(reviewed: Cli) -> None:
    """The expected order of the nine sample cases on 2023-03-01, and why.

    * Reviews weigh 10 points, more than every other positive term together (9). Both
      reviewers put case 1 first, 5 second and 3 third; 李老师's scores are 2 lower on every
      criterion, but calibration by each reviewer's own ranks makes his verdict the same as
      王老师's: percentiles 5/6, 3/6 and 1/6, so 1, 5, 3 lead with 8.33, 5.00 and 1.67 points.
    * Every sample case has ≥ 8 figures (2 points), ≥ 3 headings (1) and a length inside
      1,500–5,000 characters (1), so the unreviewed cases differ only in dates, theme and
      freshness. Case 9 (2023-02-20) is the freshest (0.5^(9/180) ≈ 0.966 → 1.93) with two
      concrete dates, so it leads them; case 3's review percentile (1.67) still keeps it above 9.
    * The files of cases 1 (status: adopted), 2 (reported) and 8 (declined: reported, not
      adopted) say they were already reported, with no report recorded in caselib: the
      already-reported term (−3) applies to them all the same. Case 1 keeps first place by a
      hair (11.17 against 11.12 for case 5); case 8 (2022-12-28, 6.22 before the −3) falls
      from fifth to eighth, below 7 (2022-11-08), 6 (2022-10-12) and 4 (2022-07-10); case 2
      (2022-05-18), the stalest, stays last.
    """
    ranked = reviewed.ok("rank", "--kind", "case", "--date", "2023-03-01", "--json").json()
    assert [r["id"] for r in ranked] == [1, 5, 3, 9, 7, 6, 4, 8, 2]
    by_id = {r["id"]: r for r in ranked}
    penalty = {
        rid: next(t for t in r["terms"] if t["name"] == "reported")["contribution"]
        for rid, r in by_id.items()
    }
    assert {rid for rid, value in penalty.items() if value} == {1, 2, 8}
    assert penalty[8] == pytest.approx(-3.0)
    reviews = {
        rid: next(t for t in by_id[rid]["terms"] if t["name"] == "reviews") for rid in (1, 5, 3, 9)
    }
    assert [round(reviews[rid]["contribution"], 2) for rid in (1, 5, 3, 9)] == [
        8.33,
        5.0,
        1.67,
        0.0,
    ]
    assert by_id[9]["unreviewed"] and not by_id[1]["unreviewed"]
    for record in ranked:
        assert math.isclose(
            sum(t["contribution"] for t in record["terms"]), record["score"], abs_tol=1e-6
        )
        for term in record["terms"]:
            assert math.isclose(term["value"] * term["weight"], term["contribution"], abs_tol=1e-9)
        assert record["selected"] is True and record["reason"] is None


def test_harsh_reviewer_alone_gives_the_same_order(sample: Cli) -> None:
    for rid, scores in {1: (3, 3, 2, 3, 3), 5: (3, 2, 2, 2, 2), 3: (2, 1, 1, 1, 1)}.items():
        _review(sample, rid, "李老师", *scores)
    ranked = sample.ok("rank", "--kind", "case", "--date", "2023-03-01", "--json").json()
    assert [r["id"] for r in ranked][:3] == [1, 5, 3]


def test_quotas_and_explain(reviewed: Cli) -> None:
    run = reviewed.ok("rank", "--date", "2023-03-01", "--top", "8", "--per-unit", "1", "--json")
    ranked = run.json()
    chosen = [r for r in ranked if r["selected"]]
    assert len(chosen) == 7  # seven units, one each: the eighth place stays empty
    assert len({r["unit"] for r in chosen}) == 7
    assert run.stderr.strip()  # a warning says the quotas left the top short
    skipped = [r for r in ranked if not r["selected"]]
    assert all(r["reason"].startswith("跳过：") for r in skipped)
    assert any("已达名额" in r["reason"] for r in skipped)
    text = reviewed.ok("rank", "--date", "2023-03-01", "--top", "2", "--explain").stdout
    assert "评审" in text and "× 10 =" in text and "得分" in text and "入选（第 1 项）" in text


def test_per_tag_quota(reviewed: Cli) -> None:
    ranked = reviewed.ok("rank", "--date", "2023-03-01", "--per-tag", "1", "--json").json()
    seen: dict[str, int] = {}
    for record in ranked:
        if record["selected"]:
            for tag in record["tags"]:
                seen[tag] = seen.get(tag, 0) + 1
    assert seen and max(seen.values()) == 1


def test_top_larger_than_pool_and_bad_quotas(sample: Cli) -> None:
    run = sample.ok("rank", "--kind", "story", "--top", "50", "--json")
    assert len(run.json()) == 5 and "少于" in run.stderr
    for option in ("--top", "--per-unit", "--per-tag"):
        for value in ("0", "-1"):
            bad = sample("rank", option, value)
            assert bad.exit_code == 1 and len(bad.stderr.strip().splitlines()) == 1, (option, value)


def test_rank_fills_a_shortlist_and_statuses_follow(reviewed: Cli) -> None:
    name = "2022年第四季度报送"
    reviewed.ok("rank", "--kind", "case", "--date", "2023-03-01", "--top", "3", "--shortlist", name)
    view = reviewed.ok("shortlist", "show", name, "--json").json()
    assert [item["id"] for item in view["items"]] == [1, 5, 3]
    statuses = {item["id"]: item["status"] for item in view["items"]}
    assert statuses[5] == "shortlisted" and statuses[3] == "shortlisted"
    assert statuses[1] == "adopted"  # already further along: left alone
    reviewed.ok("shortlist", "order", name, "3")
    assert [i["id"] for i in reviewed.ok("shortlist", "show", name, "--json").json()["items"]] == [
        3,
        1,
        5,
    ]
    reviewed.ok("shortlist", "rm", name, "5")
    assert reviewed.ok("show", "5", "--json").json()["status"] == "reviewing"
    reviewed.ok("shortlist", "add", name, "10", "--at", "1")
    assert [i["id"] for i in reviewed.ok("shortlist", "show", name, "--json").json()["items"]] == [
        10,
        3,
        1,
    ]
    listed = reviewed.ok("shortlist", "list", "--json").json()
    assert listed == [{**listed[0], "name": name, "count": 3}]
    assert reviewed("shortlist", "show", "不存在的名单").exit_code == 1
    reviewed.ok("shortlist", "delete", name)
    assert reviewed.ok("shortlist", "list", "--json").json() == []


def test_reviews_history_and_rereview(sample: Cli) -> None:
    sample.ok(
        "review",
        "12",
        "-r",
        "王老师",
        "-s",
        "典型性=4",
        "-s",
        "创新性=5",
        "-s",
        "实效性=4",
        "-c",
        "数据扎实",
    )
    sample.ok("review", "12", "-r", "王老师", "-s", "典型性=5")
    sample.ok("review", "12", "-r", "李老师", "-s", "典型性=3")
    current = sample.ok("reviews", "12", "--json").json()
    assert sorted(r["reviewer"] for r in current) == ["李老师", "王老师"]
    everything = sample.ok("reviews", "12", "--history", "--json").json()
    assert len(everything) == 3 and sum(not r["current"] for r in everything) == 1
    old = next(r for r in everything if not r["current"])
    assert old["comment"] == "数据扎实" and old["scores"] == {"典型性": 4, "创新性": 5, "实效性": 4}
    shown = sample.ok("show", "12", "--json").json()
    assert [e["kind"] for e in shown["history"]].count("review") == 3
    assert "王老师" in sample.ok("reviews", "12").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", "999", "-r", "王老师", "-s", "典型性=4"], "999"),
        (["review", "12", "-r", "王老师", "-s", "新颖性=4"], "未知的评分项"),
        (["review", "12", "-r", "王老师", "-s", "典型性=6"], "超出范围"),
        (["review", "12", "-r", "王老师", "-s", "典型性"], "评分项=分数"),
        (["reviews", "999"], "999"),
        (["adopt", "12", "--by", "省委教育工委工作简报", "--level", "省级"], "尚未报送"),
        (["adopt", "12", "--by", "省委教育工委工作简报", "--level", "宇宙级", "--force"], "宇宙级"),
        (["report", "999", "--to", "省委教育工委"], "999"),
        (["report", "12", "--to", "省委教育工委", "--bulletin", "2030-1"], "简报不存在"),
        (["stats", "--by", "weather"], "weather"),
    ],
)
def test_bad_input(sample: Cli, args: list[str], message: str) -> None:
    before = sample.ok("show", "12", "--json").json()
    run = sample(*args)
    assert run.exit_code == 1 and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    after = sample.ok("show", "12", "--json").json()
    assert after == before


def test_reviewing_a_trashed_record_is_refused(sample: Cli) -> None:
    sample.ok("rm", "12")
    run = sample("review", "12", "-r", "王老师", "-s", "典型性=4")
    assert run.exit_code == 1 and "回收站" in run.stderr


def test_reports_adoptions_and_stats(sample: Cli) -> None:
    sample.ok("report", "5", "9", "--to", "省委教育工委", "--date", "2022-10-21")
    assert sample.ok("show", "9", "--json").json()["status"] == "reported"
    sample.ok(
        "adopt", "5", "--by", "省委教育工委工作简报第8期", "--level", "省级", "--date", "2022-11-02"
    )
    assert sample.ok("show", "5", "--json").json()["status"] == "adopted"
    sample.ok(
        "adopt", "12", "--by", "学校官网", "--level", "校级", "--date", "2022-09-01", "--force"
    )
    rows = {
        r["key"]: r
        for r in sample.ok("stats", "--by", "unit", "--since", "2022-01-01", "--json").json()
    }
    assert rows["后勤集团党委"]["reports"] == 1 and rows["后勤集团党委"]["adoptions"] == 2
    assert (
        rows["生命科学学院党委"]["reports"] == 1 and rows["生命科学学院党委"]["adoption_rate"] == 0
    )
    assert rows["后勤集团党委"]["points"] == 25  # 省级 20 + 校级 5
    months = sample.ok("stats", "--by", "month", "--chart", "--metric", "records")
    assert "2022年9月" in months.stdout and "█" in months.stdout
    table = list(csv.reader(io.StringIO(sample.ok("stats", "--by", "status", "--csv").stdout)))
    assert len(table) > 2 and len({len(row) for row in table}) == 1


@pytest.mark.sqlite_only  # reads the library file itself
def test_stored_evidence_ranks_like_a_scan_of_the_text(reviewed: Cli, db_path: Path) -> None:
    """Ranking reads the text evidence stored with each record; without it (a library written
    before, or different theme parts) the body is scanned, with the same result."""
    args = ("rank", "--date", "2023-03-01", "--json")
    stored = reviewed.ok(*args).json()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM record WHERE evidence IS NULL").fetchone() == (0,)
        conn.execute("UPDATE record SET evidence = NULL WHERE id % 2 = 0")
    assert reviewed.ok(*args).json() == stored
