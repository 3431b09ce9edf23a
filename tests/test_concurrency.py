"""Several processes writing to one library at once lose nothing, on both backends, and a
write that meets a lock or a deadlock is run again (``Library.write``)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from caselib.errors import LibraryError, NotFoundError
from caselib.store.library import Library
from caselib.store.tables import Adoption, Record, Report, Unit
from tests.conftest import Cli

pytestmark = pytest.mark.backends

# Each worker runs caselib's commands in-process; a command that fails ends the worker with
# its message (so the test sees which command failed and why).
_RUN = """
def run(*args, input=None):
    result = runner.invoke(app, ["--db", db, *args], input=input)
    if result.exit_code != 0:
        sys.exit(f"{args[0]} failed: {result.stderr}{result.exception!r}")
    return result.stdout
"""

_WORKER = (
    """
import sys, time
from typer.testing import CliRunner
from caselib.cli import app
db, me, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
runner = CliRunner()
"""
    + _RUN
    + """
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    title = f"第{me}组第{i}例：社区议事厅共同缔造"
    rid = run("add", "-t", title, "-u", f"第{me}党支部", input=f"居民议事{me}-{i}，共谋共建。").strip()
    print(title, flush=True)  # acknowledged: committed
    run("tag", rid, "+共同缔造", f"+议事{me}")
    run("review", rid, "-r", f"评审{me}", "-s", "典型性=4")
    run("search", "议事厅", "--json")
    i += 1
"""
)


def test_six_processes_writing_at_once_lose_nothing(cli: Cli, db_path: Path | str) -> None:
    """Six processes add, tag, review and search for a few seconds at once: every
    acknowledged record is there exactly once, tagged and indexed, and no process failed
    (SQLite waits for the write lock with its busy timeout; PostgreSQL takes rows locks)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(db_path), str(n), "4"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    acknowledged: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        acknowledged += out.splitlines()
    assert len(acknowledged) >= 6
    listed = [r["title"] for r in cli.ok("list", "-n", "100000", "--json").json()]
    assert sorted(listed) == sorted(acknowledged)  # each acknowledged write exactly once
    found = cli.ok("search", "议事厅", "-n", "100000", "--json").json()
    assert len(found) == len(acknowledged)
    assert "索引完好" in cli.ok("check").stderr
    tagged = cli.ok("list", "--tag", "共同缔造", "-n", "100000", "--json").json()
    assert len(tagged) == len(acknowledged)


_MIXED_WORKER = (
    """
import json, sys, time
from pathlib import Path
from typer.testing import CliRunner
from caselib.cli import app
from caselib.store import sqlite_backend
db, me, seconds, folder = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4])
# a short busy timeout: SQLite writers meet "database is locked" often, and are retried
sqlite_backend.BUSY_TIMEOUT_MS = int(sys.argv[5])
runner = CliRunner()
done = {"added": [], "imported": [], "edited": [], "trashed": [], "restored": [],
        "reported": [], "adopted": [], "renamed": []}
"""
    + _RUN
    + """
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    mark = f"{me}-{i}"
    rid = int(run("add", "-t", f"第{mark}例：社区议事厅", "-u", f"第{me}党支部",
                  input=f"居民议事{mark}。").strip())
    done["added"].append(rid)  # acknowledged: committed
    source = folder / f"来稿{mark}.txt"
    source.write_text(f"第{mark}篇来稿：楼栋长制度\\n\\n楼栋长走访{mark}。\\n", "utf-8")
    report = json.loads(run("import", str(source), "--unit", f"第{me}党支部", "--json"))[0]
    assert report["outcome"] == "imported", report
    done["imported"] += report["record_ids"]
    out = folder / f"md{mark}"
    run("export", str(rid), "-F", "md", "-o", str(out))
    page = next(out.iterdir())
    page.write_text(page.read_text("utf-8").replace("。", "，已修改。", 1), "utf-8")
    run("edit", str(rid), "--file", str(page))
    done["edited"].append(rid)
    run("report", str(rid), "--to", "省委教育工委")
    done["reported"].append(rid)
    run("adopt", str(rid), "--by", f"工作简报{mark}", "--level", "校级")
    done["adopted"].append(rid)
    run("tag", str(rid), f"+议事{mark}")
    run("tags", "rename", f"议事{mark}", f"协商{mark}")
    done["renamed"].append([rid, f"协商{mark}"])
    run("rm", str(rid))
    if i % 2:
        run("restore", str(rid))
        done["restored"].append(rid)
    else:
        done["trashed"].append(rid)
    i += 1
print(json.dumps(done, ensure_ascii=False))
"""
)


