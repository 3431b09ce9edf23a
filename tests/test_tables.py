"""Tables (经费预算, 进度安排, 三个清单 ledgers) as table blocks: Markdown, import, show,
search, lengths and evidence, DOCX (a real Word table), LibreOffice render and read-back."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from caselib.store.schemas import validate_record
from caselib.text import evidence
from caselib.text.blocks import Block, blocks_to_json, body_texts
from caselib.text.markdown import parse_body, parse_record, render_body, render_record

from .conftest import Cli, need_tool_or_skip

BUDGET = (
    ("项目", "金额（元）", "说明"),
    ("宣传材料印制", "3200", "问题清单公示栏、宣传册"),
    ("座谈会场地及茶歇", "2400", "四次师生座谈会"),
    ("志愿服务保障", "4000", "志愿者保险、交通补贴"),
    ("合计", "9600", ""),
)
LEDGER = (
    ("序号", "问题清单", "责任单位", "完成时限"),
    ("1", "学生公寓热水供应时间短，晚间排队时间长", "后勤保障处", "2023年6月底前"),
    ("2", "图书馆自习座位预约系统高峰期卡顿", "图书馆、信息化办公室", "2023年5月底前"),
    ("3", "校园东门道路积水，雨天通行不便", "基建处", "2023年9月底前"),
)
CASE_MD = """---
kind: case
title: 机关党委：“三个清单”推动问题整改落地见效
unit: 机关党委
date: 2023-05-06
tags: [共同缔造]
---

## 一、基本情况

机关党委围绕师生反映集中的问题，建立问题清单、责任清单、任务清单“三个清单”，逐项销号管理。

序号 | 问题清单 | 责任单位 | 完成时限
:---: | --- | --- | ---
1 | 学生公寓热水供应时间短，晚间排队时间长 | 后勤保障处 | 2023年6月底前
2 | 图书馆自习座位预约系统高峰期卡顿 | 图书馆、信息化办公室 | 2023年5月底前
3 | 校园东门道路积水，雨天通行不便 | 基建处 | 2023年9月底前

## 二、经费保障

专项经费共计9600元，具体安排如下：
|项目|金额（元）|说明|
|:---|---:|:---:|
|宣传材料印制|3200|问题清单公示栏、宣传册|
|座谈会场地及茶歇|2400|四次师生座谈会|
|志愿服务保障|4000|志愿者保险、交通补贴|
|合计|9600|

