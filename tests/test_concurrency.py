"""Several processes writing to one library at once lose nothing, on both backends, and a
write that meets a lock or a deadlock is run again (``Library.transactions``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from caselib.errors import LibraryError, NotFoundError
from caselib.store.library import Library
from caselib.store.tables import Unit
from tests.conftest import Cli

pytestmark = pytest.mark.backends

_WORKER = """
import sys, time
from typer.testing import CliRunner
from caselib.cli import app
db, me, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
runner = CliRunner()
def run(*args, input=None):
    result = runner.invoke(app, ["--db", db, *args], input=input)
    if result.exit_code != 0:
        sys.exit(f"{args[0]} failed: {result.stderr}{result.exception!r}")
    return result.stdout
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
    the block runs again, so the row is there exactly once."""
    runs = 0
    for attempt in library.transactions():
        with attempt as session:
            runs += 1
            session.add(Unit(name="重试单位"))
            session.flush()
            if runs == 1:
                raise _transient_error(library)
    assert runs == 2
    assert _unit_names(library) == ["重试单位"]


def test_other_failures_and_the_last_attempt_are_not_retried(library: Library) -> None:
    runs = 0
    with pytest.raises(NotFoundError):
        for attempt in library.transactions():
            with attempt as session:
                runs += 1
                session.add(Unit(name="重试二"))
                raise NotFoundError("记录不存在")
    assert runs == 1
    runs = 0
    with pytest.raises(LibraryError, match="重试|稍后再试"):
        for attempt in library.transactions(attempts=3):
            with attempt as session:
                runs += 1
                session.add(Unit(name="重试三"))
                raise _transient_error(library)
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
    try:
        for attempt in library.transactions(attempts=8):
            with attempt as session:
                runs += 1
                session.add(Unit(name="重试四"))
    finally:
        release.join()
        holder.close()
    assert runs >= 2
    assert _unit_names(library) == ["重试四"]
