"""Crash safety: an import killed mid-way (SIGKILL) leaves a library that opens and passes
``check``, and running the import again completes it without duplicates. On both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CASES_DIR, Cli

pytestmark = pytest.mark.backends

UNITS = ["机关党委", "文学院党委", "计算机学院党委", "图书馆党总支", "后勤保障部党委"]


def make_inbox(folder: Path, n: int) -> None:
    """``n`` distinct case files, made from the sample cases with their own titles."""
    folder.mkdir()
    sources = sorted(CASES_DIR.glob("*.md"))
    for i in range(n):
        text = sources[i % len(sources)].read_text("utf-8")
        head, _, body = text.partition("\n---\n")
        lines = [
            f"title: {UNITS[i % len(UNITS)]}：第{i + 1}个社区共建项目" if ln.startswith("title:")
            else ln
            for ln in head.splitlines()
        ]  # fmt: skip
        (folder / f"{i + 1:03d}.md").write_text(
            "\n".join(lines) + "\n---\n" + body + f"\n\n第{i + 1}号项目的做法与成效。\n", "utf-8"
        )


def _count(cli: Cli) -> int:
    run = cli("list", "-n", "100000", "--json")
    return len(run.json()) if run.exit_code == 0 and run.stdout.strip() else 0


def test_import_killed_midway_then_completed_without_duplicates(
    cli: Cli, db_path: Path | str, tmp_path: Path
) -> None:
    inbox = tmp_path / "收件箱"
    make_inbox(inbox, 80)
    proc = subprocess.Popen(
        [sys.executable, "-m", "caselib", "--db", str(db_path), "import", str(inbox)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )
    deadline = time.monotonic() + 120
    while _count(cli) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    partial = _count(cli)
    assert 5 <= partial < 80, "the import was not interrupted mid-way"
    assert "索引完好" in cli.ok("check").stderr
    cli.ok("import", str(inbox))
    titles = [r["title"] for r in cli.ok("list", "-n", "100000", "--json").json()]
    assert len(titles) == 80 and len(set(titles)) == 80
    assert "索引完好" in cli.ok("check").stderr
    hits = cli.ok("search", "社区共建项目", "-n", "1000", "--json").json()
    assert len(hits) == 80
