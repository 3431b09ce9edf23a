"""Time the DOCX export of a large bulletin (goal: under 3 s for 30 articles, about 60 pages).

    python bench/export_docx.py [--articles 30] [--out /tmp/bench-bulletin.docx] [--pdf]

The articles are built from the real bulletin in /work/shared/seeds (or CASELIB_SEED): each is
the seed's case, its paragraphs rotated so no two articles are identical; every third one is a
short story. Prints the export time, the file size and the character count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caselib.intake.readers import read_document
from caselib.publish.docx_writer import Article, BulletinSpec, write_bulletin
from caselib.publish.pdf_render import docx_to_pdf
from caselib.text.blocks import Block

SEED = Path(os.environ.get("CASELIB_SEED", "/work/shared/seeds/000_6d8e0766dcaef642.txt"))


def seed_bulletin(path: Path = SEED) -> tuple[BulletinSpec, Article]:
    """The seed bulletin, read by caselib's reader: its issue data and its one case."""
    parsed = read_document(path)
    frame = parsed.bulletin
    if frame is None or not parsed.articles:
        raise SystemExit(f"{path} is not a bulletin")
    spec = BulletinSpec(
        series=frame.series,
        number=frame.number,
        date=frame.date,
        office=frame.office,
        editor_note=frame.editor_note,
        distribution=frame.distribution,
    )
    case = parsed.articles[0]
    return spec, Article(title=case.title, unit=case.unit or "", kind=case.kind, blocks=case.blocks)


def many_articles(base: Article, count: int) -> list[Article]:
    """``count`` varied articles: cases of the seed's full length, every third a short story."""
    paragraphs = [b for b in base.blocks if b.type == "paragraph"]
    out = []
    for i in range(count):
        if i % 3 == 2:
            story = paragraphs[(i // 3) % len(paragraphs)]
            out.append(
                Article(
                    title=f"志愿服务暖人心（之{i + 1}）",
                    unit="机关党委",
                    kind="story",
                    blocks=[Block.paragraph(story.text), Block.paragraph(paragraphs[-1].text)],
                )
            )
            continue
        shift = i % len(base.blocks)
        blocks = base.blocks[shift:] + base.blocks[:shift]
        out.append(
            Article(title=f"{base.title}（{i + 1}）", unit=base.unit, kind="case", blocks=blocks)
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--pdf", action="store_true", help="also convert with LibreOffice and count the pages"
    )
    args = parser.parse_args()
    if not SEED.is_file():
        print(f"seed not found: {SEED}", file=sys.stderr)
        return 2
    spec, case = seed_bulletin()
    articles = many_articles(case, args.articles)
    chars = sum(len(b.text) for a in articles for b in a.blocks)
    out = args.out or Path(tempfile.gettempdir()) / "caselib-bench-bulletin.docx"
    # One warm-up export so the timing does not include importing python-docx.
    write_bulletin(out, spec, articles[:1])
    timings, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        write_bulletin(out, spec, articles)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"articles: {len(articles)}  body characters: {chars}  (~{chars / 616:.0f} full pages)")
    print(
        f"DOCX export: median {statistics.median(timings):.3f} s wall"
        f" ({min(timings):.3f}–{max(timings):.3f}), median {statistics.median(cpu):.3f} s CPU"
        f" (goal < 3 s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"file: {out} ({out.stat().st_size / 1024:.0f} KiB)")
    if args.pdf:
        start = time.perf_counter()
        pdf = docx_to_pdf(out, out.parent)
        took = time.perf_counter() - start
        # LibreOffice runs as a child process: its CPU time is the children's.
        children = os.times()
        soffice_cpu = children.children_user + children.children_system
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages = next(x.split()[-1] for x in info.stdout.splitlines() if x.startswith("Pages:"))
        print(
            f"PDF (LibreOffice): {pages} pages in {took:.1f} s wall, {soffice_cpu:.1f} s CPU: {pdf}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
