"""Bulletins exported by ``caselib export``, rendered by LibreOffice: every word arrives, in
order, on A4, and the imported seed bulletin comes back out with its own text.

Needs soffice (libreoffice-writer-nogui) and poppler-utils (pdftotext, pdfinfo): without them
these tests skip, except under CI=true, where they fail. One PDF per fixture, shared by the
module's tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from caselib.publish.pdf_render import docx_to_pdf

from .conftest import CASES_DIR, SEED, Cli, need_seed, need_tool_or_skip
from .test_docx_render import FOOTER, assert_in_order, pdf_info, pdf_text, squeeze

TOOLS = ("soffice", "pdftotext", "pdfinfo")
SERIES = "党员干部下基层察民情解民忧暖民心实践活动简报"
OFFICE = "湖北大学党史学习教育领导小组办公室"
DISTRIBUTION = {
    "报": ["省委党史学习教育领导小组办公室"],
    "送": ["湖北大学党史学习教育领导小组成员"],
    "发": ["湖北大学党史学习教育领导小组办公室成员单位", "各二级党组织"],
}
NOTE = "本期推介两篇经验案例和一个暖心故事，供各单位学习借鉴。"


@dataclass
class Rendered:
    cli: Cli
    docx: Path
    pdf: Path
    records: list[dict[str, Any]]


def _tools() -> None:
    for tool in TOOLS:
        need_tool_or_skip(tool)


@pytest.fixture(scope="module")
def shortlist_issue(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Issue 14 of 2022 from a shortlist of a story and two cases, exported and rendered."""
    _tools()
    work = tmp_path_factory.mktemp("export-render")
    cli = Cli(work / "lib.db")
    cli.ok("init")
    cli.ok("import", str(CASES_DIR))
    cli.ok("shortlist", "add", "2022年第四季度报送", "12", "3", "1")
    docx = work / "简报第14期.docx"
    cli.ok(
        "export", "--shortlist", "2022年第四季度报送", "--format", "docx", "-o", str(docx),
        "--series", SERIES, "--issue", "14", "--date", "2022-11-10", "--office", OFFICE,
        "--editor-note-text", NOTE, "--copies", "80",
        "--to-superiors", "；".join(DISTRIBUTION["报"]),
        "--to-peers", "，".join(DISTRIBUTION["送"]),
        "--to-units", "、".join(DISTRIBUTION["发"]),
    )  # fmt: skip
    # The writer sets 经验案例 before 暖心故事, each in shortlist order.
    records = [cli.ok("show", str(i), "--json").json() for i in (3, 1, 12)]
    return Rendered(cli, docx, docx_to_pdf(docx, work / "pdf"), records)


@pytest.fixture(scope="module")
def seed_issue(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The real bulletin imported, then exported again from the library with --bulletin."""
    need_seed()
    _tools()
    work = tmp_path_factory.mktemp("export-render-seed")
    cli = Cli(work / "lib.db")
    cli.ok("init")
    cli.ok("import", str(SEED))
    docx = work / "第13期.docx"
    cli.ok("export", "--bulletin", "2022-13", "--format", "docx", "-o", str(docx))
    return Rendered(cli, docx, docx_to_pdf(docx, work / "pdf"), [])


def test_every_title_and_paragraph_in_order(shortlist_issue: Rendered) -> None:
    expected = [SERIES, "第14期", OFFICE, "2022年11月10日", f"编者按：{NOTE}"]
    for record in shortlist_issue.records:
        expected.append(record["title"])
        expected += [block["text"] for block in record["body"]]
    expected += [f"{key}：{'，'.join(names)}。" for key, names in DISTRIBUTION.items()]
    expected.append("共印80份")
    assert_in_order("".join(pdf_text(shortlist_issue.pdf)), expected)


def test_a4_and_a_plausible_page_count(shortlist_issue: Rendered) -> None:
    info = pdf_info(shortlist_issue.pdf)
    size = re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"])
    assert size is not None
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)
    chars = sum(len(squeeze(b["text"])) for r in shortlist_issue.records for b in r["body"])
    pages = int(info["Pages"])
    # A full page holds 22 × 28 = 616 characters of body text; titles and the 报头 take room.
    assert chars / 616 <= pages <= chars / 300 + 2, (chars, pages)
    # Every page carries its "— N —".
    for number, page in enumerate(pdf_text(shortlist_issue.pdf), start=1):
        assert [squeeze(m) for m in FOOTER.findall(page)] == [f"—{number}—"]


def test_the_seed_bulletin_comes_back_out(seed_issue: Rendered) -> None:
    """Every paragraph of the real bulletin (whitespace aside) is in the re-exported PDF, in
    the seed's order: 报头, 期号, office and date, 编者按, the case with its headings, 报/送/发."""
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 20
    text = squeeze(FOOTER.sub("", "".join(pdf_text(seed_issue.pdf))))
    pos = 0
    for line in lines:
        found = text.find(squeeze(line), pos)
        assert found >= 0, f"missing or out of order: {line[:40]}…"
        pos = found + len(squeeze(line))


def test_the_seed_reexport_is_a4_and_records_no_new_issue(seed_issue: Rendered) -> None:
    size = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(seed_issue.pdf)["Page size"])
    assert size is not None
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)
    assert 2 <= int(pdf_info(seed_issue.pdf)["Pages"]) <= 6
    from caselib.bulletins import list_bulletins
    from caselib.store.library import Library

    with Library.open(str(seed_issue.cli.db)).session() as session:
        assert [(b.number, b.year) for b in list_bulletins(session)] == [(13, 2022)]


def _pdffonts(pdf: Path) -> list[list[str]]:
    import subprocess

    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def test_pdf_export_of_a_bulletin_and_a_compilation(tmp_path: Path) -> None:
    """-o 简报.pdf renders through LibreOffice: the text arrives, fonts are embedded, the
    issue is recorded like a DOCX export; --back-page gives an even page count."""
    _tools()
    need_tool_or_skip("pdffonts")
    cli = Cli(tmp_path / "lib.db")
    cli.ok("init")
    cli.ok("import", str(CASES_DIR))
    pdf = tmp_path / "简报.pdf"
    run = cli.ok(
        "export", "3", "1", "-o", str(pdf), "--series", "工作简报", "--issue", "5",
        "--date", "2022-12-01", "--office", OFFICE, "--to-units", "各二级党组织", "--back-page",
    )  # fmt: skip
    assert "已导出简报" in run.stderr + run.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    assert int(pdf_info(pdf)["Pages"]) % 2 == 0
    text = "".join(pdf_text(pdf))
    record = cli.ok("show", "3", "--json").json()
    assert_in_order(text, ["工作", "第5期", OFFICE, record["title"], "发：各二级党组织。"])
    fonts = _pdffonts(pdf)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column
    assert cli.ok("bulletin", "show", "2022-5", "--json").json()["series"] == "工作简报"

    book = tmp_path / "汇编.pdf"
    cli.ok("export", "3", "1", "-o", str(book))
    assert_in_order("".join(pdf_text(book)), ["经验案例汇编", "目", "录", record["title"]])


def test_pdf_export_without_libreoffice_says_how_to_install(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "lib.db")
    cli.ok("init")
    cli.ok("import", str(CASES_DIR))
    target = tmp_path / "汇编.pdf"
    run = cli("export", "3", "-o", str(target), env={"CASELIB_SOFFICE": ""})
    assert run.exit_code != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "LibreOffice" in lines[0] and "安装" in lines[0], run.stderr
    assert "Traceback" not in run.stderr and not target.exists()
