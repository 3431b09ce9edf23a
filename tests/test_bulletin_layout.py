"""Where things land on the rendered page: the 版记 at the foot of the last page, titles never
stranded at a page foot.

Bulletins are written with the Python API and rendered by LibreOffice (render-only font aliases);
positions are read back from the PDF: text lines with ``pdftotext -bbox``, the rules of the 版记
from the drawing operators (``pdftocairo -svg`` writes each rule as a stroked horizontal path).
Without soffice/poppler these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import copy
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from caselib.publish.docx_writer import (
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Article,
    BulletinSpec,
    write_bulletin,
)
from caselib.publish.pdf_render import docx_to_pdf
from caselib.text.blocks import Block

from .conftest import SEED, need_tool_or_skip
from .test_docx_render import pdf_info
from .test_docx_writer import load_seed, seed_stories

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdftocairo")
PITCH = 579 / 20  # points
TYPE_BOTTOM = (PAGE_HEIGHT - MARGIN_BOTTOM) / 20
TYPE_LEFT = MARGIN_LEFT / 20
TYPE_RIGHT = (PAGE_WIDTH - MARGIN_RIGHT) / 20
FOOTER_TOP = TYPE_BOTTOM + 5  # the page number sits below the type area

MORE = (
    "各单位坚持问题导向，深入基层一线调查研究，把师生群众的急难愁盼作为工作的出发点和落脚点，"
    "以“小切口”推动“大变化”，推动实践活动走深走实、见行见效。"
)


@dataclass(frozen=True)
class Rule:
    y: float
    x1: float
    x2: float
    width: float
    black: bool


@dataclass(frozen=True)
class Line:
    y_max: float
    height: float
    text: str


@dataclass
class Render:
    pdf: Path
    pages: int
    articles: list[Article]

    def rules(self, page: int) -> list[Rule]:
        return rules_on(self.pdf, page)

    def lines(self, page: int) -> list[Line]:
        return lines_on(self.pdf, page)


def rules_on(pdf: Path, page: int) -> list[Rule]:
    """Horizontal stroked paths of page ``page``, top to bottom, in PDF points from the top."""
    svg = subprocess.run(
        ["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    pattern = re.compile(
        r'<path style="[^"]*stroke-width:([\d.]+)[^"]*stroke:rgb\(([^)]*)\)[^"]*"'
        r' d="M ([\d.-]+) ([\d.-]+) L ([\d.-]+) ([\d.-]+) "'
        r'(?: transform="matrix\(([^)]*)\)")?'
    )
    for m in pattern.finditer(svg):
        width, colour, x1, y1, x2, y2, matrix = m.groups()
        if abs(float(y1) - float(y2)) > 0.01:
            continue
        a, _b, _c, d, e, f = (float(v) for v in matrix.split(",")) if matrix else (1, 0, 0, 1, 0, 0)
        xs = sorted((a * float(x1) + e, a * float(x2) + e))
        found.append(
            Rule(d * float(y1) + f, xs[0], xs[1], float(width), colour.startswith("0%,0%,0%"))
        )
    return sorted(found, key=lambda r: r.y)


def lines_on(pdf: Path, page: int) -> list[Line]:
    """Text lines of the type area (page number excluded), top to bottom."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows: dict[float, list[tuple[float, float, str]]] = {}
    word = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
    )
    for m in word.finditer(html):
        x, y0, y1, text = float(m[1]), float(m[2]), float(m[3]), m[4]
        if y1 > FOOTER_TOP:
            continue
        key = next((k for k in rows if abs(k - y1) < 3), round(y1, 1))
        rows.setdefault(key, []).append((x, y1 - y0, text))
    return [
        Line(y, max(h for _, h, _ in words), "".join(t for _, _, t in sorted(words)))
        for y, words in sorted(rows.items())
    ]


def render(tmp: Path, spec: BulletinSpec, articles: list[Article], **kwargs: bool) -> Render:
    for tool in TOOLS:
        need_tool_or_skip(tool)
    docx = tmp / "bulletin.docx"
    write_bulletin(docx, spec, articles, **kwargs)
    pdf = docx_to_pdf(docx, tmp)
    return Render(pdf, int(pdf_info(pdf)["Pages"]), articles)


def padded(case: Article, title: str, paragraphs: int) -> Article:
    """A second article of ``paragraphs`` paragraphs (about 2 lines each), to vary the length."""
    art = copy.deepcopy(case)
    art.title = title
    art.unit = "湖北大学马克思主义学院党委"
    art.blocks = [Block(type="paragraph", text=MORE) for _ in range(paragraphs)]
    return art


@pytest.fixture(scope="module")
def seed() -> tuple[BulletinSpec, Article]:
    if not SEED.exists():
        pytest.skip(f"{SEED} (the seed bulletin) is not available")
    return load_seed()


