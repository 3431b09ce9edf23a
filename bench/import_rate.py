"""Import rate: a folder of generated .docx files and one of .md files, in files per second,
with CPU time, wall time and peak memory, at two folder sizes (memory should stay flat as it
grows), side by side with a reference: a plain loop reading the same files (python-docx, or
the text) into sqlite3 without analysis, one transaction per file; and beside it two ceilings
no import can beat: the rate of the full-text index alone (``INDEX_ONLY``), and the rate of
writing the very rows the import wrote, values ready, without reading, analysis or ORM
(``WRITES_ONLY``).

Goals (issue 14): at least 80 .docx/s and 500 .md/s on a 2-core machine, one transaction per
file. Each measure runs in a fresh process so that peak memory is its own; wall time is the
median of ``--runs`` runs; the load average is printed (CPU time matters when it is high).

The generated records read like real ones and are as unlike each other (``--text markov``,
the default) or all repeat the same sentences (``--text sentences``); see ``Prose``.

Run:  python bench/import_rate.py [--docx 500] [--md 5000] [--runs 3] [--text markov]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from textgen import Markov  # bench/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parent.parent
UNITS = [
    "机关党委",
    "文学院党委",
    "生命科学学院党委",
    "后勤集团党委",
    "图书馆党总支",
    "计算机与信息工程学院党委",
]


def sample_bodies() -> list[str]:
    """The bodies of the sample library (``cases/``), paragraphs separated by blank lines."""
    bodies = []
    for path in sorted((ROOT / "cases").glob("*.md")):
        body = path.read_text("utf-8").split("\n---\n", 1)[1]
        bodies.append("\n\n".join(p for p in body.splitlines() if p and not p.startswith("#")))
    return bodies


def sentences() -> list[str]:
    """Every sentence of the sample library (296)."""
    found = []
    for body in sample_bodies():
        for line in body.split("\n\n"):
            found += [s + "。" for s in line.split("。") if len(s) > 8]
    return found


class Prose:
    """The paragraphs of generated records.

    ``markov`` (the default): an order-2 character chain trained on the sample library
    (``textgen.Markov``, jump probability 0.2). Unrelated records share 5-character shingles
    somewhat more than real ones (Jaccard mean 0.019, max 0.035 over 300 records of a 5,000
    folder, the headings and the figures sentence every record repeats included; the sample
    library's 14 records: mean 0.001, max 0.007): the near-duplicate check meets about as few
    candidates as on a real folder. ``sentences``: four whole sentences drawn from the same 296
    of the sample library: every record repeats sentences of hundreds of others (Jaccard mean
    0.053, max 0.25), a folder of look-alikes that fills the candidate lists
    (``dedupe.MAX_CANDIDATES``) with texts to verify.

    Either way, one file in 100 is a resubmission: an earlier file's body with a few
    characters changed, which the import flags as a near-duplicate."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.sentences = sentences()
        self.chain = Markov(sample_bodies(), 0.2)

    def paragraph(self, rng: random.Random) -> str:
        figures = f"共解决问题{rng.randint(10, 300)}项，覆盖师生{rng.randint(100, 5000)}余人次。"
        if self.kind == "sentences":
            return "".join(rng.sample(self.sentences, 4)) + figures
        return self.chain.paragraph(rng, rng.randint(150, 230)) + figures


def resubmission(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """An earlier record's paragraphs with a few characters changed."""
    edited = []
    for text in paragraphs:
        chars = list(text)
        for _ in range(rng.randint(0, 2)):
            chars[rng.randrange(len(chars))] = rng.choice("的一是在了和有大这主中人上为们")
        edited.append("".join(chars))
    return edited


def record_paragraphs(
    rng: random.Random, prose: Prose, i: int, earlier: list[list[str]]
) -> list[str]:
    """The six paragraphs of record ``i`` (``earlier``: those of the records before it)."""
    if i % 100 == 99:
        return resubmission(rng, rng.choice(earlier))
    return [prose.paragraph(rng) for _ in range(6)]


def make_md(folder: Path, n: int, seed: int, prose: Prose) -> None:
    rng = random.Random(seed)
    earlier: list[list[str]] = []
    for i in range(n):
        unit = rng.choice(UNITS)
        paragraphs = record_paragraphs(rng, prose, i, earlier)
        earlier.append(paragraphs)
        body = []
        for h in range(3):
            body.append(f"## 第{h + 1}部分：做法与成效{i}")
            body += paragraphs[2 * h : 2 * h + 2]
        text = (
            f"---\nkind: case\ntitle: {unit}：案例第{i}号 “共同缔造”暖人心\nunit: {unit}\n"
            f"date: 2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\nstatus: submitted\n"
            f"tags: [共同缔造, {rng.choice(['决策共谋', '发展共建', '建设共管', '效果共评', '成果共享'])}]\n---\n\n"
            + "\n\n".join(body)
            + "\n"
        )
        (folder / f"{i:05d}.md").write_text(text, "utf-8")


def make_docx(folder: Path, n: int, seed: int, prose: Prose) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rng = random.Random(seed)
    earlier: list[list[str]] = []
    for i in range(n):
        unit = rng.choice(UNITS)
        paragraphs = record_paragraphs(rng, prose, i, earlier)
        earlier.append(paragraphs)
        doc = Document()
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run(f"{unit}：案例第{i}号 党建引领聚合力").bold = True
        for h, number in enumerate(["一、", "二、", "三、"]):
            doc.add_paragraph().add_run(f"{number}第{h + 1}部分做法与成效").bold = True
            for text in paragraphs[2 * h : 2 * h + 2]:
                doc.add_paragraph(text)
        doc.save(str(folder / f"{i:04d}.docx"))


# Each measured import runs in a fresh process, so that peak memory is its own. VmHWM: the
# process's own peak (ru_maxrss would carry the parent's peak across exec).
MEASURE = """
import json, os, sys, time
def finish(files, wall, cpu, extra):
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
    print(json.dumps({"files": files, "wall": wall, "cpu": cpu, "peak_mb": peak / 1024, **extra}))
"""

CASELIB = (
    MEASURE
    + """
from pathlib import Path
from caselib.tags import init_library
from caselib.intake.importing import ImportOptions, import_paths
lib, _ = init_library(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
reports = import_paths(lib, [Path(sys.argv[2])], ImportOptions())
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
outcomes = {}
for r in reports:
    outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
finish(len(reports), wall, cpu, {"outcomes": outcomes})
"""
)

# The floor a user's own script would hit: read each file (python-docx for .docx, the text of
# a .md), no analysis, and insert title and text into SQLite, one transaction per file, in
# the same journal mode (WAL, synchronous=NORMAL) as a library.
REFERENCE = (
    MEASURE
    + """
import sqlite3
from pathlib import Path
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, path TEXT, title TEXT, body TEXT)")
start, cpu = time.perf_counter(), time.process_time()
files = sorted(Path(sys.argv[2]).iterdir())
for path in files:
    if path.suffix == ".docx":
        from docx import Document
        texts = [p.text for p in Document(str(path)).paragraphs]
    else:
        texts = path.read_text("utf-8").splitlines()
    title = next((t for t in texts if t.strip()), "")
    db.execute("BEGIN")
    db.execute("INSERT INTO doc (path, title, body) VALUES (?, ?, ?)",
               (str(path), title, "\\n".join(texts)))
    db.execute("COMMIT")
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
finish(len(files), wall, cpu, {})
"""
)

# What the full-text index alone costs, the part of an import no other work can save: the
# library's own FTS5 table (its definition read from the library caselib just wrote) filled
# with the same tokens (``record_fts_src``, as caselib indexed them), one transaction per
# record, in a new file with the same journal settings; only the insert loop is timed.
INDEX_ONLY = (
    MEASURE
    + """
import json, sqlite3, zlib
from caselib.store.sqlite_backend import FTS_COLUMNS, FTS_TABLE, SRC_TABLE, column_tokens
lib = sqlite3.connect(sys.argv[2])
ddl = lib.execute("SELECT sql FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone()[0]
docs = [(rid, *(column_tokens(c) for c in json.loads(zlib.decompress(data))))
        for rid, data in lib.execute(f"SELECT id, data FROM {SRC_TABLE} ORDER BY id")]
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute(ddl)
insert = (f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FTS_COLUMNS)}) "
          f"VALUES (?{', ?' * len(FTS_COLUMNS)})")
start, cpu = time.perf_counter(), time.process_time()
for doc in docs:
    db.execute("BEGIN")
    db.execute(insert, doc)
    db.execute("COMMIT")
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
finish(len(docs), wall, cpu, {})
"""
)

# What writing alone costs: the rows the import wrote (each record, its tags, full-text row and
# index source, near-duplicate bands and pairs, impact_added), read back from the library
# caselib just wrote and written again into a new library (same schema, same units and tags),
# one transaction per record, by plain sqlite3 with every value ready, including the look-ups
# and the near-duplicate candidate query an import makes: no reading, no analysis, no ORM.
# Only the loop is timed. No import writing these rows one transaction per file can beat it.
WRITES_ONLY = (
    MEASURE
    + """
import json, sqlite3, zlib
from caselib.dedupe import _find_statement
from caselib.store.sqlite_backend import (
    FTS_COLUMNS, FTS_TABLE, SRC_TABLE, column_tokens, configure_connection)
from caselib.tags import init_library
lib = sqlite3.connect(sys.argv[2])
cols = [r[1] for r in lib.execute("PRAGMA table_info(record)")]
rows = lib.execute(f"SELECT {', '.join(cols)} FROM record ORDER BY id").fetchall()
def by_record(sql):
    found = {}
    for row in lib.execute(sql):
        found.setdefault(row[0], []).append(row)
    return found
tags = by_record("SELECT record_id, tag_id, position FROM record_tag")
bands = by_record("SELECT record_id, band, value FROM dupe_band")
pairs = by_record("SELECT record_id, other_id, similarity, detected_at FROM near_duplicate")
src = {rid: (h, d) for rid, h, d in lib.execute(f"SELECT id, hash, data FROM {SRC_TABLE}")}
fts = {rid: [column_tokens(c) for c in json.loads(zlib.decompress(d))]
       for rid, (_, d) in src.items()}
init_library(sys.argv[1])[0].engine.dispose()
db = sqlite3.connect(sys.argv[1], isolation_level=None)
configure_connection(db)
db.execute("ATTACH ? AS old", (sys.argv[2],))
for table in ("tag", "unit"):
    db.execute(f"DELETE FROM main.{table}")
    db.execute(f"INSERT INTO main.{table} SELECT * FROM old.{table}")
db.execute("DETACH old")
at = {name: i for i, name in enumerate(cols)}
insert = f"INSERT INTO record ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
index = (f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FTS_COLUMNS)}) "
         f"VALUES (?{', ?' * len(FTS_COLUMNS)})")
start, cpu = time.perf_counter(), time.process_time()
for row in rows:
    rid = row[0]
    db.execute("BEGIN IMMEDIATE")
    db.execute("SELECT id FROM record WHERE source_hash = ? AND source_name = ?",
               (row[at["source_hash"]], row[at["source_name"]])).fetchone()
    db.execute("SELECT id FROM record WHERE source_path = ? AND deleted_at IS NULL",
               (row[at["source_path"]],)).fetchone()
    db.execute("SELECT id, title FROM record WHERE content_hash = ? AND deleted_at IS NULL",
               (row[at["content_hash"]],)).fetchone()
    db.execute(insert, row)
    db.executemany("INSERT INTO record_tag VALUES (?, ?, ?)", tags.get(rid, []))
    db.execute(index, (rid, *fts[rid]))
    db.execute(f"INSERT INTO {SRC_TABLE} VALUES (?, ?, ?)", (rid, *src[rid]))
    db.execute("INSERT INTO impact_added VALUES (?)", (rid,))
    mine = bands.get(rid, [])
    db.executemany("INSERT INTO dupe_band VALUES (?, ?, ?)", mine)
    if mine:
        db.execute(_find_statement(len(mine)), (*[v for _, _, v in mine], rid)).fetchall()
    db.executemany("INSERT INTO near_duplicate VALUES (?, ?, ?, ?)", pairs.get(rid, []))
    db.execute("COMMIT")
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
finish(len(rows), wall, cpu, {})
"""
)


# Compiled modules are kept (in a folder of the run) even when PYTHONDONTWRITEBYTECODE is set,
# as they are for a user: otherwise every measured process compiles caselib's modules again,
# some 0.3 s of CPU charged to the import.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(script: str, folder: Path, db: Path) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", script, str(db), str(folder)],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def median_run(script: str, folder: Path, db: Path, runs: int) -> dict[str, Any]:
    """The run of median wall time among ``runs`` (each into a new library)."""
    results = sorted((run(script, folder, db) for _ in range(runs)), key=lambda r: r["wall"])
    return results[len(results) // 2]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docx", type=int, default=500)
    parser.add_argument("--md", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median wall)")
    parser.add_argument(
        "--text",
        choices=("markov", "sentences"),
        default="markov",
        help="generated prose: like real records (markov) or look-alikes (sentences); see Prose",
    )
    args = parser.parse_args()
    prose = Prose(args.text)
    rows = []
    start_load = load()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ENV["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        for kind, sizes, make, goal in (
            ("docx", (args.docx // 5, args.docx), make_docx, 80),
            ("md", (args.md // 5, args.md), make_md, 500),
        ):
            for size in sizes:
                if size == 0:
                    continue
                folder = root / f"{kind}-{size}"
                folder.mkdir()
                make(folder, size, seed=size, prose=prose)
                # warm the file cache, and compile the modules each side imports
                run(REFERENCE, folder, root / "warm.db")
                if size == sizes[0]:
                    run(CASELIB, folder, root / "warm.db")
                ours = median_run(CASELIB, folder, root / "caselib.db", args.runs)
                ref = median_run(REFERENCE, folder, root / "reference.db", args.runs)
                index = run(INDEX_ONLY, root / "caselib.db", root / "index.db")
                writes = run(WRITES_ONLY, root / "caselib.db", root / "writes.db")
                rows.append((kind, size, goal, ours, ref, index, writes))
    print(
        f"load average (1, 5, 15 min) before: {start_load}; after: {load()}; {os.cpu_count()} CPUs"
    )
    print(f"text: {args.text} (see Prose)")
    print(f"median of {args.runs} runs each; reference: read + insert into sqlite3, no analysis")
    print(
        f"{'files':>6} {'kind':>5} | {'files/s':>8} {'f/CPU-s':>8} {'wall s':>7} {'CPU s':>7} "
        f"{'peak MB':>8} | "
        f"{'ref f/s':>8} {'ref CPU':>7} {'ref MB':>7} | {'index/s':>8} {'writes/s':>8} | "
        f"{'ratio':>6} "
        f"{'goal':>5}  outcomes"
    )
    for kind, size, goal, ours, ref, index, writes in rows:
        rate, ref_rate = ours["files"] / ours["wall"], ref["files"] / ref["wall"]
        print(
            f"{size:>6} {kind:>5} | {rate:>8.1f} {ours['files'] / ours['cpu']:>8.1f} "
            f"{ours['wall']:>7.2f} {ours['cpu']:>7.2f} "
            f"{ours['peak_mb']:>8.1f} | {ref_rate:>8.1f} {ref['cpu']:>7.2f} {ref['peak_mb']:>7.1f} | "
            f"{index['files'] / index['wall']:>8.1f} {writes['files'] / writes['wall']:>8.1f} | "
            f"{ref_rate / rate:>5.1f}x {goal:>5}  {ours['outcomes']}  "
            f"{'met' if rate >= goal else 'NOT met'}"
        )
    print(
        "f/CPU-s: files per second of the importer's own CPU time (what a quiet machine would "
        "approach); index/s: records per second of the full-text index alone (the library's "
        "FTS5 table and tokens, one transaction per record: a ceiling for any import that "
        "keeps this index); writes/s: records per second of writing the rows the import wrote, "
        "values ready, by plain sqlite3, one transaction per record (no reading, analysis or "
        "ORM: a ceiling for any import writing them); ratio: how many times faster the "
        "reference loop is (wall)"
    )


if __name__ == "__main__":
    main()
