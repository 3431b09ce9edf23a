"""The read path: read commands answer with plain SQL, without the ORM, and a record read that
way is the record the ORM holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caselib.records import get_record, record_to_json
from caselib.store.library import Library
from tests.conftest import Cli, is_postgres

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
]


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


def test_show_of_a_missing_record(sample: Cli) -> None:
    run = sample("show", "404")
    assert run.exit_code == 1
    assert run.stderr.strip() == "错误：记录不存在：404"


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_commands_never_load_the_orm(
    sample: Cli, db_path: Path | str, args: list[str]
) -> None:
    """Run in a process of its own, the command never imports SQLAlchemy or SQLModel (on
    SQLite: a PostgreSQL library is opened through the ORM's connection settings)."""
    if is_postgres(db_path):
        pytest.skip("the ORM-free start-up is the SQLite path")
    sample.ok("rm", "5")  # the trash holds something
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