def test_processes_mixing_every_kind_of_write_lose_nothing(
    cli: Cli, db_path: Path | str, tmp_path: Path
) -> None:
    """Four processes add, import, edit, report, adopt, tag, rename tags, remove and
    restore for a few seconds at once: every acknowledged write is there exactly once, the
    index agrees, and no process failed (no lock or serialization error reached a user)."""
    procs = []
    for n in range(4):
        folder = tmp_path / f"w{n}"
        folder.mkdir()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _MIXED_WORKER,
                    str(db_path),
                    str(n),
                    "3",
                    str(folder),
                    "250",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    done: dict[str, list[Any]] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        for key, values in json.loads(out).items():
            done.setdefault(key, []).extend(values)
    assert len(done["added"]) >= 4
    library = Library.open(str(db_path))
    with library.session() as session:
        rows = {r.id: r for r in session.exec(select(Record))}
        tags = {r.id: {t.name for t in r.tags} for r in rows.values()}
        reports = list(session.exec(select(Report.record_id)))
        adoptions = list(session.exec(select(Adoption.record_id)))
    # every acknowledged add and import exactly once, and nothing else
    assert sorted(rows) == sorted(done["added"] + done["imported"])
    for rid in done["edited"]:
        assert "已修改" in json.dumps(rows[rid].body, ensure_ascii=False)
    assert sorted(reports) == sorted(done["reported"])
    assert sorted(adoptions) == sorted(done["adopted"])
    for rid, name in done["renamed"]:
        assert name in tags[rid]
    assert all(rows[rid].deleted_at is not None for rid in done["trashed"])
    assert all(rows[rid].deleted_at is None for rid in done["restored"])
    assert "索引完好" in cli.ok("check").stderr