整改完成后，机关党委组织师生代表逐项评议，评议满意率达到96%。
"""


def lists(rows: tuple[tuple[str, ...], ...]) -> list[list[str]]:
    return [list(r) for r in rows]


# --- Markdown --------------------------------------------------------------------------------


def test_a_table_renders_as_a_pipe_table() -> None:
    text = render_body([Block.paragraph("具体安排如下："), Block.table(BUDGET)])
    assert text == (
        "具体安排如下：\n\n"
        "| 项目 | 金额（元） | 说明 |\n"
        "|---|---|---|\n"
        "| 宣传材料印制 | 3200 | 问题清单公示栏、宣传册 |\n"
        "| 座谈会场地及茶歇 | 2400 | 四次师生座谈会 |\n"
        "| 志愿服务保障 | 4000 | 志愿者保险、交通补贴 |\n"
        "| 合计 | 9600 |  |\n"
    )


def test_awkward_cells_round_trip() -> None:
    rows = [
        ["事项", "内容"],
        ["分组", "A组|B组"],  # a pipe in a cell
        ["路径", "D:\\资料\\2023"],  # backslashes
        ["安排", "上午：集中学习\n下午：入户走访"],  # a line break in a cell
        ["标记", "<br>不是换行"],  # the text of a <br> tag itself
        ["备注", ""],  # an empty cell
    ]
    blocks = [
        Block.heading("二、进度安排", 1),
        Block.table(rows),
        Block.paragraph("|以竖线开头的段落"),
        Block.table([["责任单位", "联系人"], ["组织部", "王芳"]]),  # two tables in a row
    ]
    text = render_body(blocks)
    assert "A组\\|B组" in text and "上午：集中学习<br>下午：入户走访" in text
    assert parse_body(text) == blocks


def test_pipe_tables_written_by_other_tools() -> None:
    blocks = parse_record(CASE_MD)["body"]
    assert [b.type for b in blocks] == [
        "heading",
        "paragraph",
        "table",
        "heading",
        "paragraph",
        "table",
        "paragraph",
    ]
    assert blocks[2].rows == LEDGER  # no outer pipes, alignment colons
    # a table right under a paragraph line; a short row filled up to the header's width
    assert blocks[4].text == "专项经费共计9600元，具体安排如下："
    assert blocks[5].rows == BUDGET


def test_lines_that_are_not_tables() -> None:
    assert parse_body("小标题\n---\n\n甲 | 乙\n\n| 一 | 二 |\n|---|---|---|") == [
        Block.paragraph("小标题---"),  # a setext underline has no pipe
        Block.paragraph("甲 | 乙"),  # no separator row
        Block.paragraph("| 一 | 二 | |---|---|---|"),  # separator wider than the header
    ]


def test_a_row_without_pipe_ends_the_table() -> None:
    body = parse_body("| 时间 | 活动 |\n|---|---|\n| 5月6日 | 入户走访 |\n走访结束后召开座谈会。")
    assert body == [
        Block.table([["时间", "活动"], ["5月6日", "入户走访"]]),
        Block.paragraph("走访结束后召开座谈会。"),
    ]


def test_import_export_import_is_byte_for_byte(cli: Cli, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "三个清单.md").write_text(CASE_MD, encoding="utf-8")
    cli.ok("import", str(inbox))
    shown = cli.ok("show", "1", "--json").json()
    tables = [b for b in shown["body"] if b["type"] == "table"]
    assert [t["rows"] for t in tables] == [lists(LEDGER), lists(BUDGET)]
    assert tables[0]["text"] == "\n".join("\t".join(r) for r in LEDGER)

    out = tmp_path / "out"
    cli.ok("export", "--all", "--format", "md", "-o", str(out))
    (exported,) = out.glob("*.md")
    text = exported.read_text("utf-8")
    # the export is the canonical form: rendering what it parses to gives it back
    assert render_record(validate_record(parse_record(text)).model_dump()) == text
    assert "| 序号 | 问题清单 | 责任单位 | 完成时限 |\n|---|---|---|---|\n" in text

    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(out))
    again = fresh.ok("show", "1", "--json").json()
    assert again["body"] == shown["body"] and again["length"] == shown["length"]
    out2 = tmp_path / "out2"
    fresh.ok("export", "--all", "--format", "md", "-o", str(out2))
    assert (out2 / exported.name).read_bytes() == exported.read_bytes()


# --- show, search, lengths ---------------------------------------------------------------------


@pytest.fixture
def ledger_cli(cli: Cli, tmp_path: Path) -> Cli:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "三个清单.md").write_text(CASE_MD, encoding="utf-8")
    cli.ok("import", str(inbox))
    return cli


def test_show_draws_the_table(ledger_cli: Cli) -> None:
    shown = ledger_cli.ok("show", "1").stdout
    lines = shown.splitlines()
    header = next(ln for ln in lines if "问题清单" in ln and "完成时限" in ln)
    assert header.index("序号") < header.index("问题清单") < header.index("责任单位")
    row = next(ln for ln in lines if "后勤保障处" in ln)
    assert "│" in row and row.index("1") < row.index("后勤保障处") < row.index("2023年6月底前")
    assert "\t" not in shown


def test_search_finds_a_cell_and_never_spans_two(ledger_cli: Cli) -> None:
    def found(query: str) -> list[int]:
        return [h["id"] for h in ledger_cli.ok("search", query, "--json").json()]

    assert found("热水供应") == [1]
    assert found("信息化办公室") == [1]
    assert found("清单责任") == []  # 问题清单 | 责任单位
    assert found("前2") == []  # 2023年6月底前 / next row's 2
    assert found("时限1") == []  # header row / first row
    hit = ledger_cli.ok("search", "后勤保障处", "--json").json()[0]
    snippet = hit["snippet"]
    assert snippet["field"] == "body"
    assert "晚间排队时间长｜后勤保障处｜2023年6月底前" in snippet["text"]
    (start, end) = snippet["highlights"][0]
    assert snippet["text"][start:end] == "后勤保障处"


def test_lengths_count_cell_text_only(ledger_cli: Cli, tmp_path: Path) -> None:
    shown = ledger_cli.ok("show", "1", "--json").json()
    expected = sum(
        sum(len(c) for row in b["rows"] for c in row) if b["type"] == "table" else len(b["text"])
        for b in shown["body"]
    )
    assert shown["length"] == expected
    assert ledger_cli.ok("list", "--json").json()[0]["length"] == expected
    csv_path = tmp_path / "records.csv"
    ledger_cli.ok("export", "--all", "--format", "csv", "-o", str(csv_path))
    header, row = csv_path.read_text("utf-8-sig").splitlines()[:2]
    assert row.split(",")[header.split(",").index("字数")] == str(expected)


def test_body_texts_split_tables_into_cells() -> None:
    body = blocks_to_json([Block.paragraph("具体安排如下："), Block.table(LEDGER), Block.table([])])
    parts = body_texts(json.dumps(body, ensure_ascii=False))
    assert parts[:5] == ["具体安排如下：", "序号", "问题清单", "责任单位", "完成时限"]
    assert "学生公寓热水供应时间短，晚间排队时间长" in parts
    # one character between parts: offsets into the parts agree with the joined block texts
    joined = "\n".join(b["text"] for b in body)
    assert len("\n".join(parts)) == len(joined)


CONTACTS = (("责任单位", "联系人"), ("组织部", "王芳"))  # short cells, no final punctuation
SCHEDULE = (("序号", "事项", "完成时限"), ("1", "项目立项", "5月"), ("2", "场地改造", "6月"))


def test_evidence_reads_a_table_once() -> None:
    paragraph = Block.paragraph("共投入经费9600元，整改问题3项，师生满意率96%。")
    both = extract_all([paragraph, Block.table([["项目", "经费"], ["合计", "9600元"]])])
    alone = extract_all([paragraph])
    assert both.quantities == alone.quantities == 3  # 9600元 counts once
    # a row number and the next cell are no figure: "1" | "项目立项" is not 1项
    assert extract_all([Block.table(SCHEDULE)]).quantities == 0
    # a table's short cells do not pass for a section heading
    bare = [Block.paragraph("各责任单位按期整改。" * 3), Block.table(CONTACTS), paragraph]
    assert evidence.count_headings(bare) == 0
    assert evidence.count_headings([*bare[:2], Block.paragraph("联系方式"), paragraph]) == 1


def extract_all(blocks: list[Block]) -> evidence.Evidence:
    return evidence.extract(blocks, (), ("决策共谋",))


def test_ranking_reads_stored_tables_as_evidence_does() -> None:
    from caselib.choose.ranking import _body_text

    blocks = [
        Block.paragraph("各责任单位按期整改。" * 3),
        Block.table(CONTACTS),
        Block.table(SCHEDULE),
    ]
    blocks.append(Block.paragraph("经费9600元。"))
    text, headings = _body_text(blocks_to_json(blocks))
    assert headings == evidence.count_headings(blocks) == 0
    assert (
        evidence.count_figures(text)
        == evidence.count_figures("\n".join(b.text for b in blocks))
        == (1, 0)
    )


# --- DOCX ---------------------------------------------------------------------------------------


def ledger_rows(n: int) -> list[tuple[str, ...]]:
    units = ("后勤保障处", "图书馆", "基建处", "学生工作部", "信息化办公室", "保卫处")
    problems = (
        "学生公寓热水供应时间短，晚间排队时间长",
        "图书馆自习座位预约系统高峰期卡顿",
        "校园东门道路积水，雨天通行不便",
        "食堂窗口高峰期排队时间长，错峰就餐引导不足",
        "校园网宿舍区晚间网速慢",
        "夜间教学楼周边照明不足",
    )
    return [LEDGER[0]] + [
        (str(i), problems[i % 6], units[i % 6], f"2023年{i % 12 + 1}月底前")
        for i in range(1, n + 1)
    ]


def bulletin_docx(blocks: list[Block]) -> bytes:
    from caselib.publish.docx_writer import Article, BulletinSpec, write_bulletin

    spec = BulletinSpec(
        series="“我为群众办实事”实践活动简报",
        number=6,
        date=dt.date(2023, 5, 10),
        office="机关党委办公室",
        editor_note=None,
        distribution={"发": ["各二级党组织"]},
    )
    article = Article("机关党委：“三个清单”推动问题整改落地见效", "机关党委", "case", blocks)
    buf = io.BytesIO()
    write_bulletin(buf, spec, [article])
    return buf.getvalue()


def test_a_table_block_is_a_word_table() -> None:
    import docx
    from docx.oxml.ns import qn

    from caselib.publish.docx_writer import MARGIN_LEFT, MARGIN_RIGHT, PAGE_WIDTH

    data = bulletin_docx([Block.paragraph("具体安排如下："), Block.table(BUDGET)])
    doc = docx.Document(io.BytesIO(data))
    table = doc.tables[0]  # the 报/送/发 block is the second
    assert len(doc.tables) == 2
    assert [[c.text for c in row.cells] for row in table.rows] == lists(BUDGET)
    tbl = table._tbl
    width = int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w")))
    grid = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert width == sum(grid) == PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    assert grid[2] > grid[1]  # 说明 holds the longest cells, 金额 the shortest
    borders = tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"single"} and len(borders) == 6
    first, second = tbl.findall(qn("w:tr"))[:2]
    assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert second.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    cell_runs = re.findall(r"<w:tc>.*?</w:tc>", xml[: xml.index("各二级党组织")], re.S)
    assert len(cell_runs) == sum(len(r) for r in BUDGET)
    filled = [c for c in cell_runs if "<w:t " in c]
    assert len(filled) == len(cell_runs) - 1  # the empty 说明 of 合计 has no run
    assert all('w:eastAsia="黑体"' in c for c in cell_runs[:3])
    assert all('w:eastAsia="仿宋_GB2312"' in c for c in filled[3:])
    assert all('<w:sz w:val="28"/>' in c for c in filled)  # 四号, 14 pt


def test_a_word_table_reads_back_as_the_same_rows(tmp_path: Path) -> None:
    from caselib.intake.readers import read_document

    rows = [*ledger_rows(5), ("6", "宿舍区快递点\n搬迁选址", "", "待定")]
    blocks = [
        Block.heading("一、问题清单", 1),
        Block.paragraph("机关党委建立“三个清单”，逐项销号管理。"),
        Block.table(rows),
        Block.table(BUDGET),
        Block.paragraph("整改完成后组织师生代表逐项评议。"),
    ]
    path = tmp_path / "简报.docx"
    path.write_bytes(bulletin_docx(blocks))
    (article,) = read_document(path).articles
    assert [b for b in article.blocks if b.type == "table"] == [
        Block.table(rows),
        Block.table(BUDGET),
    ]
    assert article.blocks == blocks


def test_docx_import_then_markdown_export(cli: Cli, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "三个清单.md").write_text(CASE_MD, encoding="utf-8")
    cli.ok("import", str(inbox))
    docx_path = tmp_path / "第6期.docx"
    cli.ok(
        "export", "--all", "--format", "docx", "-o", str(docx_path), "--series", "实践活动简报",
        "--issue", "6", "--date", "2023-05-10", "--office", "机关党委办公室",
    )  # fmt: skip
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(docx_path))
    before = cli.ok("show", "1", "--json").json()["body"]
    after = fresh.ok("show", "1", "--json").json()["body"]
    assert after == before


def test_a_compilation_writes_tables_too() -> None:
    import docx

    from caselib.publish.docx_writer import Article, write_compilation

    articles = [
        Article("机关党委：“三个清单”推动问题整改落地见效", "机关党委", "case", [
            Block.paragraph("问题清单如下："), Block.table(LEDGER)
        ]),
        Article("文学院党委：读书月活动经费有保障", "文学院党委", "case", [
            Block.paragraph("经费预算如下："), Block.table(BUDGET)
        ]),
    ]  # fmt: skip
    buf = io.BytesIO()
    write_compilation(buf, "“三个清单”工作案例汇编", articles)
    doc = docx.Document(io.BytesIO(buf.getvalue()))
    assert [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables] == [
        lists(LEDGER),
        lists(BUDGET),
    ]


def test_two_tables_in_a_row_stay_two(tmp_path: Path) -> None:
    import docx

    data = bulletin_docx([Block.table(BUDGET), Block.table(LEDGER)])
    doc = docx.Document(io.BytesIO(data))
    assert [len(t.rows) for t in doc.tables[:2]] == [len(BUDGET), len(LEDGER)]


SHORT_PROBLEMS = (
    "热水供应时间短",
    "自习座位预约卡顿",
    "东门道路积水",
    "食堂高峰排队长",
    "宿舍区晚间网速慢",
    "教学楼周边照明不足",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Block]]:
    """A bulletin with a 30-row ledger of one-line cells (it runs onto a second page) and
    the three-row ledger whose long cells wrap, rendered by LibreOffice."""
    for tool in ("soffice", "pdftotext"):
        need_tool_or_skip(tool)
    from caselib.publish.pdf_render import docx_to_pdf

    work = tmp_path_factory.mktemp("tables-render")
    units = ("后勤保障处", "图书馆", "基建处", "学生工作部", "信息化办公室", "保卫处")
    long_rows = [LEDGER[0]] + [
        (str(i), SHORT_PROBLEMS[i % 6], units[i % 6], f"2023年{i % 12 + 1}月底前")
        for i in range(1, 31)
    ]
    blocks = [
        Block.heading("一、问题清单", 1),
        Block.paragraph("机关党委建立“三个清单”，逐项销号管理，清单如下："),
        Block.table(long_rows),
        Block.paragraph("其中群众反映最集中的三项问题及整改安排如下："),
        Block.table(LEDGER),
        Block.paragraph("整改完成后，机关党委组织师生代表逐项评议。"),
    ]
    path = work / "简报.docx"
    path.write_bytes(bulletin_docx(blocks))
    return docx_to_pdf(path, work / "pdf"), blocks


def layout_pages(pdf: Path) -> list[str]:
    """The text of each page as laid out (a table row is a line, its cells left to right)."""
    import subprocess

    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    return [p for p in out.stdout.decode("utf-8").split("\f") if p.strip()]


def test_rendered_table_shows_the_cells_in_order(rendered: tuple[Path, list[Block]]) -> None:
    from .test_docx_render import assert_in_order

    pdf, blocks = rendered
    text = "".join(layout_pages(pdf))
    cells = [c for row in blocks[2].rows[1:] for c in row]
    assert_in_order(text, [blocks[1].text, *blocks[2].rows[0], *cells, blocks[3].text])


def test_rendered_wrapped_cells_keep_their_text(rendered: tuple[Path, list[Block]]) -> None:
    """Each column of the wrapped ledger, read top to bottom on the page, gives its cells
    whole and in row order."""
    import subprocess
    import xml.etree.ElementTree as ET

    import docx
    from docx.oxml.ns import qn

    from caselib.publish.docx_writer import MARGIN_BOTTOM, MARGIN_LEFT

    from .test_docx_render import squeeze

    pdf, blocks = rendered
    grid = [
        int(g.get(qn("w:w"))) / 20
        for g in docx.Document(str(pdf.parent.parent / "简报.docx"))
        .tables[1]
        ._tbl.tblGrid.findall(qn("w:gridCol"))
    ]
    edges = [MARGIN_LEFT / 20]
    for width in grid:
        edges.append(edges[-1] + width)
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True)
    xhtml = re.sub(r"<!DOCTYPE[^>]*>", "", out.stdout.decode("utf-8"))
    ns = "{http://www.w3.org/1999/xhtml}"
    for page in ET.fromstring(xhtml).iter(f"{ns}page"):
        words = list(page.iter(f"{ns}word"))
        lead = [w for w in words if w.text == blocks[3].text]
        if lead:
            break
    else:
        raise AssertionError("the paragraph before the ledger is not in the PDF")
    top = float(lead[0].get("yMax", 0))
    bottom = float(page.get("height", 0)) - MARGIN_BOTTOM / 20
    columns: list[list[tuple[float, float, str]]] = [[] for _ in grid]
    for w in words:
        x, y = float(w.get("xMin", 0)), float(w.get("yMin", 0))
        if top < y < bottom:
            col = next(i for i in range(len(grid)) if x < edges[i + 1])
            columns[col].append((y, x, w.text or ""))
    for c, column in enumerate(columns):
        read = squeeze("".join(t for _, _, t in sorted(column)))
        assert read == squeeze("".join(row[c] for row in LEDGER)), c


def test_rendered_table_repeats_its_header_on_every_page(
    rendered: tuple[Path, list[Block]],
) -> None:
    from .test_docx_render import squeeze

    pdf, _ = rendered
    pages = [squeeze(p) for p in layout_pages(pdf)]
    with_rows = [p for p in pages if re.search("|".join(SHORT_PROBLEMS), p)]
    assert len(with_rows) >= 2  # the ledger runs onto a second page
    assert all(p.count("".join(LEDGER[0])) >= 1 for p in with_rows)
