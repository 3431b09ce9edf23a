"""backup, copy, upgrade and the structural part of check (orphan rows, schema version)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from caselib.store.library import Library
from caselib.store.location import mask_url
from caselib.store.maintenance import dump
from caselib.store.meta import SCHEMA_VERSION
from tests.conftest import Cli

FIXTURES = Path(__file__).parent / "data"
V1_LIBRARY = FIXTURES / "library-v1.db"


def fill_every_table(cli: Cli, tmp_path: Path) -> None:
    """Records, tags, reviews, reports, adoptions, a shortlist and a bulletin."""
    cli.ok("review", "1", "-r", "王老师", "-s", "典型性=4", "-s", "可推广性=5", "-c", "做法实在")
    cli.ok("report", "1", "--to", "省委教育工委", "--date", "2022-11-02")
    cli.ok(
        "adopt", "1", "--by", "省委教育工委工作简报第8期", "--level", "省级", "--date", "2022-11-20"
    )
    cli.ok("shortlist", "add", "2022年第四季度报送", "3", "1", "12")
    cli.ok("tag", "2", "+暖心")
    cli.ok(
        "export", "--shortlist", "2022年第四季度报送", "-F", "docx", "-o",
        str(tmp_path / "简报.docx"), "--series", "工作简报", "--office", "党委办公室",
        "--issue", "13", "--date", "2022-10-20",
    )  # fmt: skip


def test_backup_is_a_consistent_snapshot_while_another_process_writes(
    sample: Cli, db_path: Path, tmp_path: Path
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db_path), "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        target = tmp_path / "备份" / "2022-11-30.db"
        run = sample.ok("backup", "-o", str(target))
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert "已备份到" in run.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        kept = conn.execute("SELECT COUNT(*) FROM record").fetchone()[0]
    written = int(out.strip())
    assert 14 <= kept <= 14 + written
    assert "索引完好" in Cli(target).ok("check").stderr
    # the snapshot is a library in its own right: search works in it
    assert Cli(target).ok("search", "共同缔造", "--json").json()
    again = sample("backup", "-o", str(target))
    assert again.exit_code == 1 and "--force" in again.stderr
    sample.ok("backup", "-o", str(target), "--force")


_WRITER = """
import sys
from caselib.records import add_record
from caselib.store.library import Library
from caselib.store.schemas import RecordIn
lib = Library.open(sys.argv[1])
n = 0
for i in range(int(sys.argv[2])):
    with lib.session() as s:
        add_record(s, RecordIn(title=f"社区共同缔造第{i}例", unit="机关党委", body=[{"type": "paragraph", "text": "居民议事会共谋共建。"}]))
    n += 1
print(n)
"""


def test_copy_moves_every_table_and_a_second_copy_is_a_no_op(
    sample: Cli, db_path: Path, tmp_path: Path
) -> None:
    fill_every_table(sample, tmp_path)
    target = tmp_path / "副本" / "省厅.db"
    run = sample.ok("copy", "--from", str(db_path), "--to", str(target))
    assert "已复制 14 条记录" in run.stderr
    source, copy = dump(Library.open(str(db_path))), dump(Library.open(str(target)))
    assert copy == source
    assert all(copy[t] for t in ("record", "record_tag", "review", "report", "adoption"))
    assert all(copy[t] for t in ("bulletin", "bulletin_record", "shortlist", "shortlist_item"))
    assert "未做改动" in sample.ok("copy", "--from", str(db_path), "--to", str(target)).stderr
    assert dump(Library.open(str(target))) == source
    copied = Cli(target)
    assert "索引完好" in copied.ok("check").stderr
    ids = [r["id"] for r in sample.ok("search", "行李箱", "--json").json()]
    assert ids and [r["id"] for r in copied.ok("search", "行李箱", "--json").json()] == ids
    # a new record in the copy gets a fresh id, not one of the copied ones
    new = int(copied.ok("add", "-t", "新例", "-u", "机关党委", input="正文。").stdout)
    assert new == max(r[0] for r in source["record"]) + 1
    # now the target differs: a copy into it is refused and changes nothing
    before = dump(Library.open(str(target)))
    refused = sample("copy", "--from", str(db_path), "--to", str(target))
    assert refused.exit_code == 1 and "目标库已有内容" in refused.stderr
    assert dump(Library.open(str(target))) == before


def test_copy_into_a_library_just_made_by_init(sample: Cli, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "新库.db"
    Cli(target).ok("init")
    sample.ok("tag", "1", "+自定义标签")
    sample.ok("copy", "--from", str(db_path), "--to", str(target))
    assert dump(Library.open(str(target))) == dump(Library.open(str(db_path)))


def test_copy_onto_itself_is_refused(sample: Cli, db_path: Path) -> None:
    run = sample("copy", "--from", str(db_path), "--to", str(db_path))
    assert run.exit_code == 1 and run.stderr.strip() == "错误：来源库与目标库是同一个库"


def test_upgrade_backs_up_a_version_1_library_first(tmp_path: Path) -> None:
    """The fixture was written with schema version 1 (before source_path, source_info,
    missing and previous_status)."""
    path = tmp_path / "旧库.db"
    shutil.copy(V1_LIBRARY, path)
    with sqlite3.connect(path) as conn:
        old_titles = sorted(r[0] for r in conn.execute("SELECT title FROM record"))
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "1",
        )
    cli = Cli(path)
    run = cli.ok("upgrade")
    assert f"版本 1 → {SCHEMA_VERSION}" in run.stderr
    saved = [p for p in tmp_path.iterdir() if "升级前备份-v1" in p.name]
    assert len(saved) == 1 and str(saved[0]) in run.stderr
    with sqlite3.connect(saved[0]) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "1",
        )
    assert sorted(r["title"] for r in cli.ok("list", "--json").json()) == old_titles
    assert "索引完好" in cli.ok("check").stderr
    assert "无需升级" in cli.ok("upgrade").stderr
    assert len([p for p in tmp_path.iterdir() if "升级前备份" in p.name]) == 1


def test_check_finds_orphan_rows_and_missing_columns(sample: Cli, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:  # foreign keys are off on a plain connection
        conn.execute("INSERT INTO review(record_id, reviewer, scores, created_at) "
                     "VALUES (999, '李老师', '{}', '2022-11-01')")  # fmt: skip
    run = sample("check")
    assert run.exit_code == 1
    assert "表 review 有 1 行的 record_id 指向不存在的 record（孤立行）" in run.stderr
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM review WHERE record_id = 999")
        conn.execute("ALTER TABLE adoption DROP COLUMN level")
    run = sample("check")
    assert run.exit_code == 1 and "表 adoption 缺少列：level" in run.stderr


def test_passwords_are_masked() -> None:
    url = "postgresql+psycopg://caselib:s3cr%40t@db.example.cn:5432/caselib"
    assert mask_url(url) == "postgresql+psycopg://caselib:***@db.example.cn:5432/caselib"
    assert mask_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


def test_library_files_are_private(cli: Cli, db_path: Path) -> None:
    assert os.stat(db_path).st_mode & 0o777 == 0o600
