"""The exported DOCX rendered by LibreOffice: the text, the paper and the page count hold up.

Needs soffice (libreoffice-writer-nogui) and poppler-utils; without them these tests skip,
except under CI=true, where they fail. The pdf_render error paths run everywhere, with fake
soffice scripts.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from caselib.errors import CaselibError
from caselib.publish.docx_writer import Article, BulletinSpec, write_bulletin, write_compilation
from caselib.publish.pdf_render import docx_to_pdf, fonts_conf_path

from .conftest import need_shared, need_tool_or_skip
from .test_docx_writer import load_seed, seed_stories

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdffonts")
FOOTER = re.compile(r"—\s*\d+\s*—")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page, page-number footers removed."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    pages = out.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return {k.strip(): v.strip() for k, _, v in (x.partition(":") for x in out.stdout.splitlines())}


def assert_in_order(haystack: str, needles: list[str]) -> None:
    """Every needle occurs in the haystack, each after the previous one (whitespace ignored)."""
    text = squeeze(FOOTER.sub("", haystack))
    pos = 0
    for needle in needles:
        found = text.find(squeeze(needle), pos)
        assert found >= 0, f"missing or out of order: {needle[:40]}…"
        pos = found + len(squeeze(needle))


def article_texts(articles: list[Article]) -> list[str]:
    out = []
    for art in articles:
        out.append(art.title)
        out.extend(b.text for b in art.blocks)
    return out


@pytest.fixture(scope="module")
def material() -> tuple[BulletinSpec, list[Article]]:
    need_shared()
    spec, case = load_seed()
    return replace(spec, copies=120), [case, *seed_stories(case)]


@pytest.fixture(scope="module")
def bulletin_pdf(
    material: tuple[BulletinSpec, list[Article]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    for tool in TOOLS:
        need_tool_or_skip(tool)
    spec, articles = material
    work = tmp_path_factory.mktemp("render")
    docx = work / "第13期.docx"
    write_bulletin(docx, spec, articles)
    return docx_to_pdf(docx, work / "pdf")


@pytest.fixture(scope="module")
def compilation_pdf(
    material: tuple[BulletinSpec, list[Article]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    for tool in TOOLS:
        need_tool_or_skip(tool)
    _, articles = material
    work = tmp_path_factory.mktemp("render-compilation")
    docx = work / "汇编.docx"
    write_compilation(docx, "实践活动经验案例汇编", articles, subtitle="2022年10月")
    return docx_to_pdf(docx, work)


def test_bulletin_text_in_order(
    bulletin_pdf: Path, material: tuple[BulletinSpec, list[Article]]
) -> None:
    spec, articles = material
    expected = [spec.series, f"第{spec.number}期", spec.office, "2022年10月20日"]
    expected.append("编者按：" + (spec.editor_note or ""))
    expected += article_texts(articles)  # the seed's case first, then the two stories
    expected += ["报：", "送：", "发：", "共印120份"]
    assert_in_order("".join(pdf_text(bulletin_pdf)), expected)


def test_bulletin_is_a4(bulletin_pdf: Path) -> None:
    size = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(bulletin_pdf)["Page size"])
    assert size is not None
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)


def test_bulletin_page_count_plausible(
    bulletin_pdf: Path, material: tuple[BulletinSpec, list[Article]]
) -> None:
    spec, articles = material
    chars = len(squeeze("".join(article_texts(articles)) + (spec.editor_note or "")))
    pages = int(pdf_info(bulletin_pdf)["Pages"])
    # A full page holds 22 × 28 = 616 characters of body text.
    assert chars / 800 <= pages <= chars / 300 + 2, (chars, pages)


def test_bulletin_page_numbers(bulletin_pdf: Path) -> None:
    pages = pdf_text(bulletin_pdf)
    for number, page in enumerate(pages, start=1):
        assert [squeeze(m) for m in FOOTER.findall(page)] == [f"—{number}—"]


def test_render_uses_aliased_fonts(bulletin_pdf: Path) -> None:
    out = subprocess.run(
        ["pdffonts", str(bulletin_pdf)], capture_output=True, text=True, check=True
    )
    fonts = out.stdout
    assert "NotoSerifCJK" in fonts  # 仿宋 / 宋体 / 小标宋
    assert "NotoSansCJK" in fonts  # 黑体
    assert "UKai" in fonts  # 楷体
    assert "DejaVu" not in fonts


def test_compilation_cover_contents_and_articles(
    compilation_pdf: Path, material: tuple[BulletinSpec, list[Article]]
) -> None:
    _, articles = material
    pages = pdf_text(compilation_pdf)
    assert "实践活动经验案例汇编" in squeeze(pages[0])
    assert squeeze(pages[1]).startswith("目录")
    assert_in_order(pages[1], [a.title for a in articles])
    # No page numbers on the cover and contents; the articles count from 1.
    assert not FOOTER.search(pages[0]) and not FOOTER.search(pages[1])
    assert [squeeze(m) for m in FOOTER.findall(pages[2])] == ["—1—"]
    assert_in_order("".join(pages[2:]), article_texts(articles))
    # Each article starts a page, and the contents' page numbers point close to it.
    for art in articles:
        title = squeeze(art.title)
        starts = [i for i, page in enumerate(pages[2:], start=1) if title in squeeze(page)]
        assert starts, art.title
        listed = re.search(re.escape(title) + r"\.*(\d+)", squeeze(pages[1]))
        assert listed is not None, art.title
        assert abs(int(listed.group(1)) - starts[0]) <= 1, (art.title, listed.group(1), starts)


# --------------------------------------------------------------------------------------------
# pdf_render's error paths, with fake soffice scripts (no LibreOffice needed)
# --------------------------------------------------------------------------------------------


def fake_soffice(tmp_path: Path, body: str) -> str:
    """An executable standing in for soffice: ``body`` is Python, run with sys.argv."""
    script = tmp_path / "soffice"
    script.write_text(f"#!{sys.executable}\nimport os, sys, time\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.fixture
def some_docx(tmp_path: Path) -> Path:
    path = tmp_path / "in.docx"
    path.write_bytes(b"not really a docx")
    return path


def test_pdf_render_passes_fonts_conf_and_private_profile(tmp_path: Path, some_docx: Path) -> None:
    log = tmp_path / "log"
    exe = fake_soffice(
        tmp_path,
        f"open({str(log)!r}, 'w').write(os.environ['FONTCONFIG_FILE'] + '\\n' + ' '.join(sys.argv))\n"
        "out = sys.argv[sys.argv.index('--outdir') + 1]\n"
        "stem = os.path.basename(sys.argv[-1]).rsplit('.', 1)[0]\n"
        "open(os.path.join(out, stem + '.pdf'), 'wb').close()",
    )
    pdf = docx_to_pdf(some_docx, tmp_path / "out", soffice=exe)
    assert pdf == tmp_path / "out" / "in.pdf" and pdf.is_file()
    conf_line, args = log.read_text(encoding="utf-8").splitlines()
    assert Path(conf_line) == fonts_conf_path() and fonts_conf_path().is_file()
    assert "--headless" in args and "--convert-to pdf" in args
    assert re.search(r"-env:UserInstallation=file:///\S+", args)


def test_pdf_render_errors(
    tmp_path: Path, some_docx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CaselibError, match="找不到要转换的文件"):
        docx_to_pdf(tmp_path / "missing.docx", tmp_path)
    monkeypatch.setenv("CASELIB_SOFFICE", "")
    with pytest.raises(CaselibError, match="未找到 LibreOffice"):
        docx_to_pdf(some_docx, tmp_path)
    with pytest.raises(CaselibError, match="无法启动 LibreOffice"):
        docx_to_pdf(some_docx, tmp_path, soffice=str(tmp_path / "no-such-soffice"))
    silent = fake_soffice(tmp_path, "sys.exit(0)")
    with pytest.raises(CaselibError, match="LibreOffice 转换失败"):
        docx_to_pdf(some_docx, tmp_path, soffice=silent)
    failing = fake_soffice(tmp_path, "print('Error: source file could not be loaded'); sys.exit(1)")
    with pytest.raises(CaselibError, match="source file could not be loaded"):
        docx_to_pdf(some_docx, tmp_path, soffice=failing)
    hanging = fake_soffice(tmp_path, "time.sleep(30)")
    with pytest.raises(CaselibError, match="超时"):
        docx_to_pdf(some_docx, tmp_path, soffice=hanging, timeout=0.5)


def test_fonts_conf_keeps_system_fonts() -> None:
    need_tool_or_skip("fc-match")
    env = dict(os.environ, FONTCONFIG_FILE=str(fonts_conf_path()))

    def match(family: str) -> str:
        out = subprocess.run(["fc-match", family], capture_output=True, text=True, env=env)
        return out.stdout

    if "Noto" not in match("Noto Serif CJK SC"):
        pytest.skip("fonts-noto-cjk is not installed")
    assert "Noto Serif CJK SC" in match("仿宋_GB2312")
    assert "Noto Sans CJK SC" in match("黑体")
    assert "Noto Serif CJK SC" in match("方正小标宋简体")
    # The system configuration is still included: an ordinary family resolves as before.
    assert "DejaVu Sans" in match("DejaVu Sans")
