"""Real documents nobody on this project wrote, read with no hints and scored field by field
against what a person reads in them (``../shared/realdocs/labels.json``).

The comparison rules are those of ``bench/realdocs.py`` (its docstring states them). The
folder lives outside the repository: the test skips when it is absent, except under CI=true.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from .conftest import ROOT, SHARED, need_shared

REALDOCS = SHARED / "realdocs"


@pytest.fixture(autouse=True)
def _realdocs() -> None:
    need_shared(REALDOCS / "labels.json")


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realdocs_bench", ROOT / "bench" / "realdocs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_every_real_document_is_imported_and_95_percent_of_fields_are_right() -> None:
    """Each document imported with no hints into a fresh library, the stored record scored."""
    bench = _bench()
    outcomes = bench.score_all(REALDOCS)
    assert outcomes, "labels.json lists no document"
    refused = {o.file: o.error for o in outcomes if o.error}
    assert not refused, f"readable files refused: {refused}"
    _per_field, overall = bench.totals(outcomes)
    wrong = [f"{o.file}[{f}]" for o in outcomes for f, ok in o.right.items() if not ok]
    assert overall >= 0.95, f"{overall:.1%} of fields right; wrong: {wrong}"


def test_the_comparison_can_fail() -> None:
    """A wrong reading is scored wrong: the same labels against another file's text."""
    import json

    bench = _bench()
    labels = json.loads((REALDOCS / "labels.json").read_text("utf-8"))
    first, second = labels[0], labels[1]
    outcome = bench.score_one(REALDOCS / second["file"], first, stored=False)
    assert not outcome.right["title"] and not outcome.right["first_paragraph_start"]
