"""The library file: location, init, info, schema versions, foreign and locked files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from caselib.errors import LibraryError
from caselib.store import library as dbmod
from caselib.store import meta
from caselib.store.library import Library
from caselib.store.location import default_path, resolve_url
from caselib.store.meta import SCHEMA_VERSION

from .conftest import Cli


def test_default_location_is_the_user_data_dir(tmp_path: Path) -> None:
    assert str(default_path()).startswith(os.environ["XDG_DATA_HOME"])
    assert resolve_url(None) == "sqlite:///" + str(default_path())


def test_env_var_and_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASELIB_DB", str(tmp_path / "x.db"))
    assert resolve_url(None) == "sqlite:///" + str(tmp_path / "x.db")
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_init_at_default_location_then_info(tmp_path: Path) -> None:
    cli = Cli(Path("unused"))
    from typer.testing import CliRunner

    from caselib.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.stderr
    assert default_path().exists()
    info = runner.invoke(app, ["info", "--json"])
    data = __import__("json").loads(info.stdout)
    assert data["location"] == str(default_path())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["records"] == 0 and data["tags"] >= 30
    assert cli.db == Path("unused")


def test_init_path_argument_and_idempotence(tmp_path: Path) -> None:
    target = tmp_path / "新建库" / "案例库.db"
    run = Cli(tmp_path / "ignored.db")("init", str(target))
    assert run.exit_code == 0 and "已创建库" in run.stderr
    again = Cli(tmp_path / "ignored.db")("init", str(target))
    assert again.exit_code == 0 and "未做改动" in again.stderr


def test_info_counts(sample: Cli) -> None:
    data = sample.ok("info", "--json").json()
    assert data["records"] >= 12 and data["units"] >= 5
    assert data["index_size"] > 0 and data["file_size"] > data["index_size"]
    assert "记录" in sample.ok("info").stdout


def test_missing_library(tmp_path: Path) -> None:
    run = Cli(tmp_path / "none.db")("list")
    assert run.exit_code == 1 and "库不存在" in run.stderr and "caselib init" in run.stderr


def test_file_that_is_not_a_library(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("这不是数据库", encoding="utf-8")
    run = Cli(text)("list")
    assert run.exit_code == 1 and "不是 caselib 库" in run.stderr
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    for args in (["list"], ["init"]):
        run = Cli(other)(*args)
        assert run.exit_code == 1 and "不是 caselib 库" in run.stderr, args
    assert text.read_text(encoding="utf-8") == "这不是数据库"


def test_newer_library_is_refused(db_path: Path, library: Library) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(LibraryError, match="更新版本"):
        Library.open(str(db_path))
    run = Cli(db_path)("list")
    assert run.exit_code == 1 and "请升级 caselib" in run.stderr


def test_older_library_is_upgraded(
    db_path: Path, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library of version N opens in version N+1: the migration runs once, in order."""
    applied: list[int] = []

    def add_column(conn: object) -> None:
        applied.append(SCHEMA_VERSION + 1)
        conn.exec_driver_sql("ALTER TABLE record ADD COLUMN remark TEXT")  # type: ignore[attr-defined]

    monkeypatch.setattr(meta, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(dbmod.MIGRATIONS, SCHEMA_VERSION + 1, add_column)
    lib = Library.open(str(db_path))
    assert lib.schema_version == SCHEMA_VERSION + 1 and applied == [SCHEMA_VERSION + 1]
    Library.open(str(db_path))
    assert applied == [SCHEMA_VERSION + 1]
    with sqlite3.connect(db_path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(record)")]
    assert "remark" in columns


def test_locked_library_waits_then_says_so(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caselib.store import sqlite_backend

    rid = int(cli.ok("add", "--title", "题", "--unit", "机关党委", input="正文。").stdout)
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        run = cli("tag", str(rid), "+暖心")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.exit_code == 1 and "另一个程序" in run.stderr
    assert cli.ok("show", str(rid), "--json").json()["tags"] == []


def test_read_only_library(cli: Cli, db_path: Path) -> None:
    """A library the user may read but not write: reads work, writes fail with one line and
    change nothing. Root ignores file modes, so as root the file is opened read-only."""
    rid = int(cli.ok("add", "--title", "题", "--unit", "机关党委", input="正文。").stdout)
    db_path.chmod(0o444)
    reader = cli
    if os.geteuid() == 0:
        reader = Cli(Path(f"file:{db_path}?mode=ro&uri=true"))
        reader.db = f"sqlite:///file:{db_path}?mode=ro&uri=true"  # type: ignore[assignment]
    try:
        assert reader.ok("list", "--json").json()[0]["id"] == rid
        run = reader("tag", str(rid), "+暖心")
        assert run.exit_code == 1
        assert run.stderr.strip().splitlines() == ["错误：库文件是只读的，无法写入"]
    finally:
        db_path.chmod(0o644)
    assert cli.ok("show", str(rid), "--json").json()["tags"] == []


def test_path_with_chinese_spaces_and_url_characters(tmp_path: Path) -> None:
    """A library path is a path, never parsed as a URL ("?" and "#" are ordinary characters)."""
    folder = tmp_path / "党委办公室 2022#?"
    folder.mkdir()
    cli = Cli(folder / "案例库.db")
    cli.ok("init")
    cli.ok("add", "--title", "机关党委：迎新", "--unit", "机关党委", input="迎新路上的行李箱。")
    # the library file and its write-ahead log, nothing named after a misread URL
    assert {p.name for p in folder.iterdir()} <= {"案例库.db", "案例库.db-wal", "案例库.db-shm"}
    assert [r["title"] for r in cli.ok("list", "--json").json()] == ["机关党委：迎新"]
    assert [r["id"] for r in cli.ok("search", "行李", "--json").json()] == [1]


def _record_columns(path: Path) -> list[tuple[str, str, str, int, str | None]]:
    out: list[tuple[str, str, str, int, str | None]] = []
    with sqlite3.connect(path) as conn:
        for table in ("record", "shortlist_item"):
            rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
            indexes = {row[1] for row in conn.execute(f"PRAGMA index_list({table})")}
            out += sorted((table, r[1], r[2], r[3], r[4]) for r in rows)
            out += [(table, i, "", 0, None) for i in sorted(indexes)]
    return out


def test_version_1_library_gains_the_columns_of_version_2(
    tmp_path: Path, db_path: Path, library: Library
) -> None:
    """Version 2 adds where a record came from and what an import could not find; a library
    written by version 1 (the columns dropped again, as version 1 made it) upgrades to the
    same schema a new library has, keeping its records."""
    fresh = _record_columns(db_path)
    Cli(db_path).ok("add", "-t", "机关党委：跑腿办事", "-u", "机关党委", "-f", "-", input="正文。")
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP INDEX ix_record_source_path")
        for column in ("source_path", "source_info", "missing"):
            conn.execute(f"ALTER TABLE record DROP COLUMN {column}")
        conn.execute("ALTER TABLE shortlist_item DROP COLUMN previous_status")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    assert Library.open(str(db_path)).schema_version == SCHEMA_VERSION
    assert _record_columns(db_path) == fresh
    assert Cli(db_path).ok("show", "1", "--json").json()["title"] == "机关党委：跑腿办事"
