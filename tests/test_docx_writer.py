"""The DOCX export checked against docs/bulletin-format.md, one test per checklist item.

Checklist (bulletin-format.md → test):
 1. A4 page, 11906 × 16838 twips                              test_01_page_is_a4
 2. margins 37/28/26/35 mm, ±1 mm                             test_02_margins
 3. docGrid lines, pitch 579; exact 579 line spacing          test_03_grid_and_exact_line_spacing
 4. −0.25 pt character spacing in the body                    test_04_body_character_spacing
 5. widow/orphan control off                                  test_05_widow_control_off
 6. East Asian font in w:rFonts/@w:eastAsia on every run      test_06_every_run_has_east_asia_font
 7. no eastAsiaTheme in docDefaults                           test_07_no_east_asia_theme
 8. 报头: 方正小标宋简体, red, centred, 初号/小初, fits 156 mm  test_08_masthead
 9. 第 N 期: 仿宋_GB2312 三号, centred                         test_09_issue_number
10. 编印单位 left, date right, red rule, no indents            test_10_office_date_line_and_red_rule
11. 编者按: 楷体_GB2312 三号, starts “编者按：”                 test_11_editor_note
12. article title: 方正小标宋简体 二号, centred               test_12_article_title
13. unit line only when the title is not “单位：主题”          test_13_unit_line
14. body: 仿宋_GB2312 三号, first line 2 chars, justified     test_14_body_paragraphs
15. headings: 黑体 / 楷体_GB2312 / 仿宋_GB2312, 三号           test_15_headings_by_level
16. “— N —” footers: PAGE field, odd right, even left         test_16_page_number_footers
17. 报/送/发 last, full-width rules, lines end with 。         test_17_distribution_block_last
18. red only in the 报头 name and the red rule               test_18_red_only_in_masthead_and_rule
19. stories after cases under “暖心故事”                       test_19_grouping_of_cases_and_stories
20. no python-docx template leftovers                        test_20_no_template_leftovers
Compilation and templates: test_21…; errors: test_3x….
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Mm, Pt
from lxml import etree

from caselib.errors import CaselibError, InvalidInputError
from caselib.intake.readers import read_document
from caselib.publish.docx_writer import Article, BulletinSpec, write_bulletin, write_compilation
from caselib.text.blocks import Block

from .conftest import SEED, need_seed

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TYPE_WIDTH_TWIPS = 11906 - 1587 - 1474
TYPE_WIDTH_PT = 156 * 72 / 25.4
FONT_SIZES = {"初号": 42, "小初": 36, "二号": 22, "三号": 16, "四号": 14}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --------------------------------------------------------------------------------------------
# The seed bulletin as test data
# --------------------------------------------------------------------------------------------


def load_seed() -> tuple[BulletinSpec, Article]:
    """The real bulletin, read by caselib's own reader: its issue data and its one case."""
    parsed = read_document(SEED)
    frame = parsed.bulletin
    assert frame is not None and len(parsed.articles) == 1
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


def seed_stories(case: Article) -> list[Article]:
    """Two short stories made from the seed's volunteer episodes (titles not “单位：主题”)."""
    paragraphs = [b.text for b in case.blocks if b.type == "paragraph"]
    episodes = next(p for p in paragraphs if "8月26日" in p)
    return [
        Article(
            title="开学迎新搬行李 机关干部暖人心",
            unit="机关党委",
            kind="story",
            blocks=[Block.paragraph(episodes)],
        ),
        Article(
            title="一封来自学院的感谢信",
            unit="计算机与信息工程学院",
            kind="story",
            blocks=[
                Block.heading("一、迎新现场", 1),
                Block.heading("（一）搬迁行李", 2),
                Block.heading("1.核查健康码", 3),
                Block.paragraph(paragraphs[-1]),
            ],
        ),
    ]


@pytest.fixture(scope="session")
def seed() -> tuple[BulletinSpec, Article]:
    need_seed()
    return load_seed()


