"""Shared fixtures: every test gets its own library file; nothing touches the user's data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from caselib.cli import app
from caselib.store.library import Library
from caselib.tags import init_library

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "cases"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_6d8e0766dcaef642.txt"
IN_CI = os.environ.get("CI") == "true"


def need_tool_or_skip(name: str) -> None:
    """Skip when an external tool is missing, except under CI, where it must be there."""
    import shutil

    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail(f"{name} is required under CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed on this machine")


def need_shared(path: Path = SHARED) -> Path:
    """``path`` under ../shared (the seed bulletin): skipped when this checkout has no
    ../shared, except under CI, where its absence is a failure (like a missing LibreOffice)."""
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is required under CI (the seed bulletin in ../shared)")
        pytest.skip(f"{path} is not available (../shared is not next to this checkout)")
    return path


def need_seed() -> Path:
    """The seed bulletin (``need_shared``)."""
    return need_shared(SEED)


@pytest.fixture
def seed_path() -> Path:
    """The seed bulletin's path: skipped without ../shared, a failure under CI."""
    return need_seed()


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("CASELIB_DB", raising=False)
    # The code prefers VISUAL to EDITOR: a VISUAL set by the person running the tests must
    # not replace the editors the tests give.
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "false")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lib.db"


@pytest.fixture
def library(db_path: Path) -> Library:
    lib, _ = init_library(str(db_path))
    return lib


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Cli:
    """Runs caselib against one library file, stdout and stderr kept apart."""

    db: Path

    def __call__(
        self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Run:
        runner = CliRunner()
        result = runner.invoke(app, ["--db", str(self.db), *args], input=input, env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)

    def ok(self, *args: str, input: str | bytes | None = None) -> Run:
        run = self(*args, input=input)
        assert run.exit_code == 0, run.stderr + run.stdout
        return run


@pytest.fixture
def cli(db_path: Path, library: Library) -> Cli:
    return Cli(db_path)


@pytest.fixture
def sample(cli: Cli) -> Iterator[Cli]:
    """A library holding the bundled sample cases."""
    cli.ok("import", str(CASES_DIR))
    yield cli
