"""Real documents read as a person reads them: field-by-field score against labels.json.

Each document of ``../shared/realdocs`` (or ``--dir``) is read with no hints (no --unit, no
folder, no file name) and compared with the labels a person wrote for it. Printed: the share
of right fields per field, overall, and every mismatch.

What is scored: the record as stored. Each file is imported with no hints (no --unit)
through ``caselib.intake.importing.import_file`` into a fresh temporary library; a refused
file scores every field wrong. A field the import marked missing (``Record.missing``: the
unit stands in as 待补单位, the title as the file name) counts as not found (None), which is
what a null label asks for. ``--reader`` scores what the reader returns instead
(``caselib.intake.readers.read_document``), before the importer's fall-backs. For a file
that holds several articles (a compilation) the first is compared, as the labels describe
the first.

Comparison rules (the same in ``tests/test_realdocs.py``):
* Text is normalised before comparing: NFKC (full-width and half-width punctuation and
  digits compare equal: "，" = ",", "：" = ":", "（" = "("), every kind of whitespace
  removed, "・" / "·" / "•" read as one middle dot.
* title: a leading column tag (【最美后勤人】, 党建专栏｜ / 党建专栏 | , 悦读坊丨) and a leading
  "单位：" prefix (a unit-like name before a colon) are dropped from both sides; a null
  label needs no title found (None).
* unit: equal after normalisation; null label needs None.
* date: equal ISO date; a label "YYYY-MM" (the text gives only a month) is right when the
  date read lies in that month; null needs None.
* headings: the list of heading texts, in order, equal after normalisation.
* paragraph_count: the number of paragraph blocks (a table is not a paragraph).
* first/last_paragraph_start: the normalised first (last) paragraph starts with the
  normalised label (labels hold its first 15 characters).
* bulletin: null label needs no bulletin frame; otherwise series and office must match and
  number/date must match where the label gives them.
* noise: none of the noise strings appears in the title or any block; a noise string of
  three characters or fewer must not be a whole block or the title (it may occur in
  running text, e.g. "其他").

Run:  python bench/realdocs.py [--dir ../shared/realdocs] [--reader] [--quiet]
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "realdocs"
FIELDS = (
    "title",
    "unit",
    "date",
    "headings",
    "paragraph_count",
    "first_paragraph_start",
    "last_paragraph_start",
    "bulletin",
    "noise",
)

_WS = re.compile(r"\s+")
_COLUMN_TAG = re.compile(r"^(?:【[^】]{1,20}】|[^|丨:：,，。]{1,10}[|丨])")
_UNIT_PREFIX = re.compile(r"^([^:：,，。“”\"]{2,25})[:：]")


def norm(text: str | None) -> str:
    """NFKC, no whitespace, one middle dot."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("・", "·").replace("•", "·").replace("‧", "·")
    return _WS.sub("", text)


def norm_title(text: str | None) -> str:
    from caselib.intake.readers.lines import unit_like

    value = norm(text)
    value = _COLUMN_TAG.sub("", value, count=1)
    m = _UNIT_PREFIX.match(value)
    if m and unit_like(m[1]):
        value = value[m.end() :]
    return value


@dataclass
class Outcome:
    file: str
    right: dict[str, bool] = field(default_factory=dict)
    got: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def read(path: Path) -> Any:
    from caselib.intake.readers import read_document

    return read_document(path)


def read_stored(path: Path) -> Any:
    """The first record (and bulletin) as the importer stores them, in a fresh library."""
    import tempfile
    from types import SimpleNamespace

    from caselib.bulletins import get_bulletin
    from caselib.intake.importing import ImportOptions, import_file
    from caselib.records import get_record, record_to_input
    from caselib.tags import init_library

    with tempfile.TemporaryDirectory() as tmp:
        lib, _created = init_library(str(Path(tmp) / "realdocs.db"))
        report = import_file(lib, path, ImportOptions())
        if report.outcome != "imported" or not report.record_ids:
            raise RuntimeError(report.message or report.outcome)
        with lib.session() as session:
            record = record_to_input(get_record(session, report.record_ids[0]))
            article = SimpleNamespace(
                title=None if "title" in record.missing else record.title,
                unit=None if "unit" in record.missing else record.unit,
                date=record.date,
                blocks=record.body,
            )
            bulletin = None
            if report.bulletin_id is not None:
                frame = get_bulletin(session, report.bulletin_id)
                bulletin = SimpleNamespace(
                    series=frame.series, office=frame.office, number=frame.number, date=frame.date
                )
        return SimpleNamespace(articles=[article], bulletin=bulletin)


def _date_right(expected: str | None, got: datetime.date | None) -> bool:
    if expected is None:
        return got is None
    if got is None:
        return False
    if re.fullmatch(r"\d{4}-\d{2}", expected):
        return got.strftime("%Y-%m") == expected
    return got.isoformat() == expected