def _transient_error(library: Library) -> Exception:
    """What the driver raises for a lock held too long (SQLite) or a deadlock (PostgreSQL)."""
    from sqlalchemy.exc import OperationalError

    if library.is_sqlite:
        return OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
    import psycopg

    return OperationalError("INSERT …", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def _unit_names(library: Library) -> list[str]:
    from sqlmodel import select

    with library.session() as session:
        return list(session.exec(select(Unit.name).where(Unit.name.startswith("重试"))))  # type: ignore[attr-defined]


def test_a_transient_failure_runs_the_whole_block_again(library: Library) -> None:
    """The first attempt writes, then fails as a deadlock/lock would: it is rolled back and
    the work runs again, so the row is there exactly once."""
    runs = 0

    def work(session: Session) -> str:
        nonlocal runs
        runs += 1
        session.add(Unit(name="重试单位"))
        session.flush()
        if runs == 1:
            raise _transient_error(library)
        return "done"

    assert library.write(work) == "done"
    assert runs == 2
    assert _unit_names(library) == ["重试单位"]


def test_other_failures_and_the_last_attempt_are_not_retried(library: Library) -> None:
    runs = 0

    def not_found(session: Session) -> None:
        nonlocal runs
        runs += 1
        session.add(Unit(name="重试二"))
        raise NotFoundError("记录不存在")

    with pytest.raises(NotFoundError):
        library.write(not_found)
    assert runs == 1
    runs = 0

    def always_locked(session: Session) -> None:
        nonlocal runs
        runs += 1
        session.add(Unit(name="重试三"))
        raise _transient_error(library)

    with pytest.raises(LibraryError, match="重试|稍后再试"):
        library.write(always_locked, attempts=3)
    assert runs == 3
    assert _unit_names(library) == []


@pytest.mark.sqlite_only
def test_sqlite_lock_held_past_the_busy_timeout_is_waited_out(
    library: Library, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another connection holds the write lock longer than the busy timeout: the first
    attempts fail with "database is locked", a later one succeeds once the lock is gone."""
    from caselib.store import sqlite_backend

    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 20)
    library.engine.dispose()  # new connections take the short timeout
    holder = sqlite3.connect(db_path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.15, holder.rollback)
    release.start()
    runs = 0

    def work(session: Session) -> None:
        nonlocal runs
        runs += 1
        session.add(Unit(name="重试四"))

    try:
        library.write(work, attempts=8)
    finally:
        release.join()
        holder.close()
    assert runs >= 2
    assert _unit_names(library) == ["重试四"]


@contextmanager
def _first_writing_commit_fails(library: Library) -> Iterator[list[int]]:
    """Make the first commit of a session that wrote (an insert, update or delete went to
    the database) fail as a lock timeout or deadlock would, after everything was written;
    yields the writing commits tried. Reading sessions pass."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlmodel import Session as SessionClass

    commits: list[int] = []
    real_commit = SessionClass.commit

    def mark(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            conn.info["wrote"] = True

    def commit(self: Session) -> None:
        self.flush()
        if self.in_transaction() and self.connection().info.pop("wrote", False):
            commits.append(1)
            if len(commits) == 1:
                raise _transient_error(library)
        real_commit(self)

    event.listen(Engine, "before_cursor_execute", mark)
    SessionClass.commit = commit  # type: ignore[method-assign]
    try:
        yield commits
    finally:
        SessionClass.commit = real_commit  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", mark)


def test_an_import_that_meets_a_lock_is_stored_once(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's transaction fails at its commit the first time: the file is stored again
    from the same reading, once, with one report (no warning or id counted twice)."""
    from caselib.intake.importing import ImportOptions, import_paths

    folder = tmp_path / "来稿"
    folder.mkdir()
    (folder / "一.txt").write_text("社区议事厅共同缔造\n\n居民议事，共谋共建。\n", "utf-8")
    (folder / "二.txt").write_text("楼栋长制度暖人心\n\n楼栋长走访，解民忧。\n", "utf-8")
    with _first_writing_commit_fails(library) as commits:
        reports = import_paths(library, [folder], ImportOptions(unit="机关党委"))
    assert len(commits) == 3  # the first file twice, the second once
    assert [r.outcome for r in reports] == ["imported", "imported"]
    assert [len(r.record_ids) for r in reports] == [1, 1]
    first = reports[0]
    assert len(first.warnings) == len(set(first.warnings))
    again = import_paths(library, [folder], ImportOptions(unit="机关党委"))
    assert [r.outcome for r in again] != ["imported", "imported"]  # already there: not twice
    with library.session() as session:
        titles = sorted(session.exec(select(Record.title)))
    assert titles == sorted(["社区议事厅共同缔造", "楼栋长制度暖人心"])


def test_edit_rm_report_and_rename_that_meet_a_lock_are_applied_once(
    cli: Cli, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command's first commit fails as a lock timeout would: each runs again and its
    change is there once (one report row, one adoption, the record in the trash, edited)."""
    rid = cli.ok("add", "-t", "社区议事厅", "-u", "机关党委", input="居民议事。").stdout.strip()
    cli.ok("export", rid, "-F", "md", "-o", str(tmp_path / "md"))
    changed = tmp_path / "改.md"
    exported = next((tmp_path / "md").iterdir()).read_text("utf-8")
    changed.write_text(exported.replace("居民议事。", "居民议事，共谋共建。"), "utf-8")
    steps = [
        ["edit", rid, "--file", str(changed)],
        ["tags", "add", "议事"],
        ["tag", rid, "+议事"],
        ["tags", "rename", "议事", "协商议事"],
        ["report", rid, "--to", "省委教育工委", "--date", "2022-11-12"],
        ["adopt", rid, "--by", "工作简报第8期", "--level", "省级", "--date", "2022-11-20"],
        [
            "export",
            rid,
            "-F",
            "docx",
            "-o",
            str(tmp_path / "简报.docx"),
            "--series",
            "工作简报",
            "--office",
            "党委办公室",
        ],
        ["rm", rid],
        ["restore", rid],
        ["rm", rid],
    ]
    for step in steps:
        with _first_writing_commit_fails(library) as commits:
            cli.ok(*step)
            assert len(commits) >= 2, step  # the commit that failed, then the one that held
    shown = cli.ok("trash", "--json").json()
    assert [r["id"] for r in shown] == [int(rid)]
    assert shown[0]["tags"] == ["协商议事"]
    assert len(cli.ok("bulletins", "--json").json()) == 1
    assert (tmp_path / "简报.docx").read_bytes().startswith(b"PK")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".caselib-")]
    record = cli.ok("show", rid, "--json").json()
    assert "共谋共建" in json.dumps(record["body"], ensure_ascii=False)
    kinds = [event["kind"] for event in record["history"]]
    assert kinds.count("report") == 1 and kinds.count("adoption") == 1, kinds
