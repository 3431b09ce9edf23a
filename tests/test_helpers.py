"""The suite's own rules: material from ../shared may be missing on a developer's machine, never
under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import conftest


def test_a_missing_seed_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="is not available"):
        conftest.need_shared(tmp_path / "shared" / "seeds" / "第13期.txt")


def test_a_missing_seed_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="is required under CI"):
        conftest.need_shared(tmp_path / "shared" / "seeds" / "第13期.txt")


def test_the_seed_is_found_next_to_the_repository() -> None:
    root = Path(__file__).resolve().parent.parent
    assert conftest.SEED == root.parent / "shared" / "seeds" / "000_6d8e0766dcaef642.txt"
    if conftest.IN_CI:
        assert conftest.SEED.is_file()


def test_no_test_reaches_shared_through_a_fixed_absolute_path() -> None:
    import re

    absolute = re.compile(r"[\"']/[^\"'\n]*shared/seeds")  # an absolute path to the seeds, quoted
    for path in Path(__file__).resolve().parent.glob("*.py"):
        assert not absolute.search(path.read_text("utf-8")), path.name


def test_visual_is_cleared_for_every_test() -> None:
    import os

    assert "VISUAL" not in os.environ
    assert os.environ["EDITOR"] == "false"
