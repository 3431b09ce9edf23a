"""The library and the disk misbehaving: locked, read-only, damaged, full; colleagues writing at
the same moment; file modes. Every failure is one Chinese line, never a traceback, SQL or a web
address, and never a half-made file.

How the faults are made:

* **locked**: a second connection holds a write transaction (as another process's ``add`` or
  ``import`` does), and the busy timeout is cut to 0.2 s;
* **read-only**: file modes. Root ignores them, so when the tests run as root the command runs
  without the capabilities that let root override them (``setpriv --bounding-set``): the same
  process a user without write permission would be, checked by a probe write that must fail;
* **full disk**: ``RLIMIT_FSIZE`` in a child process (``SIGXFSZ`` ignored), so every write past
  the limit fails with EFBIG, as it fails with ENOSPC on a full disk;
* **damaged**: bytes of a real library cut off or overwritten;
* **at the same moment**: six real processes, started together by a file they all wait for.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from caselib.errors import LibraryError
from caselib.store import sqlite_backend
from caselib.store.library import Library
from caselib.units import get_or_create_unit

from .conftest import IN_CI, Cli, Run

# Runs caselib's command line in a child process, with an optional limit on the size of any
# file it writes (the first argument; 0: none).
_MAIN = """
import resource, signal, sys
limit = int(sys.argv.pop(1))
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv[0] = "caselib"
from caselib.cli import main
main()
"""

# Words that may appear in a message: commands the user can type. Everything else in Latin
# letters (an English error, SQL, a web address) must not reach the user.
_ALLOWED_WORDS = {"caselib", "sqlite3", "recover", "check", "repair", "reindex", "init"}


def run_cli(
    db: Path,
    *args: str,
    limit: int = 0,
    prefix: Sequence[str] = (),
    input: str | None = None,
) -> Run:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _MAIN, str(limit), "--db", str(db), *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
        env=env,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_chinese_line(run: Run, *paths: Path) -> str:
    """The run failed with exactly one line on stderr, in Chinese, naming no SQL, no web address,
    no English error text; returns the line."""
    assert run.exit_code == 1, run.stderr + run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    line = lines[0]
    assert line.startswith("错误："), line
    bare = line
    for path in sorted(paths, key=lambda p: -len(str(p))):
        bare = bare.replace(str(path), "")
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", bare)) - _ALLOWED_WORDS
    assert not words, line
    return line


def _probe_denied(prefix: Sequence[str], folder: Path) -> bool:
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
    )
    return probe.returncode != 0


@pytest.fixture
def as_user() -> list[str]:
    """The command prefix that runs a process bound by file modes (see the module docstring)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = ["--bounding-set=-dac_override,-dac_read_search,-fowner"]
    if setpriv is None or subprocess.run([setpriv, *drop, "true"]).returncode != 0:
        if IN_CI:
            pytest.fail("running as root needs setpriv (util-linux) to drop root's file access")
        pytest.skip("running as root without setpriv: file modes cannot be made to apply")
    return [setpriv, *drop]


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A library with one record, made by another process and closed (no -wal, no -shm)."""
    folder = tmp_path / "党办共享"
    folder.mkdir()
    db = folder / "案例库.db"
    assert run_cli(db, "init").exit_code == 0
    added = run_cli(
        db,
        "add",
        "--title",
        "机关党委：“办事少跑腿”清单化推进",
        "--unit",
        "机关党委",
        "--date",
        "2022-03-22",
        input="机关党委坚持把师生办事方便不方便作为检验机关作风的试金石。\n",
    )
    assert added.exit_code == 0, added.stderr
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


# --------------------------------------------------------------------------------------------
# Locked by another writer


def test_reindex_and_check_wait_for_a_writer_then_say_so(
    sample: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of an import
    try:
        runs = [sample("reindex"), sample("check"), sample("check", "--repair")]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for run in runs:
        line = assert_one_chinese_line(run)
        assert "另一位同事" in line and "稍后再试" in line
        assert "损坏" not in run.stderr and "reindex" not in run.stderr
    assert sample.ok("check").stderr.strip() == "索引完好"


# --------------------------------------------------------------------------------------------
# Read-only


def test_a_read_only_library_is_checked_not_called_damaged(
    shared: Path, as_user: list[str]
) -> None:
    shared.chmod(0o444)
    assert _probe_denied(as_user, shared.parent) is False  # the folder stays writable
    check = run_cli(shared, "check", prefix=as_user)
    assert check.exit_code == 0, check.stderr
    assert "损坏" not in check.stderr and "reindex" not in check.stderr
    assert check.stderr.strip().endswith("索引完好")
    for args in (["reindex"], ["tag", "1", "+暖心"]):
        line = assert_one_chinese_line(run_cli(shared, *args, prefix=as_user), shared)
        assert line == "错误：库文件是只读的，无法写入"
    shared.chmod(0o644)
    assert run_cli(shared, "show", "1", "--json").stdout.count("暖心") == 0


def test_a_library_in_a_folder_the_user_cannot_write_can_be_read(
    shared: Path, as_user: list[str]
) -> None:
    """SQLite cannot make the -shm file next to the library: the library is opened read-only
    (immutable, as no write-ahead log is pending) and every read works."""
    assert not shared.with_name(shared.name + "-wal").exists()
    shared.parent.chmod(0o555)
    assert _probe_denied(as_user, shared.parent)
    listed = run_cli(shared, "list", "--json", prefix=as_user)
    assert listed.exit_code == 0, listed.stderr
    assert "“办事少跑腿”" in listed.stdout
    for args in (["show", "1"], ["info"]):
        run = run_cli(shared, *args, prefix=as_user)
        assert run.exit_code == 0 and run.stderr.count("错误") == 0, (args, run.stderr)
    assert "机关党委" in run_cli(shared, "search", "试金石", prefix=as_user).stdout
    check = run_cli(shared, "check", prefix=as_user)
    assert check.exit_code == 0 and check.stderr.strip().endswith("索引完好"), check.stderr
    for args in (["reindex"], ["add", "--title", "甲：乙", "--unit", "机关党委"]):
        line = assert_one_chinese_line(run_cli(shared, *args, prefix=as_user, input="正文。"))
        assert line == "错误：库所在的文件夹不可写，库只能读取，无法写入"
    assert sorted(p.name for p in shared.parent.iterdir()) == ["案例库.db"]


# --------------------------------------------------------------------------------------------
# Damaged


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_library_is_called_damaged_with_the_way_back(
    sample: Cli, db_path: Path, library: Library, damage: str
) -> None:
    library.engine.dispose()
    gc.collect()  # the libraries the earlier commands opened close their connections
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'record'").fetchone()
    data = bytearray(db_path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # the records' page: the library opens, a listing meets the damage
        data[(root[0] - 1) * page : root[0] * page] = b"\xa5" * page
    db_path.write_bytes(bytes(data))
    commands = [["list"], ["show", "3"], ["search", "香菇"], ["check"], ["rm", "3"]]
    if damage == "truncated":
        commands.append(["info"])  # (info's counts use indexes only: not the damaged page)
    for args in commands:
        run = sample(*args)
        line = assert_one_chinese_line(run, db_path, db_path.with_name("lib-抢救.db"))
        assert f"库文件已损坏：{db_path}" in line and "备份" in line, args
        assert ".recover" in line and "不是 caselib 库" not in line


def test_a_file_that_is_no_database_is_still_not_a_library(tmp_path: Path) -> None:
    notes = tmp_path / "笔记.db"
    notes.write_text("党委会议记录：研究部署主题教育。\n" * 20, encoding="utf-8")
    for args in (["list"], ["info"]):
        run = Cli(notes)(*args)
        assert "不是 caselib 库" in assert_one_chinese_line(run, notes)


# --------------------------------------------------------------------------------------------
# Full disk


def test_init_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "案例库.db"
    line = assert_one_chinese_line(run_cli(db, "init", limit=50_000), db)
    assert "磁盘" in line
    assert list(tmp_path.iterdir()) == []  # neither the library nor a temporary file
    again = run_cli(db, "init")
    assert again.exit_code == 0 and "已创建库" in again.stderr
    assert run_cli(db, "list", "--json").stdout.strip() == "[]"


def test_writes_on_a_full_disk_say_so_in_one_chinese_line(
    sample: Cli, db_path: Path, tmp_path: Path
) -> None:
    body = tmp_path / "正文.txt"
    body.write_text("社区党支部组织党员志愿者入户走访，收集居民急难愁盼问题。\n" * 3000, "utf-8")
    before = sample.ok("list", "--json").json()
    # 40 KB: past the shared-memory index (32 KB), short of what a record or the index needs
    runs = [
        run_cli(
            db_path,
            "add",
            "-t",
            "社区党委：入户走访",
            "-u",
            "社区党委",
            "-f",
            str(body),
            limit=40_000,
        ),
        run_cli(db_path, "reindex", limit=40_000),
    ]
    for run in runs:
        assert "磁盘" in assert_one_chinese_line(run, db_path)
    assert sample.ok("list", "--json").json() == before
    assert sample.ok("check").stderr.strip() == "索引完好"
    # a check that finds nothing wrong writes nothing; a repair has to write
    assert run_cli(db_path, "check", "--repair", limit=40_000).stderr.strip() == "索引完好"
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM record_fts_src WHERE id IN (3, 5)")
    repair = run_cli(db_path, "check", "--repair", limit=40_000)
    *found, last = repair.stderr.strip().splitlines()
    assert repair.exit_code == 1 and found[0] == "全文索引缺少记录：3、5"
    assert last.startswith("错误：") and "磁盘" in last and "Traceback" not in repair.stderr
    assert sample("check").exit_code == 1  # as it was: the failed repair changed nothing
    assert sample.ok("check", "--repair").stderr.strip().endswith("已修复索引")


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_export_on_a_full_disk_is_one_line_and_leaves_no_file(
    sample: Cli, db_path: Path, tmp_path: Path, suffix: str
) -> None:
    """A DOCX is bigger than 33 KB: it fails writing the export; an XLSX fails in openpyxl's
    own temporary file at 3 KB. The test keeps the library open, so the child need not grow
    its shared-memory index."""
    out = tmp_path / "导出"
    out.mkdir()
    keep_open = sqlite3.connect(db_path)
    keep_open.execute("SELECT COUNT(*) FROM record").fetchone()
    try:
        limit = 33_000 if suffix == ".docx" else 3_000
        run = run_cli(db_path, "export", "--all", "-o", str(out / f"汇编{suffix}"), limit=limit)
    finally:
        keep_open.close()
    line = assert_one_chinese_line(
        run, out / f"汇编{suffix}", Path(os.environ.get("TMPDIR", "/tmp"))
    )
    assert "磁盘" in line or "大小" in line
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr
    assert list(out.iterdir()) == []


def test_stale_temporary_files_of_a_killed_export_are_removed(sample: Cli, tmp_path: Path) -> None:
    out = tmp_path / "导出"
    out.mkdir()
    stale = out / ".caselib-k3j9x2ab.docx"
    stale.write_bytes(b"")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    running = out / ".caselib-w8q1zz0c.docx"  # another export writing right now
    running.write_bytes(b"PK")
    sample.ok("export", "1", "2", "-o", str(out / "汇编.docx"))
    assert sorted(p.name for p in out.iterdir()) == [running.name, "汇编.docx"]


# --------------------------------------------------------------------------------------------
# File modes


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_the_library_is_private_and_exports_follow_the_umask(tmp_path: Path, umask: None) -> None:
    db = tmp_path / "案例库.db"
    cli = Cli(db)
    cli.ok("init")
    cli.ok("add", "-t", "机关党委：迎新", "-u", "机关党委", input="迎新路上的行李箱。")
    for path in tmp_path.iterdir():  # the library and its write-ahead log files
        assert path.stat().st_mode & 0o777 == 0o600, path
    for name in ("汇编.docx", "记录.xlsx", "记录.csv", "记录.json"):
        cli.ok("export", "1", "-o", str(tmp_path / name))
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name
    (tmp_path / "md").mkdir()
    cli.ok("export", "1", "-o", str(tmp_path / "md"))
    assert [p.stat().st_mode & 0o777 for p in (tmp_path / "md").iterdir()] == [0o640]
    shared = tmp_path / "记录.csv"
    shared.chmod(0o664)  # made readable by the office's group on purpose
    cli.ok("export", "1", "-o", str(shared), "--force")
    assert shared.stat().st_mode & 0o777 == 0o664


# --------------------------------------------------------------------------------------------
# Colleagues at the same moment

_RACER = """
import os, sys, time
import caselib.cli, caselib.intake.importing, caselib.records  # loaded before the start
ready, go = sys.argv[1:3]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
sys.argv = ["caselib", *sys.argv[3:]]
caselib.cli.main()
"""


def race(tmp_path: Path, commands: list[list[str]]) -> list[Run]:
    """Run the commands in as many processes, started at the same moment."""
    gate = tmp_path / "gate"
    gate.mkdir(exist_ok=True)
    for old in gate.iterdir():
        old.unlink()
    go = gate / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(gate / f"ready{i}"), str(go), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, command in enumerate(commands)
    ]
    deadline = time.monotonic() + 60
    while len(list(gate.glob("ready*"))) < len(commands) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    runs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=60)
        runs.append(Run(proc.returncode, stdout, stderr))
    return runs


def test_six_colleagues_add_records_with_the_same_new_unit_and_tag(
    db_path: Path, library: Library, tmp_path: Path
) -> None:
    body = tmp_path / "正文.txt"
    body.write_text("学院党委组织党员教师走进社区，为居民讲解防诈骗知识。\n", "utf-8")
    unit = "文学院党委"
    runs = race(
        tmp_path,
        [
            ["--db", str(db_path), "add", "-t", f"{unit}：第{i + 1}支部进社区", "-u", unit]
            + ["--tag", "反诈宣传", "--tag", "社区共建", "-d", f"2022-10-1{i}", "-f", str(body)]
            for i in range(6)
        ],
    )
    for run in runs:
        assert run.exit_code == 0 and "错误" not in run.stderr, run.stderr
    assert sum(f"新建单位：{unit}" in run.stderr for run in runs) == 1
    assert sum("新建标签：反诈宣传" in run.stderr for run in runs) == 1
    cli = Cli(db_path)
    assert [(u["name"], u["count"]) for u in cli.ok("units", "--json").json()] == [(unit, 6)]
    assert len(cli.ok("list", "--tag", "反诈宣传", "--tag", "社区共建", "--json").json()) == 6


def test_six_concurrent_imports_lose_no_file(
    db_path: Path, library: Library, tmp_path: Path
) -> None:
    units = ["外国语学院党委", "资源环境学院党委", "后勤集团党委"]
    topics = ["垃圾分类", "适老化改造", "助老", "义诊"]
    folders = []
    for p in range(6):
        folder = tmp_path / f"来稿{p}"
        folder.mkdir()
        for i in range(4):
            unit, topic = units[(p + i) % 3], topics[(p * 4 + i) % 4]
            (folder / f"{p}-{i}.md").write_text(
                f"---\nkind: case\ntitle: {unit}：第{p * 4 + i + 1}期“{topic}”志愿服务\n"
                f"unit: {unit}\ndate: 2022-11-{p + 1:02d}\ntags: [{topic}, 志愿服务新风]\n---\n\n"
                f"{unit}第{i + 1}党支部组织{p + 3}名党员走进第{p * 4 + i + 1}个社区，"
                f"围绕“{topic}”为居民办实事{i + p * 7 + 2}件。\n",
                encoding="utf-8",
            )
        folders.append(folder)
    runs = race(tmp_path, [["--db", str(db_path), "import", str(f), "--json"] for f in folders])
    outcomes = [r["outcome"] for run in runs for r in json.loads(run.stdout)]
    assert outcomes == ["imported"] * 24, [run.stderr for run in runs]
    assert len(Cli(db_path).ok("list", "--json").json()) == 24


# --------------------------------------------------------------------------------------------
# No SQL on the screen


def test_a_database_error_never_shows_its_sql(library: Library) -> None:
    """Whatever SQLite refuses, the line shown names neither the statement nor a web page."""
    with library.session() as session:
        get_or_create_unit(session, "机关党委")
    with pytest.raises(LibraryError) as caught, library.session() as session:
        session.connection().exec_driver_sql("INSERT INTO unit (name) VALUES ('机关党委')")
    message = str(caught.value)
    assert "冲突" in message
    assert not re.search(r"[A-Za-z]{3,}", message), message
