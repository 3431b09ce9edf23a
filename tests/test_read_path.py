"""The read path: read commands answer with plain SQL, without the ORM, and a record read that
way is the record the ORM holds."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from caselib.records import get_record, record_to_json
from caselib.store.library import Library
from caselib.store.tables import Bulletin, BulletinRecord, Record
from tests.conftest import Cli

pytestmark = pytest.mark.backends

# Every command that only reads, with arguments that make it do its work on the sample library.
READ_COMMANDS = [
    ["show", "1"],
    ["show", "1", "--json"],
    ["list"],
    ["list", "--json", "--tag", "基层党建"],
    ["search", "党建"],
    ["search", "党建", "--json"],
    ["trash"],
    ["trash", "--json"],
    ["info"],
    ["info", "--json"],
    ["rubric"],
    ["tags"],
    ["tags", "--json"],
    ["units"],
    ["units", "--json"],
    ["reviews", "2"],
    ["reviews", "2", "--history", "--json"],
    ["stats"],
    ["stats", "--by", "tag", "--json"],
    ["bulletins"],
    ["bulletins", "--json"],
    ["bulletin", "show", "2022-13"],
    ["bulletin", "show", "1", "--json"],
    ["dupes"],
    ["dupes", "--json"],
]


def _add_bulletin(db: Path | str, *record_ids: int) -> None:
    with Library.open(str(db)).session() as session:
        bulletin = Bulletin(
            series="工作简报",
            number=13,
            year=2022,
            date=dt.date(2022, 11, 10),
            office="党委办公室",
            distribution={"报": ["省委教育工委"]},
        )
        session.add(bulletin)
        session.flush()
        for position, rid in enumerate(record_ids, start=1):
            session.add(BulletinRecord(bulletin_id=bulletin.id, record_id=rid, position=position))


def test_bulletin_show_json(sample: Cli, db_path: Path | str) -> None:
    _add_bulletin(db_path, 3, 1)
    shown = sample.ok("bulletin", "show", "2022-13", "--json").json()
    assert [r["id"] for r in shown["records"]] == [3, 1]
    record = sample.ok("show", "3", "--json").json()
    del record["history"]
    assert shown["records"][0] == record
    assert shown["distribution"] == {"报": ["省委教育工委"], "送": [], "发": []}
    listed = sample.ok("bulletins", "--json").json()
    assert listed == [{k: v for k, v in shown.items() if k != "records"} | {"record_count": 2}]
    assert (
        sample("bulletin", "show", "2021-13").stderr.strip() == "错误：简报不存在：2021 年第 13 期"
    )


def test_show_json_is_the_orm_record(sample: Cli, db_path: Path | str) -> None:
    """``show --json`` (plain SQL) gives, for every sample record, what the ORM's
    ``record_to_json`` gives; a record in the trash and one with reviews included."""
    sample.ok("review", "2", "-r", "王老师", "-s", "真实性=5", "-s", "典型性=4")
    sample.ok("tag", "3", "+新标签", "+下基层")
    sample.ok("rm", "4")
    lib = Library.open(str(db_path))
    with lib.session() as session:
        ids = [int(r["id"]) for r in sample.ok("list", "--json").json()] + [4]
        assert len(ids) == 14
        for rid in ids:
            shown = sample.ok("show", str(rid), "--json").json()
            history = shown.pop("history")
            assert shown == record_to_json(get_record(session, rid), body=True)
            assert [e["kind"] for e in history] == (["review"] if rid == 2 else [])


def test_list_json_is_show_json_without_the_body(
    sample: Cli, db_path: Path | str, tmp_path: Path
) -> None:
    """``list --json`` takes each record's length from what a write stored with it and
    ``show --json`` counts it in the body: the same objects, a record with a table included.
    A record stored by an older caselib (no stored length, or no evidence at all) is counted
    in its body; ``reindex`` stores the length again."""
    table = tmp_path / "表格.md"
    table.write_text(
        "---\nkind: case\ntitle: 带表格的案例\nunit: 机关党委\ndate: 2023-05-01\n---\n\n"
        "一、做法\n\n正文 一段。\n\n| 项目 | 数量 |\n|---|---|\n| 走访 | 12 次 |\n| 座谈 | 3 场 |\n",
        "utf-8",
    )
    sample.ok("import", str(table))

    def listed_is_shown() -> list[dict[str, Any]]:
        listed = sample.ok("list", "--json").json()
        for item in listed:
            shown = sample.ok("show", str(item["id"]), "--json").json()
            del shown["history"], shown["body"]
            assert item == shown
        return listed

    lengths = {r["id"]: r["length"] for r in listed_is_shown()}
    assert len(lengths) == 15 and min(lengths.values()) > 0
    with Library.open(str(db_path)).session() as session:
        session.execute(update(Record).where(col(Record.id) == 1).values(evidence=None))
        older = get_record(session, 2).evidence
        assert older is not None and "chars" in older
        session.execute(
            update(Record)
            .where(col(Record.id) == 2)
            .values(evidence={k: v for k, v in older.items() if k != "chars"})
        )
    assert {r["id"]: r["length"] for r in listed_is_shown()} == lengths
    sample.ok("reindex")
    with Library.open(str(db_path)).session() as session:
        for rid in (1, 2):
            assert (get_record(session, rid).evidence or {}).get("chars") == lengths[rid]


@pytest.mark.parametrize(
    "stamp",
    [
        dt.datetime(2024, 6, 1, 8, 30, 5, 120000),
        dt.datetime(2024, 6, 1, 8, 30, 5, 7),
        dt.datetime(2024, 6, 1, 8, 30),
        dt.datetime(2024, 6, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    ],
)
def test_timestamps_read_as_text_show_as_the_orm_shows_them(stamp: dt.datetime) -> None:
    """SQLite gives timestamps back as the text SQLAlchemy wrote (six fraction digits) or,
    written by plain SQL, without the fraction; either shows as the datetime does."""
    from caselib.store.recordjson import _iso_datetime

    shown = _iso_datetime(stamp)
    assert shown == (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).isoformat()
    if stamp.tzinfo is None:
        assert _iso_datetime(stamp.isoformat(sep=" ", timespec="microseconds")) == shown
        if not stamp.microsecond:
            assert _iso_datetime(stamp.isoformat(sep=" ")) == shown
    else:
        assert _iso_datetime(stamp.isoformat(sep=" ")) == shown


def test_show_of_a_missing_record(sample: Cli) -> None:
    run = sample("show", "404")
    assert run.exit_code == 1
    assert run.stderr.strip() == "错误：记录不存在：404"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_commands_never_load_the_orm(
    sample: Cli, db_path: Path | str, args: list[str]
) -> None:
    """Run in a process of its own, the command never imports SQLAlchemy or SQLModel (a
    library file; a PostgreSQL library is still opened through the ORM)."""
    sample.ok("rm", "5")  # the trash holds something
    _add_bulletin(db_path, 3, 1)
    for scores in ("真实性=5", "真实性=4"):  # a review and the one it supersedes
        sample.ok("review", "2", "-r", "王老师", "-s", scores, "-s", "典型性=4")
    env = {**os.environ, "CASELIB_DB": str(db_path), "COLUMNS": "100"}
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "caselib", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"typer", "caselib.cli"} <= loaded  # the import log is complete
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("sqlalchemy", "sqlmodel"))
    assert heavy == []
    # Without a settings file beside the library there is nothing for pydantic to validate.
    assert sorted(m for m in loaded if m.split(".")[0] == "pydantic") == []


def test_dupes_finds_a_resubmission_on_either_backend(
    sample: Cli, db_path: Path | str, tmp_path: Path
) -> None:
    """``dupes`` (plain SQL on SQLite and PostgreSQL) lists a resubmitted record with its
    original, the newer one first."""
    from tests.conftest import CASES_DIR

    original = (CASES_DIR / "10-jiguan-yingxin-xinglixiang.md").read_text("utf-8")
    copy = tmp_path / "resubmitted.md"
    copy.write_text(
        original.replace("unit: 机关党委", "unit: 文学院党委").replace("第二天，", ""), "utf-8"
    )
    new_id = sample.ok("import", str(copy), "--json").json()[0]["record_ids"][0]
    pairs = sample.ok("dupes", "--json").json()
    assert [(p["record_id"], p["other_id"], p["unit"]) for p in pairs] == [
        (new_id, 10, "文学院党委")
    ]
    assert pairs[0]["similarity"] >= 0.8
