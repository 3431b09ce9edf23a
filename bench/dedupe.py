"""Benchmark of near-duplicate detection (``caselib.dedupe``).

    python bench/dedupe.py [--sizes 1000 10000] [--copies 200] [--scan]

For each library size N it builds a SQLite library of N synthetic same-theme records, indexes
them, then times ``flag_record`` on planted edited copies of library records and on fresh
records, and reports:

* per-record ``flag_record`` time (mean, p50, p95) and its signature part;
* candidates fetched per lookup (records sharing a band, before verification);
* recall of planted pairs by kind of edit, and false flags of fresh records;
* with ``--scan``, whether the flagged pairs (``caselib dupes``) equal the scan's, and the
  time of ``scan_library``.

The records come from an order-2 character Markov chain trained on the test texts and the seed
bulletin (600–3,000 characters each), which jumps to a random state with probability
``--restart`` per character. With 0.3 (the default) unrelated records share 5-character
shingles as real same-theme records do: Jaccard mean 0.006, max 0.014, against mean 0.003, max
0.012 between the four test texts and the seed. ``--stress`` (no jumps) copies long runs of
the training text into every record: Jaccard mean ~0.1, eight times the real maximum, a
library where every record repeats the same stock phrases; it shows how the cost grows with
the number of candidates.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from hashlib import blake2b
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, SQLModel, col, create_engine, select
from textgen import Markov  # bench/ is on the path of a script run from it

from caselib import dedupe
from caselib.duplicates import flagged_pairs, scanned_pairs
from caselib.store.tables import DupeBand, Record, Unit
from caselib.text import minhash

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_6d8e0766dcaef642.txt"
UNITS = ["文学院", "外国语学院", "计算机与信息工程学院", "资源环境学院", "机关党委", "后勤保障部"]


def training_texts() -> list[str]:
    sys.path.insert(0, str(ROOT))  # ``tests`` is a package (its modules import ``.conftest``)
    module = importlib.import_module("tests.test_dedupe")
    texts = [text for _, text in module.ORIGINALS.values()]
    if SEED.exists():
        texts.append(SEED.read_text("utf-8"))
    return texts


def make_record(chain: Markov, rng: random.Random) -> tuple[str, str, str]:
    unit = rng.choice(UNITS)
    title = f"{unit}：{chain.paragraph(rng, rng.randint(8, 16)).rstrip('。')}"
    total = rng.randint(600, 3000)
    paras: list[str] = []
    while sum(map(len, paras)) < total:
        paras.append(chain.paragraph(rng, rng.randint(80, 400)))
    return unit, title, "\n\n".join(paras)


# -- edits ------------------------------------------------------------------------------------

Edit = Callable[[random.Random, str, str, str], tuple[str, str, str]]


def _sentences(text: str) -> list[str]:
    parts = text.replace("。", "。\x00").split("\x00")
    return [p for p in parts if p]


def few_chars(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    chars = list(text)
    for _ in range(rng.randint(3, 12)):
        chars[rng.randrange(len(chars))] = rng.choice("的一是在了和有大这主中人上为们地个用工时要")
    return unit, title, "".join(chars)


def sentence_added(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    sents = _sentences(text)
    sents.insert(
        rng.randrange(len(sents) + 1), "此外，党员干部还主动联系后勤部门，协调解决了热水供应问题。"
    )
    return unit, title, "".join(sents)


def sentence_removed(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    sents = _sentences(text)
    if len(sents) > 3:
        del sents[rng.randrange(len(sents))]
    return unit, title, "".join(sents)


def rebroken(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    flat = "".join(text.split("\n\n")).replace("，", ",").replace("“", "「").replace("”", "」")
    return unit, title, flat.replace(",", ",\n\n")


def other_unit(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    new = rng.choice([u for u in UNITS if u != unit])
    return new, title.replace(unit, new), text.replace(unit, new)


def combined(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
    for edit in (sentence_removed, few_chars, sentence_added, other_unit, rebroken):
        unit, title, text = edit(rng, unit, title, text)
    return unit, title, text


def scattered(rate: float) -> Edit:
    """A fraction ``rate`` of characters replaced at random places: the worst case for shingles."""

    def edit(rng: random.Random, unit: str, title: str, text: str) -> tuple[str, str, str]:
        chars = [
            rng.choice("的一是在了和有大这主中人上为们地个") if rng.random() < rate else c
            for c in text
        ]
        return unit, title, "".join(chars)

    edit.__name__ = f"scattered_{int(rate * 100)}pct"
    return edit


EDITS: list[Edit] = [
    few_chars,
    sentence_added,
    sentence_removed,
    rebroken,
    other_unit,
    combined,
    scattered(0.05),
    scattered(0.10),
    scattered(0.15),
]


# -- the run ------------------------------------------------------------------------------------


def make_session(path: Path) -> Session:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    SQLModel.metadata.create_all(engine)
    return Session(engine)


def add(session: Session, units: dict[str, int], unit: str, title: str, text: str) -> Record:
    if unit not in units:
        row = Unit(name=unit)
        session.add(row)
        session.flush()
        assert row.id is not None
        units[unit] = row.id
    record = Record(
        title=title,
        unit_id=units[unit],
        body=[{"type": "paragraph", "text": p} for p in text.split("\n\n")],
    )
    session.add(record)
    session.flush()
    return record


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def run(size: int, copies: int, scan: bool, chain: Markov, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, make_session(Path(tmp) / "bench.db") as session:
        units: dict[str, int] = {}
        originals: list[tuple[int, str, str, str]] = []
        t0 = time.process_time()
        for i in range(size):
            unit, title, text = make_record(chain, rng)
            record = add(session, units, unit, title, text)
            dedupe.index_record(session, record)
            assert record.id is not None
            originals.append((record.id, unit, title, text))
            if i % 1000 == 999:
                session.commit()
        session.commit()
        build = time.process_time() - t0
        chars = statistics.mean(
            len(dedupe.dedupe_text(t, [{"text": x}])) for _, _, t, x in originals
        )
        print(
            f"\n== library of {size} records (mean {chars:.0f} chars after cleaning); "
            f"add+index {build / size * 1e3:.2f} ms CPU/record =="
        )

        # cross-record Jaccard in this corpus, to compare with real same-theme records (≤ 0.012)
        sample = rng.sample(originals, min(200, size))
        shingles = [set(dedupe.shingle_hashes(dedupe.clean_text(t + x))) for _, _, t, x in sample]
        jac = [len(a & b) / len(a | b) for a, b in zip(shingles, shingles[1:], strict=False)]
        print(
            f"unrelated pairs: shingle Jaccard mean {statistics.mean(jac):.4f}, max {max(jac):.4f}"
        )

        times: list[float] = []
        cpu: list[float] = []
        sig_times: list[float] = []
        cands: list[int] = []
        hits: dict[str, list[float]] = {}
        false_flags = 0
        plan: list[tuple[str, int | None, tuple[str, str, str]]] = []
        for i in range(copies):
            edit = EDITS[i % len(EDITS)]
            rid, unit, title, text = rng.choice(originals)
            plan.append((edit.__name__, rid, edit(rng, unit, title, text)))
        for _ in range(copies // 2):
            plan.append(("fresh", None, make_record(chain, rng)))
        rng.shuffle(plan)

        for n, (name, orig, (unit, title, text)) in enumerate(plan):
            record = add(session, units, unit, title, text)
            t1, c1 = time.perf_counter(), time.process_time()
            found = dedupe.flag_record(session, record)
            times.append(time.perf_counter() - t1)
            cpu.append(time.process_time() - c1)
            c2 = time.process_time()
            values = dedupe.text_bands(dedupe.record_text(record))
            sig_times.append(time.process_time() - c2)
            sharing = session.connection().execute(
                select(DupeBand.record_id).where(col(DupeBand.value).in_(values))
            )
            cands.append(len(set(sharing.scalars()) - {record.id}))
            ids = [rid for rid, _ in found]
            if orig is None:
                false_flags += bool(ids)
            else:
                score = dedupe.similarity(title + text, originals_by_id(originals)[orig])
                hits.setdefault(name, []).append(score if orig in ids else -score)
            if n % 100 == 99:
                session.commit()
        session.commit()

        for label, values_s in (("wall", times), ("CPU", cpu)):
            ms = [t * 1e3 for t in values_s]
            print(
                f"flag_record {label}: mean {statistics.mean(ms):.2f} ms, "
                f"p50 {pct(ms, 0.5):.2f}, p95 {pct(ms, 0.95):.2f}"
                f" → {1000 / statistics.mean(ms):.0f} records/s"
            )
        print(f"  of which text+signature+bands (CPU): {statistics.mean(sig_times) * 1e3:.2f} ms")
        print(
            f"candidates per lookup: mean {statistics.mean(cands):.2f}, max {max(cands)} "
            f"(the planted original counts as one)"
        )
        print(f"fresh records wrongly flagged: {false_flags} of {copies // 2}")
        print(f"{'edit':<18} {'found':>7} {'similarity min–max':>20} {'missed at ≥ threshold':>22}")
        for name, scores in hits.items():
            found_n = sum(s >= 0 for s in scores)
            sims = [abs(s) for s in scores]
            missed = sum(s < 0 and -s >= dedupe.THRESHOLD for s in scores)
            print(
                f"{name:<18} {found_n:>3}/{len(scores):<3} {min(sims):>9.3f}–{max(sims):.3f}"
                f" {missed:>22}"
            )
        if scan:
            # ``caselib dupes`` lists the flagged pairs: do they equal the scan's?
            raw = session.connection().connection.driver_connection
            stored, scanned = flagged_pairs(raw), scanned_pairs(raw)
            missing = {(p.record_id, p.other_id) for p in scanned} - {
                (p.record_id, p.other_id) for p in stored
            }
            print(
                f"dupes: {len(stored)} flagged pairs, {len(scanned)} scanned, "
                f"{'equal' if stored == scanned else 'DIFFERENT'} ({len(missing)} not flagged)"
            )
            for rebuild in (False, True):
                t3, c3 = time.perf_counter(), time.process_time()
                pairs = dedupe.scan_library(session, rebuild=rebuild)
                print(
                    f"scan_library(rebuild={rebuild}): {time.perf_counter() - t3:.1f} s wall, "
                    f"{time.process_time() - c3:.1f} s CPU, {len(pairs)} pairs"
                )
            print(f"{len(session.exec(select(DupeBand.record_id)).all())} band rows")


_BY_ID: dict[int, str] = {}


def originals_by_id(originals: list[tuple[int, str, str, str]]) -> dict[int, str]:
    if len(_BY_ID) != len(originals):
        _BY_ID.clear()
        _BY_ID.update({rid: title + text for rid, _, title, text in originals})
    return _BY_ID


def configure(bands: int, rows: int) -> None:
    """Run with other banding parameters (``text.minhash``'s constants are patched)."""
    minhash.BANDS, minhash.ROWS, minhash.NUM_HASHES = bands, rows, bands * rows
    person = minhash._VERSION
    minhash._MASKS = tuple(
        int.from_bytes(blake2b(i.to_bytes(2, "big"), digest_size=4, person=person).digest(), "big")
        for i in range(bands * rows)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--copies", type=int, default=270, help="planted edited copies per size")
    parser.add_argument("--scan", action="store_true", help="also time scan_library")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart", type=float, default=0.3, help="Markov jump probability")
    parser.add_argument("--stress", action="store_true", help="no jumps (--restart 0)")
    parser.add_argument("--bands", type=int, help="try another number of bands")
    parser.add_argument("--rows", type=int, help="try another number of rows per band")
    args = parser.parse_args(argv)
    if args.bands or args.rows:
        configure(args.bands or minhash.BANDS, args.rows or minhash.ROWS)
    print(
        f"dedupe: K={minhash.K}, {minhash.BANDS} bands × {minhash.ROWS} rows, "
        f"threshold {dedupe.THRESHOLD}; Python {sys.version.split()[0]}"
    )
    restart = 0.0 if args.stress else args.restart
    print(f"corpus: Markov chain, jump probability {restart}")
    chain = Markov(training_texts(), restart)
    for size in args.sizes:
        run(size, args.copies, args.scan, chain, args.seed)


if __name__ == "__main__":
    main()
