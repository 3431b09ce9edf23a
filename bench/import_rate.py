"""Import rate: a folder of generated .docx files and one of .md files, in files per second,
with peak memory, side by side at two folder sizes (memory should stay flat as it grows).

Goals (issue "Import what units actually send"): at least 50 .docx/s and 500 .md/s on a
2-core machine. Each size runs in a fresh process so that peak memory is its own.

Run:  python bench/import_rate.py [--docx 500] [--md 5000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

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


CHILD = """
import json, sys, time
from pathlib import Path
from caselib.tags import init_library
from caselib.intake.importing import ImportOptions, import_paths
lib, _ = init_library(sys.argv[1])
start = time.perf_counter()
reports = import_paths(lib, [Path(sys.argv[2])], ImportOptions())
seconds = time.perf_counter() - start
outcomes = {}
for r in reports:
    outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
# VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across exec)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"files": len(reports), "seconds": seconds, "peak_mb": peak, "outcomes": outcomes}))
"""


def run(folder: Path, db: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docx", type=int, default=500)
    parser.add_argument("--md", type=int, default=5000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for kind, sizes, make, goal in (
            ("docx", (args.docx // 5, args.docx), make_docx, 50),
            ("md", (args.md // 5, args.md), make_md, 500),
        ):
            for size in sizes:
                folder = root / f"{kind}-{size}"
                folder.mkdir()
                make(folder, size, seed=size)
                result = run(folder, root / f"{kind}-{size}.db")
                rate = result["files"] / result["seconds"]  # type: ignore[operator]
                rows.append((kind, size, result, rate, goal))
    print(
        f"{'files':>6} {'kind':>5} {'seconds':>8} {'files/s':>8} {'goal':>6} {'peak MB':>8}  outcomes"
    )
    for kind, size, result, rate, goal in rows:
        print(
            f"{size:>6} {kind:>5} {result['seconds']:>8.2f} {rate:>8.1f} {goal:>6} "
            f"{result['peak_mb']:>8.1f}  {result['outcomes']}  {'met' if rate >= goal else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
