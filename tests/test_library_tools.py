"""check / reindex, dupes, auto-tagging and tag suggestions through the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import CASES_DIR, Cli


def test_check_and_repair_a_damaged_index(sample: Cli, db_path: Path) -> None:
    assert "索引完好" in sample.ok("check").stderr
    with sqlite3.connect(db_path) as conn:  # damage: lose two records' index rows
        conn.execute("DELETE FROM record_fts_src WHERE id IN (3, 5)")
    run = sample("check")
    assert run.exit_code == 1 and "索引有" in run.stderr
    assert sample.ok("check", "--repair").stderr.strip().endswith("已修复索引")
    assert "索引完好" in sample.ok("check").stderr
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM record_fts_src")
    assert sample("check").exit_code == 1
    assert "已重建索引：14 条记录" in sample.ok("reindex").stderr  # and 0 pairs
    assert "索引完好" in sample.ok("check").stderr
    assert [h["id"] for h in sample.ok("search", "香菇", "--json").json()] == [4]


def test_failed_import_leaves_the_index_consistent(sample: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\ntitle: 机关党委：题\nunit: 机关党委\ndate: 2022-02-30\n---\n\n正文。\n", "utf-8"
    )
    assert sample("import", str(bad), "--json").json()[0]["outcome"] == "failed"
    assert "索引完好" in sample.ok("check").stderr


def _edited_copy(text: str) -> str:
    """A resubmission: another unit's title, a few words changed, one sentence dropped."""
    lines = text.splitlines()
    out = []
    for line in lines:
        if line.startswith("title:"):
            line = "title: 文学院党委：新生报到日的旧行李箱"
        elif line.startswith("unit:"):
            line = "unit: 文学院党委"
        out.append(line.replace("党员干部", "党员教师").replace("第二天，", ""))
    return "\n".join(out) + "\n"


def test_dupes_lists_an_edited_resubmission(sample: Cli, tmp_path: Path) -> None:
    assert sample.ok("dupes", "--json").json() == []
    copy = tmp_path / "resubmitted.md"
    copy.write_text(
        _edited_copy((CASES_DIR / "10-jiguan-yingxin-xinglixiang.md").read_text("utf-8")), "utf-8"
    )
    report = sample.ok("import", str(copy), "--json").json()[0]
    assert report["outcome"] == "imported"
    assert [d["id"] for d in report["near_duplicates"]] == [10]
    assert report["near_duplicates"][0]["similarity"] >= 0.8
    pairs = sample.ok("dupes", "--json").json()
    assert len(pairs) == 1
    assert {pairs[0]["record_id"], pairs[0]["other_id"]} == {10, report["record_ids"][0]}
    assert 0.8 <= pairs[0]["similarity"] < 1
    assert "文学院党委" in sample.ok("dupes").stdout


def test_dupes_reads_records_without_bands_and_writes_nothing(
    sample: Cli, db_path: Path, tmp_path: Path
) -> None:
    """Records whose bands are missing (a library filled by other means) are still compared:
    hashed in memory for the listing; the library is left as it was."""
    copy = tmp_path / "resubmitted.md"
    copy.write_text(
        _edited_copy((CASES_DIR / "10-jiguan-yingxin-xinglixiang.md").read_text("utf-8")), "utf-8"
    )
    new_id = sample.ok("import", str(copy), "--json").json()[0]["record_ids"][0]
    expected = sample.ok("dupes", "--json").json()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM dupe_band WHERE record_id IN (10, ?)", (new_id,))
        before = conn.execute("SELECT count(*) FROM dupe_band").fetchone()[0]
    assert before > 0
    assert sample.ok("dupes", "--json").json() == expected
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM dupe_band").fetchone()[0] == before


def test_reindex_rebuilds_the_flagged_pairs(sample: Cli, db_path: Path, tmp_path: Path) -> None:
    """Flags lost or stale (a library flagged by an older caselib) list wrong until
    ``reindex`` rebuilds the signatures and pairs from the texts."""
    copy = tmp_path / "resubmitted.md"
    copy.write_text(
        _edited_copy((CASES_DIR / "10-jiguan-yingxin-xinglixiang.md").read_text("utf-8")), "utf-8"
    )
    sample.ok("import", str(copy))
    expected = sample.ok("dupes", "--json").json()
    assert len(expected) == 1
    with sqlite3.connect(db_path) as conn:  # the pair lost, a wrong one stored
        conn.execute("DELETE FROM near_duplicate")
        conn.execute(
            "INSERT INTO near_duplicate (record_id, other_id, similarity, detected_at) "
            "VALUES (3, 1, 0.95, '2022-11-30 00:00:00')"
        )
    assert sample.ok("dupes", "--json").json() != expected
    run = sample.ok("reindex")
    assert "已重建索引：15 条记录" in run.stderr and "已重建疑似重复标记：1 对" in run.stderr
    assert sample.ok("dupes", "--json").json() == expected


def test_auto_tag_and_tag_suggest(cli: Cli, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(
        "机关党委：迎新路上暖人心\n\n8月27日，机关党员干部下沉到阳逻校区迎新现场开展志愿服务，"
        "帮新生搬运行李。大家说，这就是“共同缔造”里的成果共享。\n",
        "utf-8",
    )
    report = cli.ok("import", str(story), "--auto-tag", "--json").json()[0]
    rid = report["record_ids"][0]
    tags = cli.ok("show", str(rid), "--json").json()["tags"]
    # 迎新 is in the title (and named twice); the others are mentioned once in passing
    assert tags == ["迎新"]
    suggestions = {s["tag"]: s for s in cli.ok("tag", "suggest", str(rid), "--json").json()}
    assert suggestions["迎新"]["count"] == 2 and suggestions["迎新"]["applied"]
    for name in ("志愿服务", "共同缔造", "成果共享"):  # still suggested, with their counts
        assert suggestions[name]["count"] == 1 and not suggestions[name]["applied"]
    assert "推荐标签" in cli.ok("tag", "suggest", str(rid)).stdout