@pytest.fixture(scope="module")
def seed_render(
    seed: tuple[BulletinSpec, Article], tmp_path_factory: pytest.TempPathFactory
) -> Render:
    spec, case = seed
    return render(tmp_path_factory.mktemp("seed"), spec, [case])


@pytest.fixture(scope="module")
def three_render(
    seed: tuple[BulletinSpec, Article], tmp_path_factory: pytest.TempPathFactory
) -> Render:
    """The seed case and two of its stories: 经验案例 then 暖心故事, three articles."""
    spec, case = seed
    return render(tmp_path_factory.mktemp("three"), spec, [case, *seed_stories(case)[:2]])


def assert_banji_at_foot(r: Render, page: int) -> None:
    rules = [x for x in r.rules(page) if x.black]
    assert len(rules) >= 2, f"page {page} has no 版记 rules: {r.rules(page)}"
    last = rules[-1]
    # The last rule on the bottom line of the type area (within one line pitch).
    assert TYPE_BOTTOM - PITCH <= last.y <= TYPE_BOTTOM + 2, (last.y, TYPE_BOTTOM)
    # Full type-area width: a rule, not an indented paragraph border.
    for rule in (rules[0], last):
        assert abs(rule.x1 - TYPE_LEFT) < 3 and abs(rule.x2 - TYPE_RIGHT) < 3, rule
    # The block's own lines are 报/送/发 lines; the text above ends before its first rule.
    inside = [line for line in r.lines(page) if line.y_max > rules[0].y]
    assert inside and inside[0].text.startswith("报："), inside[:1]
    # Rows break between their items: no line of one or two characters (“织。”).
    assert all(len(line.text) > 3 for line in inside), [line.text for line in inside]


def text_lines_above_banji(r: Render, page: int) -> list[Line]:
    black = [x for x in r.rules(page) if x.black]
    top = black[0].y if black else FOOTER_TOP
    return [line for line in r.lines(page) if line.y_max < top]


def assert_banji_placed(r: Render) -> None:
    """The 版记 at the foot of the last page, under the last text with a gap, or alone on the
    last page when the page before had no room for it; on no other page."""
    assert_banji_at_foot(r, r.pages)
    above = text_lines_above_banji(r, r.pages)
    block = [x for x in r.rules(r.pages) if x.black]
    if above:
        # The text of the last page stays at the top: at least a line's gap above the block.
        assert above[-1].y_max < block[0].y - PITCH / 2, (above[-1], block[0])
    else:
        prev = r.lines(r.pages - 1)
        needed = block[-1].y - block[0].y + PITCH
        assert prev[-1].y_max + needed > TYPE_BOTTOM - PITCH / 2, (prev[-1], needed)
    for page in range(1, r.pages):
        assert not [x for x in r.rules(page) if x.black], page


def test_seed_banji_on_last_line_of_last_page(seed_render: Render) -> None:
    assert_banji_placed(seed_render)


def test_seed_article_starts_on_page_1(
    seed_render: Render, seed: tuple[BulletinSpec, Article]
) -> None:
    """After the 报头 and the 编者按, page 1 has room for the title block (title and two lines
    of text) on the 22-line grid: the article starts there, and the page is full."""
    _, case = seed
    lines = seed_render.lines(1)
    texts = [line.text for line in lines]
    first_title_line = case.title.split("：")[0]
    starts = [i for i, text in enumerate(texts) if text.startswith(first_title_line)]
    assert starts, texts
    body = [line for line in lines[starts[0] :] if line.height < 22]
    assert len(body) >= 2, texts[starts[0] :]
    # Page 1 ends on the last line of the type area.
    assert lines[-1].y_max > TYPE_BOTTOM - PITCH / 2, lines[-1]


def test_grid_of_22_lines_of_28_characters(seed_render: Render) -> None:
    """A page of body text holds 22 lines; a full line of Chinese text holds 28 characters."""
    counts = [len(seed_render.lines(page)) for page in range(1, seed_render.pages + 1)]
    assert 22 in counts, counts
    widths = Counter(
        len(line.text)
        for page in range(1, seed_render.pages + 1)
        for line in seed_render.lines(page)
        if 20 < line.height < 22 and not any(ch.isascii() for ch in line.text)
    )
    assert widths.most_common(1)[0][0] == 28 and max(widths) == 28, widths


def test_three_articles_banji_at_foot(three_render: Render) -> None:
    assert_banji_at_foot(three_render, three_render.pages)