def _starts(expected: str | None, got: str | None) -> bool:
    if expected is None:
        return got is None
    a, b = norm(expected), norm(got)
    return bool(b) and (b.startswith(a) or (len(b) < len(a) and a.startswith(b)))


def _noise_right(noise: list[str], title: str | None, texts: list[str]) -> tuple[bool, list[str]]:
    found = []
    everything = [title or "", *texts]
    for item in noise:
        n = norm(item)
        if not n:
            continue
        if len(n) <= 3:
            hit = any(norm(t) == n for t in everything)
        else:
            hit = any(n in norm(t) for t in everything)
        if hit:
            found.append(item)
    return not found, found


def _bulletin_right(expected: dict[str, Any] | None, got: Any) -> bool:
    if expected is None:
        return got is None
    if got is None:
        return False
    if norm(expected.get("series")) != norm(got.series):
        return False
    if expected.get("office") and norm(expected["office"]) != norm(got.office):
        return False
    if expected.get("number") is not None and expected["number"] != got.number:
        return False
    return not (
        expected.get("date") is not None
        and (got.date is None or got.date.isoformat() != expected["date"])
    )


def score_one(path: Path, label: dict[str, Any], stored: bool = True) -> Outcome:
    out = Outcome(label["file"])
    try:
        doc = read_stored(path) if stored else read(path)
    except Exception as exc:  # a refused file: every field is wrong
        out.error = f"{type(exc).__name__}: {exc}"
        out.right = dict.fromkeys(FIELDS, False)
        return out
    art = doc.articles[0] if doc.articles else None
    blocks = art.blocks if art else []
    paragraphs = [b.text for b in blocks if b.type == "paragraph"]
    headings = [b.text for b in blocks if b.type == "heading"]
    title = art.title if art else None
    got = {
        "title": title,
        "unit": art.unit if art else None,
        "date": art.date.isoformat() if art and art.date else None,
        "headings": headings,
        "paragraph_count": len(paragraphs),
        "first_paragraph_start": paragraphs[0][:15] if paragraphs else None,
        "last_paragraph_start": paragraphs[-1][:15] if paragraphs else None,
        "bulletin": None,
        "noise": [],
    }
    if doc.bulletin is not None:
        b = doc.bulletin
        got["bulletin"] = {"series": b.series, "number": b.number, "office": b.office}
    right = {
        "title": (label["title"] is None and title is None)
        or (label["title"] is not None and norm_title(label["title"]) == norm_title(title)),
        "unit": (label["unit"] is None and (art is None or art.unit is None))
        or (
            label["unit"] is not None and art is not None and norm(label["unit"]) == norm(art.unit)
        ),
        "date": _date_right(label["date"], art.date if art else None),
        "headings": [norm(h) for h in label["headings"]] == [norm(h) for h in headings],
        "paragraph_count": label["paragraph_count"] == len(paragraphs),
        "first_paragraph_start": _starts(
            label["first_paragraph_start"], paragraphs[0] if paragraphs else None
        ),
        "last_paragraph_start": _starts(
            label["last_paragraph_start"], paragraphs[-1] if paragraphs else None
        ),
        "bulletin": _bulletin_right(label.get("bulletin"), doc.bulletin),
    }
    right["noise"], got["noise"] = _noise_right(
        label.get("noise") or [], title, [b.text for b in blocks]
    )
    out.right, out.got = right, got
    out.expected = {f: label.get(f) for f in FIELDS}
    return out


def score_all(directory: Path, stored: bool = True) -> list[Outcome]:
    labels = json.loads((directory / "labels.json").read_text("utf-8"))
    return [score_one(directory / label["file"], label, stored) for label in labels]


def totals(outcomes: list[Outcome]) -> tuple[dict[str, float], float]:
    per_field = {}
    for f in FIELDS:
        values = [o.right[f] for o in outcomes]
        per_field[f] = sum(values) / len(values) if values else 0.0
    every = [v for o in outcomes for v in o.right.values()]
    return per_field, (sum(every) / len(every) if every else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--quiet", action="store_true", help="只打印汇总")
    parser.add_argument(
        "--reader", action="store_true", help="按读取器的结果评分（不经导入时的补全）"
    )
    args = parser.parse_args()
    outcomes = score_all(args.dir, stored=not args.reader)
    per_field, overall = totals(outcomes)
    if not args.quiet:
        for o in outcomes:
            if o.error:
                print(f"{o.file}: 读取失败 {o.error}")
                continue
            for f in FIELDS:
                if not o.right[f]:
                    print(
                        f"{o.file} [{f}]\n    应为 {o.expected.get(f)!r}\n    实为 {o.got.get(f)!r}"
                    )
    print()
    for f in FIELDS:
        print(f"{f:24s} {per_field[f] * 100:6.1f} %")
    failed = sum(1 for o in outcomes if o.error)
    print(f"{'overall':24s} {overall * 100:6.1f} %   ({len(outcomes)} files, {failed} refused)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
