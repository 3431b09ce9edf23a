"""Reading a .docx: caselib's Word reader (``wordfile.check_zip`` then ``wordfile.docx_lines``,
as ``read_document`` reads a .docx before analysing its lines) per file, side by side with
the reference a user would write, ``docx.Document(path)`` and the text of its paragraphs.

Two sets: ``--gen`` documents generated from python-docx's template as ``import_rate.py``
builds them (one template, so its styles part is shared), and the real documents of
``../shared/realdocs`` (each its own template). Each round reads every file of a set in
order; a figure is the median over ``--runs`` rounds after one warm-up round, in
milliseconds per file, wall and CPU time (and, for the real documents, each file's own
wall time within those rounds). The load average is printed.

Run:  python bench/docx_read.py [--gen 50] [--runs 7] [--dir ../shared/realdocs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def caselib_read(path: Path) -> int:
    from caselib.intake.readers.wordfile import check_zip, docx_lines

    check_zip(path)
    return len(docx_lines(path))


def reference_read(path: Path) -> int:
    import docx

    return len([p.text for p in docx.Document(str(path)).paragraphs])


def rounds(read: Callable[[Path], int], files: list[Path], runs: int) -> dict[Path, list[float]]:
    """Wall milliseconds of each file in each of ``runs`` rounds of the whole set, after a
    warm-up round. A file is timed within its set, so a styles part is found already parsed
    only when another file of the set shares it (as files of one template do)."""
    for path in files:
        read(path)
    times: dict[Path, list[float]] = {path: [] for path in files}
    for _ in range(runs):
        for path in files:
            start = time.perf_counter()
            read(path)
            times[path].append((time.perf_counter() - start) * 1000)
    return times


def per_set(read: Callable[[Path], int], files: list[Path], runs: int) -> tuple[float, float]:
    """Median (wall, cpu) milliseconds per file over ``runs`` rounds of the whole set."""
    for path in files:
        read(path)
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        for path in files:
            read(path)
        walls.append((time.perf_counter() - start) * 1000 / len(files))
        cpus.append((time.process_time() - cpu) * 1000 / len(files))
    return statistics.median(walls), statistics.median(cpus)


def report(label: str, files: list[Path], runs: int, each: bool = False) -> None:
    ours = per_set(caselib_read, files, runs)
    ref = per_set(reference_read, files, runs)
    print(
        f"{label:<26} {len(files):>3} files  caselib {ours[0]:6.2f} ms (cpu {ours[1]:6.2f})"
        f"  docx.Document {ref[0]:6.2f} ms (cpu {ref[1]:6.2f})  ratio {ours[0] / ref[0]:.2f}"
    )
    if each:
        ours_each = rounds(caselib_read, files, runs)
        ref_each = rounds(reference_read, files, runs)
        for path in files:
            a, b = statistics.median(ours_each[path]), statistics.median(ref_each[path])
            print(
                f"  {path.name[:30]:<30}  caselib {a:6.2f} ms  docx.Document {b:6.2f} ms  ratio {a / b:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gen", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=ROOT.parent / "shared" / "realdocs")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        from import_rate import make_docx

        make_docx(Path(tmp), args.gen, seed=1)
        report("generated (one template)", sorted(Path(tmp).glob("*.docx")), args.runs)
    real = sorted(args.dir.glob("*.docx"))
    if real:
        report(f"real ({args.dir.name})", real, args.runs, each=True)


if __name__ == "__main__":
    main()
