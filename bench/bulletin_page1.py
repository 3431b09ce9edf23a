"""Render page 1 and the last page of the seed bulletin to PNG, to look at the 报头, the red
rule, the fonts and the 版记 at the foot of the last page.

    python bench/bulletin_page1.py [docs/bulletin-page1.png] [--last docs/bulletin-last-page.png]

Writes the seed bulletin (/work/shared/seeds, or CASELIB_SEED) as DOCX, converts it with
LibreOffice (caselib.publish.pdf_render, render-only font aliases) and runs
``pdftoppm -png -r 80`` on the first and the last page. Prints the timings and the page count.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from export_docx import SEED, seed_bulletin

from caselib.publish.docx_writer import write_bulletin
from caselib.publish.pdf_render import docx_to_pdf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("png", nargs="?", type=Path, default=Path("docs/bulletin-page1.png"))
    parser.add_argument(
        "--last", type=Path, default=Path("docs/bulletin-last-page.png"), help="the last page"
    )
    parser.add_argument("--keep", type=Path, default=None, help="also copy the DOCX/PDF here")
    args = parser.parse_args()
    if not SEED.is_file():
        print(f"seed not found: {SEED}", file=sys.stderr)
        return 2
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (apt install poppler-utils)", file=sys.stderr)
        return 2
    spec, case = seed_bulletin()
    with tempfile.TemporaryDirectory(prefix="caselib-page1-") as tmp:
        work = Path(tmp)
        docx = work / "bulletin.docx"
        start = time.perf_counter()
        write_bulletin(docx, spec, [case])
        written = time.perf_counter()
        pdf = docx_to_pdf(docx, work)
        converted = time.perf_counter()
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages = next(
            (line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")),
            "?",
        )
        for page, png in ((1, args.png), (int(pages), args.last)):
            png.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile"]
                + [str(pdf), str(png.with_suffix(""))],
                check=True,
            )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(docx, args.keep / docx.name)
            shutil.copy(pdf, args.keep / pdf.name)
    print(f"DOCX written in {written - start:.3f} s, PDF in {converted - written:.1f} s")
    print(f"pages: {pages}; page 1: {args.png}; last page: {args.last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