@pytest.mark.parametrize("paragraphs", [1, 4, 5, 8])
def test_banji_at_foot_whatever_the_length(
    seed: tuple[BulletinSpec, Article], tmp_path: Path, paragraphs: int
) -> None:
    """A short, a medium and a long last page: the block is always at the foot; when the text
    leaves no room it goes to the foot of the next page, alone."""
    spec, case = seed
    extra = padded(case, "马克思主义学院：理论宣讲进社区", paragraphs)
    r = render(tmp_path, spec, [case, extra])
    assert_banji_at_foot(r, r.pages)
    before = [x for p in range(1, r.pages) for x in r.rules(p) if x.black]
    assert before == []
    above = text_lines_above_banji(r, r.pages)
    if not above:
        # The block moved on: the previous page really had no room for it.
        prev = r.lines(r.pages - 1)
        block = r.rules(r.pages)
        needed = block[-1].y - block[0].y + PITCH
        assert prev[-1].y_max + needed > TYPE_BOTTOM - PITCH / 2, (prev[-1], needed)


def test_back_page_puts_banji_on_even_page(
    seed: tuple[BulletinSpec, Article], tmp_path: Path
) -> None:
    spec, case = seed
    plain = render(tmp_path / "plain", spec, [case])
    back = render(tmp_path / "back", spec, [case], back_page=True)
    assert back.pages % 2 == 0
    assert back.pages == plain.pages + (plain.pages % 2)
    assert_banji_at_foot(back, back.pages)


def test_no_page_ends_with_a_title(seed_render: Render, three_render: Render) -> None:
    """A title (二号, taller than body lines) or a column heading never ends a page."""
    for r in (seed_render, three_render):
        headings = {"经验案例", "暖心故事"}
        for page in range(1, r.pages):
            lines = r.lines(page)
            assert lines, page
            last = lines[-1]
            assert last.height < 22, (page, last)
            assert last.text not in headings, (page, last)


def test_pages_are_full_but_the_last(seed_render: Render, three_render: Render) -> None:
    """Every page but the last holds 22 lines, or at most 5 empty lines when a title block
    (title, unit, first lines) moved on to the next page."""
    for r in (seed_render, three_render):
        for page in range(1, r.pages):
            lines = r.lines(page)
            assert lines[-1].y_max > TYPE_BOTTOM - 6 * PITCH, (page, lines[-1])


def test_contents_hang_wrapped_titles_without_a_lone_character(
    seed: tuple[BulletinSpec, Article], tmp_path: Path
) -> None:
    """A long title in the contents is broken into balanced lines (manual breaks) under a
    two-character hanging indent, with the dotted tab to the page number on its last line."""
    import docx as python_docx

    from caselib.publish.docx_writer import write_compilation

    _, case = seed
    long = copy.deepcopy(case)
    long.title = (
        "湖北大学机关党委：党建引领聚合力“共同缔造”暖人心——以“三个清单”推动机关作风转变的实践探索"
    )
    target = tmp_path / "汇编.docx"
    write_compilation(target, "经验案例汇编", [case, long])
    doc = python_docx.Document(str(target))
    toc2 = doc.styles["toc 2"].element
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    ind = toc2.find("w:pPr/w:ind", ns)
    w_ = "{" + ns["w"] + "}"
    assert ind.get(w_ + "hangingChars") == "200" and ind.get(w_ + "leftChars") == "200"
    leader = toc2.find("w:pPr/w:tabs/w:tab", ns)
    assert leader.get(w_ + "leader") == "dot" and leader.get(w_ + "val") == "right"
    entries = [p for p in doc.paragraphs if p.style.name == "toc 2"]
    assert len(entries) == 2
    wrapped = entries[1]._p
    lines = "".join(
        "\n" if el.tag == w_ + "br" else (el.text or "") for el in wrapped.iter(w_ + "t", w_ + "br")
    ).split("\n")
    assert len(lines) >= 2, lines
    assert "".join(lines).startswith(long.title)
    # Balanced: no line of one or two characters.
    assert min(len(line.strip()) for line in lines) > 5, lines


def test_template_made_in_libreoffice_gives_one_style_system(
    seed: tuple[BulletinSpec, Article], tmp_path: Path
) -> None:
    """An office template saved by LibreOffice, with its own 正文 and 一级标题: the body and the
    level-1 headings take the template's styles (by name), as does the article title (the
    template, begun in python-docx, defines "Title"); page setup comes from it, and roles it
    does not define (the 报头) keep caselib's GB/T styles."""
    import docx as python_docx
    from docx.shared import Mm, Pt

    need_tool_or_skip("soffice")
    draft: Any = python_docx.Document()
    section = draft.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(27)
    for name, font, size in (("正文", "仿宋", 15), ("一级标题", "黑体", 15)):
        style = draft.styles.add_style(name, 1)
        style.font.size = Pt(size)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", font
        )
    draft.add_paragraph("模板示例", style="正文")
    (tmp_path / "draft").mkdir()
    source = tmp_path / "draft" / "本校模板.docx"
    draft.save(str(source))
    profile = (tmp_path / "profile").resolve().as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    template = tmp_path / "本校模板.docx"
    assert template.is_file()

    spec, case = seed
    target = tmp_path / "简报.docx"
    write_bulletin(target, spec, [case], template=template)
    doc = python_docx.Document(str(target))
    used = {p.style.name for p in doc.paragraphs if p.text.strip()}
    body = [p for p in doc.paragraphs if p.text.strip() in {b.text.strip() for b in case.blocks}]
    assert body and {p.style.name for p in body} <= {"正文", "一级标题"}, used
    assert "Title" in used and "文章标题" not in used
    assert "简报报头" in used
    assert round(doc.sections[0].left_margin.mm) == 27


