"""Import rate: a folder of generated .docx files and one of .md files, in files per second,
with CPU time, wall time and peak memory, at two folder sizes (memory should stay flat as it
grows), side by side with a reference: a plain loop reading the same files (python-docx, or
the text) into sqlite3 without analysis, one transaction per file.

Goals (issue 14): at least 80 .docx/s and 500 .md/s on a 2-core machine, one transaction per
file. Each measure runs in a fresh process so that peak memory is its own; wall time is the
median of ``--runs`` runs; the load average is printed (CPU time matters when it is high).

Run:  python bench/import_rate.py [--docx 500] [--md 5000] [--runs 3]
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

ROOT = Path(__file__).resolve().parent.parent
UNITS = [
    "机关党委",
    "文学院党委",
    "生命科学学院党委",
    "后勤集团党委",
    "图书馆党总支",
    "计算机与信息工程学院党委",
]


def sentences() -> list[str]:
    """Every sentence of the sample library: realistic text, varied enough that generated
    records are as unlike each other as real ones (near-duplicate checks stay honest)."""
    found = []
    for path in sorted((ROOT / "cases").glob("*.md")):
        body = path.read_text("utf-8").split("\n---\n", 1)[1]
        for line in body.splitlines():
            if line and not line.startswith("#"):
                found += [s + "。" for s in line.split("。") if len(s) > 8]
    return found


SENTENCES = sentences()


def paragraph(rng: random.Random) -> str:
    figures = f"共解决问题{rng.randint(10, 300)}项，覆盖师生{rng.randint(100, 5000)}余人次。"
    return "".join(rng.sample(SENTENCES, 4)) + figures


def make_md(folder: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(n):
        unit = rng.choice(UNITS)
        body = []
        for h in range(3):
            body.append(f"## 第{h + 1}部分：做法与成效{i}")
            body += [paragraph(rng) for _ in range(2)]
        text = (
            f"---\nkind: case\ntitle: {unit}：案例第{i}号 “共同缔造”暖人心\nunit: {unit}\n"
            f"date: 2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\nstatus: submitted\n"
            f"tags: [共同缔造, {rng.choice(['决策共谋', '发展共建', '建设共管', '效果共评', '成果共享'])}]\n---\n\n"
            + "\n\n".join(body)
            + "\n"
        )
        (folder / f"{i:05d}.md").write_text(text, "utf-8")


def make_docx(folder: Path, n: int, seed: int) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rng = random.Random(seed)
    for i in range(n):
        unit = rng.choice(UNITS)
        doc = Document()
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run(f"{unit}：案例第{i}号 党建引领聚合力").bold = True
        for h, number in enumerate(["一、", "二、", "三、"]):
            doc.add_paragraph().add_run(f"{number}第{h + 1}部分做法与成效").bold = True
            for _ in range(2):
                doc.add_paragraph(paragraph(rng))
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


def run(script: str, folder: Path, db: Path) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", script, str(db), str(folder)],
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
    args = parser.parse_args()
    rows = []
    start_load = load()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for kind, sizes, make, goal in (
            ("docx", (args.docx // 5, args.docx), make_docx, 80),
            ("md", (args.md // 5, args.md), make_md, 500),
        ):
            for size in sizes:
                folder = root / f"{kind}-{size}"
                folder.mkdir()
                make(folder, size, seed=size)
                run(REFERENCE, folder, root / "warm.db")  # warm the file cache and imports
                ours = median_run(CASELIB, folder, root / "caselib.db", args.runs)
                ref = median_run(REFERENCE, folder, root / "reference.db", args.runs)
                rows.append((kind, size, goal, ours, ref))
    print(
        f"load average (1, 5, 15 min) before: {start_load}; after: {load()}; {os.cpu_count()} CPUs"
    )
    print(f"median of {args.runs} runs each; reference: read + insert into sqlite3, no analysis")
    print(
        f"{'files':>6} {'kind':>5} | {'files/s':>8} {'f/CPU-s':>8} {'wall s':>7} {'CPU s':>7} "
        f"{'peak MB':>8} | "
        f"{'ref f/s':>8} {'ref CPU':>7} {'ref MB':>7} | {'ratio':>6} {'goal':>5}  outcomes"
    )
    for kind, size, goal, ours, ref in rows:
        rate, ref_rate = ours["files"] / ours["wall"], ref["files"] / ref["wall"]
        print(
            f"{size:>6} {kind:>5} | {rate:>8.1f} {ours['files'] / ours['cpu']:>8.1f} "
            f"{ours['wall']:>7.2f} {ours['cpu']:>7.2f} "
            f"{ours['peak_mb']:>8.1f} | {ref_rate:>8.1f} {ref['cpu']:>7.2f} {ref['peak_mb']:>7.1f} | "
            f"{ref_rate / rate:>5.1f}x {goal:>5}  {ours['outcomes']}  "
            f"{'met' if rate >= goal else 'NOT met'}"
        )
    print(
        "f/CPU-s: files per second of the importer's own CPU time (what a quiet machine would "
        "approach); ratio: how many times faster the reference loop is (wall)"
    )


if __name__ == "__main__":
    main()