class Docx:
    """A written DOCX opened with python-docx, with lxml helpers for the checks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.doc: Any = docx.Document(io.BytesIO(data))
        self.body: Any = self.doc.element.body
        self.styles: Any = self.doc.styles.element
        self.style_by_id = {s.get(w("styleId")): s for s in self.styles.findall(w("style"))}
        self.id_by_name = {
            s.find(w("name")).get(w("val")): sid for sid, s in self.style_by_id.items()
        }

    def parts(self) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            return {name: z.read(name) for name in z.namelist()}

    def paragraphs(self, style_name: str | None = None) -> list[Any]:
        ps = self.body.findall(f".//{w('p')}")
        if style_name is None:
            return list(ps)
        sid = self.id_by_name[style_name]
        return [p for p in ps if self.style_of(p) == sid]

    def style_of(self, p: Any) -> str:
        ps = p.find(f"{w('pPr')}/{w('pStyle')}")
        return str(ps.get(w("val"))) if ps is not None else "Normal"

    def ppr(self, p: Any, tag: str, attr: str) -> str | None:
        """A paragraph property: direct formatting first, then the style chain."""
        found = p.find(f"{w('pPr')}/{w(tag)}")
        if found is not None and found.get(w(attr)) is not None:
            return str(found.get(w(attr)))
        sid: str | None = self.style_of(p)
        while sid:
            style = self.style_by_id[sid]
            found = style.find(f"{w('pPr')}/{w(tag)}")
            if found is not None and found.get(w(attr)) is not None:
                return str(found.get(w(attr)))
            based = style.find(w("basedOn"))
            sid = based.get(w("val")) if based is not None else None
        return None

    def text(self, p: Any) -> str:
        return "".join(t.text or "" for t in p.iter(w("t")))

    def footers(self) -> dict[str, Any]:
        section = self.doc.sections[-1]
        return {"odd": section.footer._element, "even": section.even_page_footer._element}


def runs(p: Any) -> list[Any]:
    return [r for r in p.iter(w("r")) if r.find(w("t")) is not None]


def run_font(r: Any) -> tuple[str | None, float | None]:
    fonts = r.find(f"{w('rPr')}/{w('rFonts')}")
    size = r.find(f"{w('rPr')}/{w('sz')}")
    east_asia = fonts.get(w("eastAsia")) if fonts is not None else None
    return east_asia, (int(size.get(w("val"))) / 2 if size is not None else None)


def assert_font(d: Docx, ps: list[Any], east_asia: str, size: float) -> None:
    assert ps, "no paragraphs of this kind"
    for p in ps:
        for r in runs(p):
            assert run_font(r) == (east_asia, size), d.text(p)


def write(spec: BulletinSpec, articles: list[Article], **kwargs: Any) -> Docx:
    out = io.BytesIO()
    write_bulletin(out, spec, articles, **kwargs)
    return Docx(out.getvalue())


@pytest.fixture(scope="session")
def bulletin(seed: tuple[BulletinSpec, Article]) -> Docx:
    spec, case = seed
    return write(replace(spec, copies=120), [case, *seed_stories(case)])


# --------------------------------------------------------------------------------------------
# The checklist
# --------------------------------------------------------------------------------------------


def test_01_page_is_a4(bulletin: Docx) -> None:
    sects = bulletin.body.findall(f".//{w('sectPr')}")
    assert sects
    for sect in sects:
        pg = sect.find(w("pgSz"))
        assert (pg.get(w("w")), pg.get(w("h"))) == ("11906", "16838")
        assert pg.get(w("orient")) in (None, "portrait")


def test_02_margins(bulletin: Docx) -> None:
    section = bulletin.doc.sections[0]
    for margin, mm in (
        (section.top_margin, 37),
        (section.left_margin, 28),
        (section.right_margin, 26),
        (section.bottom_margin, 35),
    ):
        assert abs(margin.mm - mm) <= 1
    assert section.gutter == 0


def test_03_grid_and_exact_line_spacing(bulletin: Docx) -> None:
    grid = bulletin.body.find(f"{w('sectPr')}/{w('docGrid')}")
    assert grid.get(w("type")) == "lines"
    assert grid.get(w("linePitch")) == "579"
    for style in ("Normal", "编者按", "一级标题", "二级标题", "三级标题"):
        for p in bulletin.paragraphs(style):
            if bulletin.text(p):
                assert bulletin.ppr(p, "spacing", "line") == "579"
                assert bulletin.ppr(p, "spacing", "lineRule") == "exact"


def test_04_body_character_spacing(bulletin: Docx) -> None:
    body = [p for p in bulletin.paragraphs("Normal") if bulletin.text(p)]
    assert len(body) >= 10
    for p in body:
        for r in runs(p):
            assert r.find(f"{w('rPr')}/{w('spacing')}").get(w("val")) == "-5"
    # Display lines keep their natural spacing.
    for p in bulletin.paragraphs("文章标题"):
        for r in runs(p):
            assert r.find(f"{w('rPr')}/{w('spacing')}") is None


def test_05_widow_control_off(bulletin: Docx) -> None:
    normal = bulletin.style_by_id["Normal"]
    assert normal.find(f"{w('pPr')}/{w('widowControl')}").get(w("val")) == "0"


def test_06_every_run_has_east_asia_font(bulletin: Docx) -> None:
    roots = [bulletin.body, *bulletin.footers().values()]
    count = 0
    for root in roots:
        for r in root.iter(w("r")):
            fonts = r.find(f"{w('rPr')}/{w('rFonts')}")
            assert fonts is not None and fonts.get(w("eastAsia")), etree.tostring(r)
            count += 1
    assert count > 50
    # Latin text in Times New Roman everywhere but the 宋体 page numbers.
    for r in bulletin.body.iter(w("r")):
        fonts = r.find(f"{w('rPr')}/{w('rFonts')}")
        assert fonts.get(w("ascii")) == fonts.get(w("hAnsi")) == "Times New Roman"


def test_07_no_east_asia_theme(bulletin: Docx) -> None:
    defaults = bulletin.styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    fonts = defaults.find(w("rFonts"))
    assert fonts.get(w("eastAsiaTheme")) is None
    assert fonts.get(w("eastAsia")) == "仿宋_GB2312"


def test_08_masthead(bulletin: Docx) -> None:
    ps = bulletin.paragraphs("简报报头")
    assert len(ps) >= 1
    texts = [bulletin.text(p) for p in ps]
    assert "".join(texts) == "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报"
    sizes = []
    for p in ps:
        assert bulletin.ppr(p, "jc", "val") == "center"
        width_pt = 0.0
        for r in runs(p):
            east_asia, size = run_font(r)
            assert east_asia == "方正小标宋简体"
            assert r.find(f"{w('rPr')}/{w('color')}").get(w("val")) == "FF0000"
            assert size is not None
            sizes.append(size)
            spacing = r.find(f"{w('rPr')}/{w('spacing')}")
            extra = int(spacing.get(w("val"))) / 20 if spacing is not None else 0
            width_pt += len(bulletin.text(r)) * (size + extra)
        assert width_pt <= TYPE_WIDTH_PT, f"{bulletin.text(p)} is wider than 156 mm"
    # The bulletin's name proper (“简报”) in 初号 or 小初; the long prefix may be smaller.
    assert max(sizes) in (FONT_SIZES["初号"], FONT_SIZES["小初"])
    assert texts[-1] == "简报"


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # 23 characters before 简报: 小初 would need a break inside 察民情, so the largest
        # size with a break after a unit word (干部) is taken: 一号, two lines.
        ("湖北大学党员干部下基层察民情解民忧暖民心实践活动简报", [("湖北大学党员干部", 26)]),
        ("工作简报", [("工作", 36)]),
        ("湖北大学党建工作简报", [("湖北大学党建工作", 36)]),
        # 13 characters: two lines at 小初 (after 大学), one line at 一号: one line wins.
        ("湖北大学马克思主义学院党委简报", [("湖北大学马克思主义学院党委", 26)]),
    ],
)
def test_08b_masthead_fills_the_type_area(
    seed: tuple[BulletinSpec, Article], series: str, expected: list[tuple[str, float]]
) -> None:
    """The series name takes the largest size that fits one or two lines of 156 mm."""
    spec, case = seed
    d = write(replace(spec, series=series), [case])
    ps = d.paragraphs("简报报头")
    got = [(d.text(p), run_font(runs(p)[0])[1]) for p in ps]
    assert got[: len(expected)] == expected
    assert got[-1] == ("简报", 42)
    for text, size in got[:-1]:
        assert size is not None and len(text) * size <= TYPE_WIDTH_PT


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # 4 characters: the name proper (工作) on one line at 小初, the largest size.
        ("工作简报", [("工作", 36), ("简报", 42)]),
        # 15 characters: 小初 takes 12 a line, so it would need two lines (after 大学); 一号
        # takes 17, so one line at 一号 is taken before any two-line setting.
        ("湖北大学马克思主义学院党委简报", [("湖北大学马克思主义学院党委", 26), ("简报", 42)]),
        # The seed's 25 characters fit one line at no size; two lines: at 小初 only as 12 + 12
        # (a break inside 察民情); at 一号 after the unit word 干部, the largest size with a
        # break between words.
        (
            "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报",
            [("湖北大学党员干部", 26), ("下基层察民情解民忧暖民心实践活动", 26), ("简报", 42)],
        ),
        # No trailing 简报: the whole name is the series name.
        ("党建工作动态", [("党建工作动态", 36)]),
        ("简 报", [("简报", 42)]),
    ],
)
def test_08c_masthead_lines_one_line_first(series: str, expected: list[tuple[str, float]]) -> None:
    """The largest standard size (小初 → 一号 → 小一 → 二号) at which the series name fits on
    one line; only when none does, the largest at which it fits on two lines."""
    from caselib.publish.bulletin.masthead import masthead_lines

    assert masthead_lines(series, TYPE_WIDTH_PT) == expected


def test_09_issue_number(bulletin: Docx) -> None:
    (p,) = bulletin.paragraphs("简报期号")
    assert bulletin.text(p) == "第13期"
    assert bulletin.ppr(p, "jc", "val") == "center"
    assert_font(bulletin, [p], "仿宋_GB2312", FONT_SIZES["三号"])


def test_10_office_date_line_and_red_rule(bulletin: Docx) -> None:
    (p,) = bulletin.paragraphs("简报编印单位")
    assert bulletin.text(p) == "湖北大学党史学习教育领导小组办公室2022年10月20日"
    assert p.find(f".//{w('tab')}") is not None  # office, tab, date
    tab = bulletin.style_by_id[bulletin.style_of(p)].find(f"{w('pPr')}/{w('tabs')}/{w('tab')}")
    assert tab.get(w("val")) == "right"
    assert int(tab.get(w("pos"))) == TYPE_WIDTH_TWIPS
    for attr in ("left", "right", "firstLine"):
        assert bulletin.ppr(p, "ind", attr) in (None, "0")
    style = bulletin.style_by_id[bulletin.style_of(p)]
    bottom = style.find(f"{w('pPr')}/{w('pBdr')}/{w('bottom')}")
    assert bottom.get(w("color")) == "FF0000"
    assert bottom.get(w("val")) == "single"
    assert_font(bulletin, [p], "仿宋_GB2312", FONT_SIZES["三号"])
    # Before the first article.
    ps = bulletin.paragraphs()
    assert ps.index(p) < ps.index(bulletin.paragraphs("文章标题")[0])


def test_11_editor_note(bulletin: Docx, seed: tuple[BulletinSpec, Article]) -> None:
    (p,) = bulletin.paragraphs("编者按")
    assert bulletin.text(p) == "编者按：" + (seed[0].editor_note or "")
    assert bulletin.ppr(p, "ind", "firstLineChars") == "200"
    assert_font(bulletin, [p], "楷体_GB2312", FONT_SIZES["三号"])


def test_12_article_title(bulletin: Docx, seed: tuple[BulletinSpec, Article]) -> None:
    titles = bulletin.paragraphs("文章标题")
    assert len(titles) == 3
    assert_font(bulletin, titles, "方正小标宋简体", FONT_SIZES["二号"])
    for p in titles:
        assert bulletin.ppr(p, "jc", "val") == "center"
    first = titles[0]
    # The long title breaks at its space, not mid-phrase; the space stays at the end of the
    # first line so that the title reads back whole on import.
    assert bulletin.text(first) == seed[1].title
    assert len(first.findall(f".//{w('br')}")) == 1
    assert [bulletin.text(r) for r in runs(first)] == [
        "机关党委：党建引领聚合力 ",
        "“共同缔造”暖人心",
    ]


def test_13_unit_line(bulletin: Docx) -> None:
    units = bulletin.paragraphs("文章单位")
    # The seed title is “机关党委：…”; the two stories are not “单位：主题”.
    assert [bulletin.text(p) for p in units] == ["机关党委", "计算机与信息工程学院"]
    ps = bulletin.paragraphs()
    for unit in units:
        before = ps[ps.index(unit) - 1]
        assert bulletin.style_of(before) == bulletin.id_by_name["文章标题"]
    assert_font(bulletin, units, "楷体_GB2312", FONT_SIZES["三号"])


def test_14_body_paragraphs(bulletin: Docx, seed: tuple[BulletinSpec, Article]) -> None:
    body = [p for p in bulletin.paragraphs("Normal") if bulletin.text(p)]
    expected = [b.text for b in seed[1].blocks if b.type == "paragraph"]
    assert [bulletin.text(p) for p in body[: len(expected)]] == expected
    assert_font(bulletin, body, "仿宋_GB2312", FONT_SIZES["三号"])
    for p in body:
        assert bulletin.ppr(p, "ind", "firstLineChars") == "200"
        assert bulletin.ppr(p, "ind", "firstLine") == "640"
        assert bulletin.ppr(p, "jc", "val") == "both"


def test_15_headings_by_level(bulletin: Docx) -> None:
    seed_headings = [bulletin.text(p) for p in bulletin.paragraphs("一级标题")]
    assert seed_headings[:3] == [
        "身入心至下基层，提升党建引领力",
        "把脉问诊促发展，提升党建服务力",
        "解难纾困暖民心，提升党建凝聚力",
    ]
    for style, font in (
        ("一级标题", "黑体"),
        ("二级标题", "楷体_GB2312"),
        ("三级标题", "仿宋_GB2312"),
    ):
        ps = bulletin.paragraphs(style)
        assert_font(bulletin, ps, font, FONT_SIZES["三号"])
        for p in ps:
            assert bulletin.ppr(p, "ind", "firstLineChars") == "200"


def test_16_page_number_footers(bulletin: Docx) -> None:
    settings = bulletin.doc.settings.element
    assert settings.find(w("evenAndOddHeaders")) is not None
    sect = bulletin.body.find(w("sectPr"))
    kinds = {ref.get(w("type")) for ref in sect.findall(w("footerReference"))}
    assert kinds == {"default", "even"}
    for kind, footer in bulletin.footers().items():
        (p,) = footer.findall(w("p"))
        assert bulletin.text(p) == "— 1 —"
        fld = [c.get(w("fldCharType")) for c in p.iter(w("fldChar"))]
        assert fld == ["begin", "separate", "end"]
        assert [t.text.strip() for t in p.iter(w("instrText"))] == ["PAGE"]
        ind = p.find(f"{w('pPr')}/{w('ind')}")
        jc = p.find(f"{w('pPr')}/{w('jc')}").get(w("val"))
        if kind == "odd":
            assert jc == "right"
            assert ind.get(w("rightChars")) == "100" and ind.get(w("leftChars")) == "0"
        else:
            assert jc == "left"
            assert ind.get(w("leftChars")) == "100" and ind.get(w("rightChars")) == "0"
        for r in p.iter(w("r")):
            fonts = r.find(f"{w('rPr')}/{w('rFonts')}")
            assert fonts.get(w("eastAsia")) == "宋体"
            assert r.find(f"{w('rPr')}/{w('sz')}").get(w("val")) == "28"  # 四号


def test_17_distribution_block_last(bulletin: Docx) -> None:
    content = [el for el in bulletin.body if el.tag != w("sectPr")]
    tables = [el for el in content if el.tag == w("tbl")]
    assert len(tables) == 1
    table = tables[0]
    after = content[content.index(table) + 1 :]
    assert all(not bulletin.text(el) for el in after)  # only the closing empty paragraph
    rows = [bulletin.text(tr) for tr in table.findall(w("tr"))]
    assert rows == [
        "报：省委党史学习教育领导小组办公室，省委教育工委省教育厅党史学习教育领导小组办公室。",
        "送：湖北大学党史学习教育领导小组成员。",
        "发：湖北大学党史学习教育领导小组办公室成员单位，各二级党组织。",
        "共印120份",
    ]
    assert all(row.endswith("。") for row in rows[:3])
    tbl_pr = table.find(w("tblPr"))
    assert tbl_pr.find(w("tblW")).get(w("w")) == str(TYPE_WIDTH_TWIPS)
    assert table.find(f"{w('tblGrid')}/{w('gridCol')}").get(w("w")) == str(TYPE_WIDTH_TWIPS)
    assert len(table.find(w("tblGrid"))) == 1  # one column
    borders = tbl_pr.find(w("tblBorders"))
    for side, size in (("top", "8"), ("bottom", "8"), ("insideH", "6")):
        b = borders.find(w(side))
        assert (b.get(w("val")), b.get(w("sz")), b.get(w("color"))) == ("single", size, "000000")
    for side in ("left", "right", "insideV"):
        assert borders.find(w(side)).get(w("val")) == "nil"
    cell_ps = table.findall(f".//{w('p')}")
    assert_font(bulletin, cell_ps, "仿宋_GB2312", FONT_SIZES["四号"])
    first = cell_ps[0]
    # Indented one character (四号, 280 twips) both sides; wrapped lines hang after “报：”.
    assert (
        int(bulletin.ppr(first, "ind", "left") or 0)
        - int(bulletin.ppr(first, "ind", "hanging") or 0)
        == 280
    )
    assert bulletin.ppr(first, "ind", "right") == "280"
    assert bulletin.ppr(cell_ps[-1], "jc", "val") == "right"  # 共印 N 份


def test_18_red_only_in_masthead_and_rule(bulletin: Docx) -> None:
    red = re.compile(rb'w:(?:color|fill|val)="(?:FF0000|ff0000|red)"')
    parts = bulletin.parts()
    for name, blob in parts.items():
        if name.endswith(".xml") and name not in ("word/document.xml", "word/styles.xml"):
            assert not red.search(blob), name
    allowed_styles = {bulletin.id_by_name["简报报头"], bulletin.id_by_name["简报编印单位"]}
    for style in bulletin.styles.findall(w("style")):
        if style.get(w("styleId")) not in allowed_styles:
            assert not red.search(etree.tostring(style)), style.get(w("styleId"))
    for p in bulletin.paragraphs():
        if bulletin.style_of(p) not in allowed_styles:
            assert not red.search(etree.tostring(p)), bulletin.text(p)
    (office,) = bulletin.paragraphs("简报编印单位")
    for r in runs(office):
        assert r.find(f"{w('rPr')}/{w('color')}") is None


def test_19_grouping_of_cases_and_stories(seed: tuple[BulletinSpec, Article]) -> None:
    spec, case = seed
    stories = seed_stories(case)
    mixed = write(spec, [stories[0], case, stories[1]])
    order = [
        (mixed.style_of(p), re.sub(r"\s", "", mixed.text(p)))
        for p in mixed.paragraphs()
        if mixed.style_of(p) in (mixed.id_by_name["栏目标题"], mixed.id_by_name["文章标题"])
    ]
    column, title = mixed.id_by_name["栏目标题"], mixed.id_by_name["文章标题"]
    assert order == [
        (column, "经验案例"),
        (title, re.sub(r"\s", "", case.title)),
        (column, "暖心故事"),
        (title, re.sub(r"\s", "", stories[0].title)),
        (title, re.sub(r"\s", "", stories[1].title)),
    ]
    assert_font(mixed, mixed.paragraphs("栏目标题"), "黑体", 18)
    # Cases alone (the seed issue): no column heading at all.
    alone = write(spec, [case])
    assert "栏目标题" not in alone.id_by_name or not alone.paragraphs("栏目标题")
    # Stories alone keep their heading.
    only_stories = write(spec, stories)
    assert [only_stories.text(p) for p in only_stories.paragraphs("栏目标题")] == ["暖心故事"]


def test_20_no_template_leftovers(bulletin: Docx) -> None:
    props = bulletin.doc.core_properties
    assert props.author == "湖北大学党史学习教育领导小组办公室"
    assert "python-docx" not in (props.comments or "")
    assert props.title == "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报（第13期）"
    parts = bulletin.parts()
    assert not any("thumbnail" in name for name in parts)
    assert b"12240" not in parts["word/document.xml"]  # Letter width
    lang = bulletin.doc.settings.element.find(w("themeFontLang"))
    assert lang.get(w("eastAsia")) == "zh-CN"
    defaults = bulletin.styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    assert defaults.find(w("lang")).get(w("eastAsia")) == "zh-CN"
    # Nothing after the body's sectPr: it must close the body.
    assert bulletin.body[-1].tag == w("sectPr")


# --------------------------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compilation(seed: tuple[BulletinSpec, Article]) -> tuple[Docx, list[Article]]:
    _, case = seed
    second = Article(
        title="计算机与信息工程学院党委：书记访企拓岗搭桥梁 校企共建促就业",
        unit="计算机与信息工程学院",
        kind="case",
        blocks=case.blocks[3:7],
    )
    articles = [case, second, *seed_stories(case)]
    out = io.BytesIO()
    write_compilation(
        out, "实践活动经验案例汇编", articles, subtitle="湖北大学党史学习教育领导小组办公室"
    )
    return Docx(out.getvalue()), articles


def test_21_compilation_cover_and_contents(compilation: tuple[Docx, list[Article]]) -> None:
    d, articles = compilation
    assert [d.text(p) for p in d.paragraphs("封面标题")] == ["实践活动经验案例汇编"]
    assert [d.text(p) for p in d.paragraphs("封面副标题")] == ["湖北大学党史学习教育领导小组办公室"]
    instr = " ".join(t.text for t in d.body.iter(w("instrText")))
    assert re.search(r'TOC \\o "1-2"', instr)
    toc = [d.text(p) for p in d.paragraphs("toc 1") + d.paragraphs("toc 2")]
    listed = "".join(toc)
    for art in articles:
        assert art.title in listed
    entries = [re.sub(r"\d+$", "", d.text(p)) for p in d.paragraphs("toc 2")]
    assert entries == [a.title for a in articles]
    assert [d.text(p) for p in d.paragraphs("toc 1")] == ["经验案例", "暖心故事"]
    # Every static entry links to a bookmark on its title and shows a page number.
    for p in d.paragraphs("toc 2"):
        link = p.find(w("hyperlink"))
        anchor = link.get(w("anchor"))
        assert d.body.xpath(f'.//w:bookmarkStart[@w:name="{anchor}"]')
        assert re.search(r"\d+$", d.text(p))


def test_22_compilation_sections_breaks_and_no_red(
    compilation: tuple[Docx, list[Article]],
) -> None:
    d, articles = compilation
    sects = d.body.findall(f".//{w('sectPr')}")
    assert len(sects) == 2
    front, main = sects
    assert front.find(w("footerReference")) is None  # cover and contents: no page numbers
    assert main.find(w("pgNumType")).get(w("start")) == "1"
    assert {r.get(w("type")) for r in main.findall(w("footerReference"))} == {"default", "even"}
    for sect in sects:
        assert sect.find(w("pgSz")).get(w("w")) == "11906"
    # Each article (or the column heading before it) starts a page, except right after the
    # section break.
    starts = [
        p
        for p in d.paragraphs()
        if d.style_of(p) in (d.id_by_name["文章标题"], d.id_by_name["栏目标题"])
    ]
    breaks = [
        (re.sub(r"\s", "", d.text(p)), p.find(f"{w('pPr')}/{w('pageBreakBefore')}") is not None)
        for p in starts
    ]
    titles = [re.sub(r"\s", "", a.title) for a in articles]
    assert breaks == [
        ("经验案例", False),  # first after the section break
        (titles[0], False),  # on the column heading's page
        (titles[1], True),
        ("暖心故事", True),
        (titles[2], False),
        (titles[3], True),
    ]
    assert not d.paragraphs("简报报头")
    red = re.compile(rb'w:(?:color|val)="(?:FF0000|ff0000)"')
    for name, blob in d.parts().items():
        if name.endswith(".xml") and name != "word/styles.xml":
            assert not red.search(blob), name
    assert d.body[-1].tag == w("sectPr")


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def make_template(
    path: Path, *, zhengwen: bool = False, footer: str | None = None, dotx: bool = False
) -> Path:
    doc: Any = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(30)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(w("eastAsia"), "宋体")
    if zhengwen:
        style = doc.styles.add_style("正文", 1)
        style.font.size = Pt(15)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(w("eastAsia"), "楷体")
    if footer:
        section.footer.paragraphs[0].text = footer
    doc.add_paragraph("模板里原有的示例文字")
    doc.save(path)
    if dotx:
        data = path.read_bytes()
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                blob = src.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    blob = blob.replace(b"document.main+xml", b"template.main+xml")
                dst.writestr(item, blob)
        path.write_bytes(out.getvalue())
    return path


def test_23_template_page_setup_and_normal_font(
    tmp_path: Path, seed: tuple[BulletinSpec, Article]
) -> None:
    spec, case = seed
    template = make_template(tmp_path / "office.docx")
    d = write(spec, [case], template=template)
    section = d.doc.sections[0]
    assert round(section.top_margin.mm) == 25 and round(section.bottom_margin.mm) == 20
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 30
    assert "模板里原有的示例文字" not in "".join(d.text(p) for p in d.paragraphs())
    # The template's 12 pt Normal is not a body style: body and headings both keep the GB/T
    # styles (no 12 pt body under 16 pt headings), the body with its two-character indent.
    body = [p for p in d.paragraphs("简报正文") if d.text(p)]
    assert len(body) == len([b for b in case.blocks if b.type == "paragraph"])
    assert_font(d, body, "仿宋_GB2312", 16)
    (style,) = [s for s in d.style_by_id.values() if s.find(w("name")).get(w("val")) == "简报正文"]
    ind = style.find(f"{w('pPr')}/{w('ind')}")
    assert ind.get(w("firstLineChars")) == "200"
    assert_font(d, d.paragraphs("一级标题"), "黑体", 16)
    # Styles the template lacks are added with caselib's definition.
    assert_font(d, d.paragraphs("文章标题"), "方正小标宋简体", 22)
    # The date's tab stop follows the template's narrower type area.
    (office,) = d.paragraphs("简报编印单位")
    tab = d.style_by_id[d.style_of(office)].find(f"{w('pPr')}/{w('tabs')}/{w('tab')}")
    assert int(tab.get(w("pos"))) == round((210 - 60) / 25.4 * 1440)
    assert d.doc.settings.element.find(w("evenAndOddHeaders")) is not None


def test_24_template_zhengwen_style_and_own_footer(
    tmp_path: Path, seed: tuple[BulletinSpec, Article]
) -> None:
    spec, case = seed
    template = make_template(tmp_path / "office.dotx", zhengwen=True, footer="模板页脚", dotx=True)
    d = write(spec, [case], template=template)
    body = [p for p in d.paragraphs("正文") if d.text(p)]
    assert len(body) == len([b for b in case.blocks if b.type == "paragraph"])
    assert_font(d, body, "楷体", 15)
    texts = [
        "".join(d.text(p) for p in f.findall(w("p"))) for f in [d.doc.sections[0].footer._element]
    ]
    assert texts == ["模板页脚"]
    assert not d.body.xpath(".//w:instrText")


def test_25_template_with_its_own_red_masthead_is_used_as_is(
    tmp_path: Path, seed: tuple[BulletinSpec, Article]
) -> None:
    """A template whose body already draws the 报头 in red keeps it; caselib adds none of its
    own but still writes 第N期, the office line and the articles under it."""
    from docx.shared import RGBColor

    spec, case = seed
    doc: Any = docx.Document()
    run = doc.add_paragraph().add_run("湖北大学工作简报")
    run.font.size = Pt(36)
    run.font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
    path = tmp_path / "红头模板.docx"
    doc.save(path)
    d = write(spec, [case], template=path)
    texts = [d.text(p) for p in d.paragraphs() if d.text(p)]
    assert texts[0] == "湖北大学工作简报"
    assert d.paragraphs("简报报头") == []
    assert texts[1] == f"第{spec.number}期"
    assert case.title.split("：")[0] in "".join(texts)
    # The plain sample text of an ordinary template is still dropped (test_23).


# --------------------------------------------------------------------------------------------
# Errors and targets
# --------------------------------------------------------------------------------------------


def test_30_write_to_path_is_atomic(tmp_path: Path, seed: tuple[BulletinSpec, Article]) -> None:
    spec, case = seed
    target = tmp_path / "out" / "第13期.docx"
    write_bulletin(target, spec, [case])
    assert Docx(target.read_bytes()).paragraphs("文章标题")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CaselibError, match="无法写入"):
        write_bulletin(blocker / "x.docx", spec, [case])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["第13期.docx"]


def test_31_invalid_input(tmp_path: Path, seed: tuple[BulletinSpec, Article]) -> None:
    spec, case = seed
    with pytest.raises(InvalidInputError, match="没有文章"):
        write_bulletin(io.BytesIO(), spec, [])
    with pytest.raises(InvalidInputError, match="未知的文章类型"):
        write_bulletin(io.BytesIO(), spec, [replace(case, kind="news")])
    with pytest.raises(CaselibError, match="找不到模板文件"):
        write_bulletin(io.BytesIO(), spec, [case], template=tmp_path / "missing.docx")
    bad = tmp_path / "bad.docx"
    bad.write_text("不是 Word 文档")
    with pytest.raises(CaselibError, match="模板不是有效的 Word 文档"):
        write_compilation(io.BytesIO(), "汇编", [case], template=bad)


def test_32_odd_input_is_cleaned(seed: tuple[BulletinSpec, Article]) -> None:
    spec, _ = seed
    art = Article(
        title="  机关党委：控制字符\x07不进文档  ",
        unit="机关党委",
        kind="case",
        blocks=[Block.paragraph("第一段\n\n第二段"), Block.heading("", 1), Block.heading("深", 7)],
    )
    spec = replace(spec, editor_note="编者按：已带前缀的按语", date=date(2023, 1, 5))
    d = write(spec, [art])
    assert [d.text(p) for p in d.paragraphs("文章标题")] == ["机关党委：控制字符不进文档"]
    assert [d.text(p) for p in d.paragraphs("Normal") if d.text(p)] == ["第一段", "第二段"]
    assert [d.text(p) for p in d.paragraphs("三级标题")] == ["深"]
    assert [d.text(p) for p in d.paragraphs("编者按")] == ["编者按：已带前缀的按语"]
    assert d.text(d.paragraphs("简报编印单位")[0]).endswith("2023年1月5日")
