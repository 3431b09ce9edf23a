"""Several processes writing to one library at once lose nothing, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