CLOSING = "学院党委将坚持把理论宣讲进社区作为常态化工作，持续推动党的创新理论飞入寻常百姓家。"


def closing_cases(case: Article) -> list[Article]:
    """Articles whose closing lines fall just over a page without the closing rule: a title of
    one line and its unit line (3 grid lines), six three-line paragraphs, then a closing
    paragraph of two lines (one line over the page); the same under a two-line title with a
    one-line closing paragraph (one line over)."""
    two = padded(case, "理论宣讲进社区", 6)
    two.blocks.append(Block(type="paragraph", text=CLOSING))
    one = padded(case, "理论宣讲进社区 党的创新理论飞入寻常百姓家", 6)
    one.blocks.append(Block(type="paragraph", text=CLOSING[:20] + "。"))
    return [two, one]


@pytest.fixture(scope="module")
def compilation_render(
    seed: tuple[BulletinSpec, Article], tmp_path_factory: pytest.TempPathFactory
) -> Render:
    from caselib.publish.docx_writer import write_compilation

    for tool in TOOLS:
        need_tool_or_skip(tool)
    _, case = seed
    articles = [case, *closing_cases(case), *seed_stories(case)]
    tmp = tmp_path_factory.mktemp("compilation")
    docx = tmp / "汇编.docx"
    write_compilation(docx, "经验案例与暖心故事汇编", articles, subtitle="湖北大学党委办公室")
    pdf = docx_to_pdf(docx, tmp)
    return Render(pdf, int(pdf_info(pdf)["Pages"]), articles)


def test_compilation_pages(compilation_render: Render) -> None:
    """No page of the compilation ends with a title; no page holds only one or two lines
    (the closing rule of ``bulletin.body.keep_closing_lines``: the article's last lines are
    kept with the lines before them); a page that does not end an article is full, and one
    that does has at most five empty lines."""
    r = compilation_render
    titles = {a.title[:8] for a in r.articles}
    for page in range(3, r.pages + 1):  # after the cover and the contents
        lines = r.lines(page)
        assert len(lines) >= 3, (page, lines)
        assert lines[-1].height < 22, (page, lines[-1])
        next_first = r.lines(page + 1)[0].text if page < r.pages else ""
        starts_article = any(next_first.startswith(t) for t in titles) or next_first in (
            "经验案例",
            "暖心故事",
        )
        if page < r.pages and not starts_article:
            assert lines[-1].y_max > TYPE_BOTTOM - 6 * PITCH, (page, lines[-1])


def test_closing_lines_kept_together_in_the_docx(
    seed: tuple[BulletinSpec, Article], tmp_path: Path
) -> None:
    """The closing rule in the XML: a one-line last paragraph is kept whole with the three-line
    paragraph before it; the last paragraph of a short article, all the text under its title
    (3 grid lines), is not kept whole when that would move more than six lines."""
    import docx as python_docx

    spec, case = seed
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}

    def props(p: Any) -> set[str]:
        ppr = p._p.find("w:pPr", ns)
        return {el.tag.split("}")[1] for el in ppr} & {"keepNext", "keepLines", "widowControl"}

    ending = padded(case, "理论宣讲进社区", 3)
    ending.blocks.append(Block(type="paragraph", text=CLOSING[:20] + "。"))
    short = padded(case, "理论宣讲进社区 党的创新理论飞入寻常百姓家", 1)
    short.blocks = [Block(type="paragraph", text=MORE + MORE[:40])]  # four lines
    target = tmp_path / "简报.docx"
    write_bulletin(target, spec, [ending, short])
    doc = python_docx.Document(str(target))
    body = [p for p in doc.paragraphs if p.style.name == "Normal" and p.text]
    texts = [p.text for p in body]
    last_of_first = texts.index(CLOSING[:20] + "。")
    assert props(body[last_of_first - 1]) == {"keepNext", "keepLines"}
    assert props(body[last_of_first]) == {"keepLines", "widowControl"}
    assert props(body[-1]) == {"widowControl"}  # title (3) + 4 lines > 6: not kept whole
