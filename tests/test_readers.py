"""Tests of caselib.intake.readers: the seed bulletin in every form, single cases, bad input.

Every fixture is generated under tmp_path at test time (no binary fixtures are committed).
Tests that need LibreOffice skip when ``soffice`` is missing, unless CI=true.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselib.intake.readers import (
    MAX_TEXT_BYTES,
    SUPPORTED_SUFFIXES,
    ParsedDocument,
    ReadError,
    convert,
    read_document,
    read_text_bytes,
)
from caselib.text.blocks import Block

from .conftest import need_seed


def seed_text() -> str:
    """The seed bulletin, found next to the repository (``need_seed``: skipped without
    ../shared, a failure under CI)."""
    return need_seed().read_text(encoding="utf-8")


def seed_lines() -> list[str]:
    return seed_text().split("\n")  # seed_lines()[n - 1] is line n of the file


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CI") != "true", reason="LibreOffice (soffice) 未安装"
)
needs_pdftools = pytest.mark.skipif(
    (SOFFICE is None or PDFTOTEXT is None) and os.environ.get("CI") != "true",
    reason="LibreOffice 或 pdftotext 未安装",
)


def seed_line(n: int) -> str:
    return seed_lines()[n - 1]


# --- what the seed must come in as -------------------------------------------------------

SERIES = "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报"
OFFICE = "湖北大学党史学习教育领导小组办公室"
TITLE = "机关党委：党建引领聚合力 “共同缔造”暖人心"
DISTRIBUTION = {
    "报": ["省委党史学习教育领导小组办公室", "省委教育工委省教育厅党史学习教育领导小组办公室"],
    "送": ["湖北大学党史学习教育领导小组成员"],
    "发": ["湖北大学党史学习教育领导小组办公室成员单位", "各二级党组织"],
}
HEADING_LINES = (19, 25, 33)
# The article body by seed line numbers: lines 15+17 and 35+37 are one paragraph each,
# broken after "，" in the source.
EXPECTED_BLOCKS = [
    Block.paragraph(seed_line(15) + seed_line(17)),
    Block.heading("身入心至下基层，提升党建引领力", 1),
    Block.paragraph(seed_line(21)),
    Block.paragraph(seed_line(23)),
    Block.heading("把脉问诊促发展，提升党建服务力", 1),
    Block.paragraph(seed_line(27)),
    Block.paragraph(seed_line(29)),
    Block.paragraph(seed_line(31)),
    Block.heading("解难纾困暖民心，提升党建凝聚力", 1),
    Block.paragraph(seed_line(35) + seed_line(37)),
    Block.paragraph(seed_line(39)),
    Block.paragraph(seed_line(41)),
]


def test_expected_blocks_match_the_seed_by_hand() -> None:
    """The line-number bookkeeping above, checked against text typed from the seed."""
    paragraphs = [b.text for b in EXPECTED_BLOCKS if b.type == "paragraph"]
    assert len(paragraphs) == 9
    assert paragraphs[0].startswith("湖北大学机关党委将实践活动作为走好新时代党的群众路线")
    assert "坚持党建引领“共同缔造”，以决策共谋、发展共建" in paragraphs[0]
    assert paragraphs[0].endswith("服务学校高质量发展。")
    assert paragraphs[3] == "师生需求在哪里，机关党员干部热忱服务的身影就在哪里。"
    assert "推动“大变化”，用一件件“贴心事”凝聚“暖人心”" in paragraphs[6]
    assert paragraphs[6].endswith("深受大家一致肯定与好评。")
    assert paragraphs[8].endswith("努力为学校事业发展提供坚强有力支撑。")
    assert [seed_line(n) for n in HEADING_LINES] == [
        b.text for b in EXPECTED_BLOCKS if b.type == "heading"
    ]


def assert_seed_bulletin(doc: ParsedDocument, *, exact_paragraphs: bool = True) -> None:
    bulletin = doc.bulletin
    assert bulletin is not None
    assert bulletin.series == SERIES
    assert bulletin.number == 13
    assert bulletin.year == 2022
    assert bulletin.date == datetime.date(2022, 10, 20)
    assert bulletin.office == OFFICE
    assert bulletin.editor_note is not None
    assert bulletin.editor_note.startswith("党员干部下基层察民情解民忧暖民心实践活动开展以来")
    assert bulletin.editor_note.endswith("本期简报推介机关党委的经验案例。")
    assert bulletin.distribution == DISTRIBUTION
    assert len(doc.articles) == 1
    article = doc.articles[0]
    assert article.title == TITLE
    assert article.unit == "机关党委"
    assert article.kind == "case"
    headings = [b for b in article.blocks if b.type == "heading"]
    assert headings == [b for b in EXPECTED_BLOCKS if b.type == "heading"]
    if exact_paragraphs:
        assert bulletin.editor_note == seed_line(11).removeprefix("编者按：")
        assert article.blocks == EXPECTED_BLOCKS


# --- the seed as text --------------------------------------------------------------------


def test_seed_text_utf8() -> None:
    doc = read_document(need_seed())
    assert_seed_bulletin(doc)
    assert doc.encoding == "utf-8"
    assert doc.warnings == []


@pytest.mark.parametrize(
    ("codec", "reported"),
    [
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),  # Python writes a BOM (little-endian here)
        ("utf-16-be-bom", "utf-16"),
        ("utf-8-sig", "utf-8-sig"),
    ],
)
def test_seed_text_in_other_encodings(tmp_path: Path, codec: str, reported: str) -> None:
    if codec == "utf-16-be-bom":
        data = b"\xfe\xff" + seed_text().encode("utf-16-be")
    else:
        data = seed_text().encode(codec)
    path = tmp_path / "简报第13期.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert doc.encoding == reported
    assert_seed_bulletin(doc)


def test_seed_text_with_windows_newlines_and_indents(tmp_path: Path) -> None:
    """Offices indent paragraphs with full-width spaces and save with CRLF."""
    lines = [("\u3000\u3000" + ln if len(ln) > 40 else ln) for ln in seed_lines()]
    path = tmp_path / "seed.txt"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    assert_seed_bulletin(read_document(path))


# --- the seed as Word files --------------------------------------------------------------


def _font(run: object, east_asia: str, size: float, *, bold: bool = False) -> None:
    run_any: object = run
    font = run_any.font  # type: ignore[attr-defined]
    font.size = Pt(size)
    font.bold = bold
    font.name = "Times New Roman"
    rpr = run_any._element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def _add_page_number(paragraph: Paragraph) -> None:
    """ "— PAGE —" as in GB/T 9704 footers."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    paragraph.add_run(" —")


def make_seed_docx(path: Path, *, office_and_date_on_one_line: bool = False) -> Path:
    """The seed typed into Word: one paragraph per line, the usual 简报 styling."""
    doc = Document()
    section = doc.sections[0]
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _add_page_number(footer)
    section.header.paragraphs[0].text = "内部资料 注意保存"
    numbered = [(n, line.strip()) for n, line in enumerate(seed_lines(), 1) if line.strip()]
    for n, text in numbered:
        if office_and_date_on_one_line and n == 9:
            continue
        p = doc.add_paragraph()
        if n == 3:  # 报头
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(text)
            _font(run, "方正小标宋简体", 36, bold=True)
            run.font.color.rgb = RGBColor(0xFF, 0, 0)
        elif n == 5:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), "仿宋_GB2312", 16)
        elif n == 7:
            if office_and_date_on_one_line:
                _font(p.add_run(f"{text}\t\t{seed_line(9)}"), "仿宋_GB2312", 16)
            else:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _font(p.add_run(text), "仿宋_GB2312", 16)
        elif n == 9:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), "仿宋_GB2312", 16)
        elif n == 11:  # 编者按: the label bold, the note in 楷体
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run("编者按："), "黑体", 16, bold=True)
            _font(p.add_run(text.removeprefix("编者按：")), "楷体_GB2312", 16)
        elif n == 13:  # article title
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), "方正小标宋简体", 22, bold=True)
        elif n in HEADING_LINES:
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(text), "黑体", 16, bold=True)
        elif n >= 43:  # 版记
            _font(p.add_run(text), "仿宋_GB2312", 14)
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(text), "仿宋_GB2312", 16)
    doc.save(str(path))
    return path


def test_seed_docx_made_with_python_docx(tmp_path: Path) -> None:
    doc = read_document(make_seed_docx(tmp_path / "简报.docx"))
    assert doc.encoding is None
    assert_seed_bulletin(doc)


def test_seed_docx_office_and_date_on_one_line(tmp_path: Path) -> None:
    path = make_seed_docx(tmp_path / "简报.docx", office_and_date_on_one_line=True)
    assert_seed_bulletin(read_document(path))


def test_docx_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = make_seed_docx(tmp_path / "简报.DOCX")
    assert_seed_bulletin(read_document(path))


def soffice_convert(source: Path, target: str, outdir: Path) -> Path:
    """Convert with LibreOffice the way an office would (private profile, timeout)."""
    assert SOFFICE is not None, "LibreOffice (soffice) 未安装"
    profile = (outdir / "lo-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = outdir / (source.stem + "." + target.split(":")[0])
    assert result.exists(), f"LibreOffice did not write {result}"
    return result


@needs_soffice
def test_seed_txt_converted_to_docx_by_libreoffice(tmp_path: Path) -> None:
    source = tmp_path / "seed.txt"
    shutil.copyfile(need_seed(), source)
    converted = soffice_convert(source, "docx", tmp_path / "out")
    assert_seed_bulletin(read_document(converted))


def test_alignment_values_python_docx_rejects(tmp_path: Path) -> None:
    """LibreOffice (some versions and filter choices) writes w:jc="start"/"end", which
    python-docx's enums reject: the reader copes."""
    original = make_seed_docx(tmp_path / "seed.docx")
    patched = tmp_path / "start.docx"
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b'w:jc w:val="center"', b'w:jc w:val="start"')
                data = data.replace(b"<w:pPr>", b'<w:pPr><w:jc w:val="end"/>', 3)
                assert b'w:val="start"' in data
            dst.writestr(item, data)
    assert_seed_bulletin(read_document(patched))


@needs_soffice
def test_seed_doc_and_wps_converted_by_libreoffice(tmp_path: Path) -> None:
    """An old binary .doc (and the same file named .wps) goes through LibreOffice."""
    docx_path = make_seed_docx(tmp_path / "seed.docx")
    doc_path = soffice_convert(docx_path, "doc:MS Word 97", tmp_path / "out")
    assert doc_path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    doc = read_document(doc_path)
    assert_seed_bulletin(doc)
    assert any("LibreOffice" in w for w in doc.warnings)
    wps_path = tmp_path / "seed.wps"
    shutil.copyfile(doc_path, wps_path)
    assert_seed_bulletin(read_document(wps_path))


@needs_pdftools
def test_seed_pdf(tmp_path: Path) -> None:
    """A PDF is hard-wrapped text: the frame, title, unit and headings still come through."""
    source = tmp_path / "seed.txt"
    shutil.copyfile(need_seed(), source)
    pdf = soffice_convert(source, "pdf", tmp_path / "out")
    doc = read_document(pdf)
    assert_seed_bulletin(doc, exact_paragraphs=False)
    body = "".join(b.text for b in doc.articles[0].blocks if b.type == "paragraph")
    assert "坚持党建引领“共同缔造”，以决策共谋" in body
    assert "推动“大变化”，用一件件“贴心事”" in body
    assert any("PDF" in w for w in doc.warnings)
    renamed = tmp_path / "seed.docx"  # users rename files; the content decides
    shutil.copyfile(pdf, renamed)
    assert read_document(renamed).articles == doc.articles


@needs_pdftools
def test_pdf_letter_spaced_lines_read_as_words(tmp_path: Path) -> None:
    """A 版头 spread letter by letter across the line reads as one word, as a person reads
    it; a space between two words of a title (齿轮转烽火忆 孩童…) stays."""
    doc = Document()
    for text in ("人民政府文件", "齿轮转烽火忆 孩童在石大课堂触摸科学与历史"):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold, run.font.size = True, Pt(16)
        if text == "人民政府文件":  # 10 pt between letters: pdftotext writes "人 民 政 府 文 件"
            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:val"), "200")
            run._r.get_or_add_rPr().append(spacing)
    doc.add_paragraph("5月20日，石河子大学邀请附属小学的孩子们走进实验室，触摸科学与历史。")
    source = tmp_path / "spaced.docx"
    doc.save(str(source))
    text = convert.pdftotext(soffice_convert(source, "pdf", tmp_path / "out"))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:2] == ["人民政府文件", "齿轮转烽火忆 孩童在石大课堂触摸科学与历史"]


@needs_pdftools
def test_encrypted_pdf(tmp_path: Path) -> None:
    source = tmp_path / "seed.txt"
    shutil.copyfile(need_seed(), source)
    options = (
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"secret"}}'
    )
    pdf = soffice_convert(source, options, tmp_path / "out")
    with pytest.raises(ReadError, match="^文件已加密，无法读取$"):
        read_document(pdf)


# --- a single case as Word ---------------------------------------------------------------

CASE_TITLE = "文学院党委：“三联三帮”架起师生连心桥"


def make_case_docx(path: Path) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "文学院党委经验案例"
    _add_page_number(section.footer.paragraphs[0])
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(CASE_TITLE), "方正小标宋简体", 22, bold=True)
    doc.add_paragraph("文学院党委 张三")
    doc.add_paragraph("一、基本情况")
    doc.add_paragraph("文学院现有学生党员426名，教工党员98名，下设党支部15个。")
    bold = doc.add_paragraph()
    _font(bold.add_run("（一）建立联系机制"), "楷体_GB2312", 16, bold=True)
    doc.add_paragraph(
        "学院党委书记、院长带头联系学生党支部，每名党员干部联系1个班级，"
    )  # broken in mid-sentence, as pasted from a PDF
    doc.add_paragraph("每月至少到班级走访一次，倾听学生诉求。")
    doc.add_heading("（二）完善帮扶台账", level=2)
    doc.add_paragraph("建立问题、任务、成效三本台账，逐项销号。")
    table = doc.add_table(rows=3, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, values in zip(
        table.rows,
        [
            ("台账", "数量", "完成情况"),
            ("问题清单", "36项", "已解决30项"),
            ("任务清单", "12项", "全部完成"),
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    doc.add_heading("二、主要成效", level=1)
    doc.add_paragraph("1.学生满意度明显提升")
    doc.add_paragraph("学期末测评中，学生对党员干部服务的满意度达到98%。")
    doc.add_paragraph("— 2 —")  # a page number typed into the body
    doc.add_paragraph("第2页")
    lesson = doc.add_paragraph()
    _font(lesson.add_run("经验启示"), "黑体", 16, bold=True)
    doc.add_paragraph("联系服务师生要常态长效，不能一阵风。")
    doc.add_paragraph("（文学院党委供稿）")
    doc.save(str(path))
    return path


CASE_BLOCKS = [
    Block.heading("一、基本情况", 1),
    Block.paragraph("文学院现有学生党员426名，教工党员98名，下设党支部15个。"),
    Block.heading("（一）建立联系机制", 2),
    Block.paragraph(
        "学院党委书记、院长带头联系学生党支部，每名党员干部联系1个班级，"
        "每月至少到班级走访一次，倾听学生诉求。"
    ),
    Block.heading("（二）完善帮扶台账", 2),
    Block.paragraph("建立问题、任务、成效三本台账，逐项销号。"),
    Block.table(
        [
            ["台账", "数量", "完成情况"],
            ["问题清单", "36项", "已解决30项"],
            ["任务清单", "12项", "全部完成"],
        ]
    ),
    Block.heading("二、主要成效", 1),
    Block.heading("1.学生满意度明显提升", 3),
    Block.paragraph("学期末测评中，学生对党员干部服务的满意度达到98%。"),
    Block.heading("经验启示", 1),
    Block.paragraph("联系服务师生要常态长效，不能一阵风。"),
]


def test_single_case_docx(tmp_path: Path) -> None:
    doc = read_document(make_case_docx(tmp_path / "文学院案例.docx"))
    assert doc.bulletin is None
    assert len(doc.articles) == 1
    article = doc.articles[0]
    assert article.title == CASE_TITLE
    assert article.unit == "文学院党委"
    assert article.kind == "case"
    assert article.blocks == CASE_BLOCKS
    text = "\n".join(b.text for b in article.blocks)
    for noise in ("文学院党委经验案例", "— 1 —", "— 2 —", "第2页", "张三", "供稿"):
        assert noise not in text


def test_unit_from_byline_when_the_title_has_none(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("党建引领聚合力", style="Title")
    doc.add_paragraph("（机关党委供稿）")
    doc.add_paragraph("机关党委组织党员干部深入学院，听取师生意见建议三十余条。")
    doc.add_paragraph("2022年9月3日")
    path = tmp_path / "a.docx"
    doc.save(str(path))
    article = read_document(path).articles[0]
    assert article.title == "党建引领聚合力"
    assert article.unit == "机关党委"
    assert article.date == datetime.date(2022, 9, 3)
    assert article.kind == "story"
    assert article.blocks == [
        Block.paragraph("机关党委组织党员干部深入学院，听取师生意见建议三十余条。")
    ]


def test_left_out_preamble_is_quoted_short(tmp_path: Path) -> None:
    """Instructions above the title are left out, and the report quotes only their start
    (a whole page of them would fill the import table), with how many there were."""
    first = (
        "投稿须知：正文用仿宋_GB2312四号字，全文行距固定值28磅，首行缩进2字符，请勿使用自动编号。"
    )
    doc = Document()
    doc.add_paragraph(first)
    doc.add_paragraph("图片要求：图片居中，环绕方式为嵌入型，图片比例全文保持一致，并注明封面图。")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("文学院党委开展“共同缔造”主题党日活动")
    run.bold, run.font.size = True, Pt(22)
    body = "文学院党委组织党员走进社区，与居民共商小区改造方案，收集意见建议三十余条。"
    doc.add_paragraph(body)
    path = tmp_path / "投稿.docx"
    doc.save(str(path))
    read = read_document(path)
    assert [a.title for a in read.articles] == ["文学院党委开展“共同缔造”主题党日活动"]
    assert read.articles[0].blocks == [Block.paragraph(body)]
    assert read.warnings == [f"标题之前的内容已忽略：{first[:40]}…（共 2 段）"]


def test_layout_table_and_form_table(tmp_path: Path) -> None:
    """A whole article inside a one-cell table; a submission form as label/value cells."""
    doc = Document()
    form = doc.add_table(rows=2, cols=2)
    form.cell(0, 0).text = "案例名称"
    form.cell(0, 1).text = "党建引领聚合力"
    form.cell(1, 0).text = "报送单位"
    form.cell(1, 1).text = "机关党委"
    box = doc.add_table(rows=1, cols=1)
    cell = box.cell(0, 0)
    cell.paragraphs[0].text = "一、主要做法"
    cell.add_paragraph("机关党委组织各支部开展结对共建，帮助学院解决实际困难。")
    path = tmp_path / "form.docx"
    doc.save(str(path))
    article = read_document(path).articles[0]
    assert article.title == "党建引领聚合力"
    assert article.unit == "机关党委"
    assert article.blocks == [
        Block.heading("一、主要做法", 1),
        Block.paragraph("机关党委组织各支部开展结对共建，帮助学院解决实际困难。"),
    ]


def test_submission_form_with_contacts_and_sections_in_cells(tmp_path: Path) -> None:
    """A 申报表: name and unit rows give title and unit; 联系人 and phone/e-mail rows give the
    person and how to reach them; a row whose cell holds several paragraphs (主要做法) is a
    part of the text headed by its label, its own headings and paragraphs kept apart."""
    doc = Document()
    doc.add_paragraph("2024年度“共同缔造”优秀案例申报表")
    form = doc.add_table(rows=5, cols=4)
    rows = [
        ["案例名称", "“小网格”撬动“大治理”"],
        ["申报单位", "数学与统计学院党委", "联系人", "张三"],
        ["联系电话", "027-88888888", "电子邮箱", "zs@example.edu.cn"],
        [
            "主要做法",
            "一、建强网格组织\n以楼栋为单元设立党支部。\n二、完善服务机制\n建立闭环机制。",
        ],
        ["工作成效", "学生满意度由82%提升到96%。"],
    ]
    for r, cells in enumerate(rows):
        if len(cells) == 2:
            form.cell(r, 1).merge(form.cell(r, 3))
        for c, text in enumerate(cells):
            cell = form.cell(r, c)
            lines = text.split("\n")
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    path = tmp_path / "申报表.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    assert (article.title, article.unit) == ("“小网格”撬动“大治理”", "数学与统计学院党委")
    assert article.metadata == {"联系人": "张三", "联系方式": "027-88888888；zs@example.edu.cn"}
    assert article.blocks == [
        Block.heading("主要做法", 1),
        Block.heading("一、建强网格组织", 1),
        Block.paragraph("以楼栋为单元设立党支部。"),
        Block.heading("二、完善服务机制", 1),
        Block.paragraph("建立闭环机制。"),
        Block.paragraph("工作成效：学生满意度由82%提升到96%。"),
    ]


# --- text files: several articles, stories, wrapped lines --------------------------------

MULTI = """\
数学与统计学学院工作简报

2023年第2期（总第15期）

数学与统计学学院党委办公室　　　　2023年3月1日

编者按：本期刊发两篇经验案例和一则暖心故事。

【经验案例】

文学院党委：“三联三帮”架起师生连心桥

文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决学习生活中的实际困难。

一、建立联系机制

每名党员干部联系1个班级，每月至少走访一次。

（文学院党委供稿）

数学学院党委：以“小网格”服务“大民生”

数学学院党委把学生公寓划分为12个网格，党员干部担任网格员，
及时回应学生诉求。

（数学学院党委供稿）

【暖心故事】

深夜里的一碗热汤

后勤保障处 李明

9月3日深夜，李明在宿舍楼巡查时发现一名学生发烧，立即联系校医院并送去一碗热汤。

报送：校党委办公室、校党史学习教育领导小组办公室。
抄送：各二级党组织。
（共印 30 份）
"""


def test_bulletin_with_several_articles_and_a_story(tmp_path: Path) -> None:
    path = tmp_path / "multi.txt"
    path.write_bytes(MULTI.encode("gbk"))
    doc = read_document(path)
    bulletin = doc.bulletin
    assert bulletin is not None
    assert (bulletin.series, bulletin.number, bulletin.year) == (
        "数学与统计学学院工作简报",
        2,
        2023,
    )
    assert bulletin.office == "数学与统计学学院党委办公室"
    assert bulletin.date == datetime.date(2023, 3, 1)
    assert bulletin.editor_note == "本期刊发两篇经验案例和一则暖心故事。"
    assert bulletin.distribution == {
        "报": ["校党委办公室", "校党史学习教育领导小组办公室"],
        "送": ["各二级党组织"],
    }
    assert [(a.title, a.unit, a.kind) for a in doc.articles] == [
        ("文学院党委：“三联三帮”架起师生连心桥", "文学院党委", "case"),
        ("数学学院党委：以“小网格”服务“大民生”", "数学学院党委", "case"),
        ("深夜里的一碗热汤", "后勤保障处", "story"),
    ]
    assert doc.articles[0].blocks == [
        Block.paragraph(
            "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决学习生活中的实际困难。"
        ),
        Block.heading("一、建立联系机制", 1),
        Block.paragraph("每名党员干部联系1个班级，每月至少走访一次。"),
    ]
    assert doc.articles[1].blocks == [
        Block.paragraph(
            "数学学院党委把学生公寓划分为12个网格，党员干部担任网格员，及时回应学生诉求。"
        )
    ]
    assert doc.articles[2].blocks[0].text.startswith("9月3日深夜")


WRAPPED_SOURCE = [
    "把论文写在大地上",
    "",
    "文学院党委坚持问题导向，组织党员干部深入学生班级和宿舍，面对面听取意见建议，"
    "建立问题清单、任务清单和成效清单，逐项推进落实，做到件件有回音、事事有着落，"
    "师生满意度持续提升",
    "",
    "一是建立联系机制",
    "",
    "每名党员干部联系一个班级，每月至少走访一次，了解学生学习生活中的困难和诉求，"
    "能当场解决的当场解决，不能当场解决的明确时限、跟踪督办，确保问题不过夜、"
    "服务不断档，形成长效机制。",
]


def test_hard_wrapped_text_is_rejoined(tmp_path: Path) -> None:
    """Text cut at a fixed width (PDF copies, e-mail) comes back as whole paragraphs."""
    width = 24
    lines: list[str] = []
    for para in WRAPPED_SOURCE:
        lines += [para[i : i + width] for i in range(0, len(para), width)] or [""]
    path = tmp_path / "wrapped.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    article = read_document(path).articles[0]
    assert article.title == "把论文写在大地上"
    assert article.blocks == [
        Block.paragraph(WRAPPED_SOURCE[2]),
        Block.heading("一是建立联系机制", 1),
        Block.paragraph(WRAPPED_SOURCE[6]),
    ]


def test_gbk_story_without_declaration(tmp_path: Path) -> None:
    story = (
        "暖心故事\n\n"
        "一碗热汤暖人心\n\n"
        "后勤保障处 李明\n\n"
        "9月3日深夜，后勤保障处党员李明在巡查时发现一名学生发烧，立即联系校医院，"
        "又从食堂端来一碗热汤。学生家长专程送来感谢信：“谢谢你们把孩子当成自己的孩子！”\n"
    )
    path = tmp_path / "story.txt"
    path.write_bytes(story.encode("gbk"))
    doc = read_document(path)
    assert doc.encoding == "gb18030"
    assert doc.bulletin is None
    article = doc.articles[0]
    assert (article.title, article.unit, article.kind) == ("一碗热汤暖人心", "后勤保障处", "story")
    assert len(article.blocks) == 1
    assert article.blocks[0].text.endswith("当成自己的孩子！”")


# --- read_text_bytes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("党建引领".encode(), ("党建引领", "utf-8")),
        (b"\xef\xbb\xbf" + "党建引领".encode(), ("党建引领", "utf-8-sig")),
        ("党建引领".encode("gbk"), ("党建引领", "gb18030")),
        (b"\xff\xfe" + "党建 A".encode("utf-16-le"), ("党建 A", "utf-16")),
        (b"\xfe\xff" + "党建 A".encode("utf-16-be"), ("党建 A", "utf-16")),
        ("A党建 ok\n".encode("utf-16-le"), ("A党建 ok\n", "utf-16")),  # no BOM
        # no BOM, Chinese only: a NUL on each side (一 is U+4E00, then the line end)
        ("一碗热汤面里的温情\n".encode("utf-16-le"), ("一碗热汤面里的温情\n", "utf-16")),
        ("一碗热汤面里的温情\n".encode("utf-16-be"), ("一碗热汤面里的温情\n", "utf-16")),
        (b"line1\r\nline2\rline3", ("line1\nline2\nline3", "utf-8")),
    ],
)
def test_read_text_bytes(data: bytes, expected: tuple[str, str]) -> None:
    assert read_text_bytes(data) == expected


def test_read_text_bytes_falls_back_to_detection() -> None:
    text = "黨建引領聚合力，共同締造暖人心。師生需求在哪裡，黨員幹部的身影就在哪裡。" * 5
    decoded, encoding = read_text_bytes(text.encode("big5"))
    assert decoded == text
    assert encoding not in ("utf-8", "gb18030")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        bytes(range(256)) * 8,
        b"\x80\x81\x82\x83\x9f" * 200,
    ],
)
def test_read_text_bytes_refuses_binary(data: bytes) -> None:
    with pytest.raises(ReadError, match="二进制"):
        read_text_bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_read_text_bytes_never_raises_anything_else(data: bytes) -> None:
    try:
        text, encoding = read_text_bytes(data)
    except ReadError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(text, str) and encoding


# --- bad input ---------------------------------------------------------------------------


def expect_read_error(path: Path, pattern: str) -> str:
    with pytest.raises(ReadError, match=pattern) as info:
        read_document(path)
    message = str(info.value)
    assert message and "\n" not in message
    assert type(info.value) is ReadError
    return message


def test_corrupt_zip_named_docx(tmp_path: Path) -> None:
    good = make_case_docx(tmp_path / "good.docx").read_bytes()
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good[: len(good) // 2])
    expect_read_error(truncated, r"^不是有效的 Word 文档（压缩包损坏）$")
    garbage = tmp_path / "garbage.docx"
    garbage.write_bytes(b"this is not a zip file at all" * 10)
    expect_read_error(garbage, r"^不是有效的 Word 文档（压缩包损坏）$")
    flipped = bytearray(good)
    start = good.index(b"word/document.xml") + 40  # inside the compressed body
    flipped[start : start + 64] = bytes(64)
    broken = tmp_path / "crc.docx"
    broken.write_bytes(bytes(flipped))
    expect_read_error(broken, r"^不是有效的 Word 文档（压缩包损坏）$")


def test_zip_that_is_not_word(tmp_path: Path) -> None:
    path = tmp_path / "table.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    expect_read_error(path, r"^这是 Excel 表格，不是 Word 文档$")


_STYLES_REL = re.compile(rb'<Relationship [^>]*relationships/styles"[^>]*/>')


def _edited_case_docx(tmp_path: Path, name: str, edits: dict[str, bytes | None]) -> Path:
    """The case document with some parts replaced (a value) or left out (None)."""
    good = make_case_docx(tmp_path / "good.docx")
    path = tmp_path / name
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename not in edits:
                dst.writestr(info, src.read(info))
            elif edits[info.filename] is not None:
                dst.writestr(info.filename, edits[info.filename])
    return path


def _part(name: str, tmp_path: Path) -> bytes:
    with zipfile.ZipFile(make_case_docx(tmp_path / "part.docx")) as zf:
        return zf.read(name)


def test_docx_without_styles_part_reads_with_default_styles(tmp_path: Path) -> None:
    rels = _part("word/_rels/document.xml.rels", tmp_path)
    assert _STYLES_REL.search(rels)
    path = _edited_case_docx(
        tmp_path,
        "nostyles.docx",
        {"word/styles.xml": None, "word/_rels/document.xml.rels": _STYLES_REL.sub(b"", rels)},
    )
    article = read_document(path).articles[0]
    assert article.title == CASE_TITLE
    assert any("文学院现有学生党员426名" in block.text for block in article.blocks)


@pytest.mark.parametrize(
    ("part", "damage", "pattern"),
    [
        ("word/styles.xml", lambda xml: xml[: len(xml) // 2], "内部 XML 损坏"),
        ("word/document.xml", lambda xml: xml[: len(xml) // 2], "内部 XML 损坏"),
        (
            "word/document.xml",
            lambda xml: re.sub(rb"<w:body>.*</w:body>", b"", xml, flags=re.S),
            "缺少正文部分",
        ),
        (
            "[Content_Types].xml",
            lambda xml: xml.replace(b"document.main+xml", b"template.main+xml"),
            "文件类型不是 Word 文档",
        ),
        ("_rels/.rels", lambda xml: None, "缺少必需的部件"),
    ],
)
def test_docx_with_a_broken_part(
    tmp_path: Path, part: str, damage: Callable[[bytes], bytes | None], pattern: str
) -> None:
    path = _edited_case_docx(tmp_path, "broken.docx", {part: damage(_part(part, tmp_path))})
    expect_read_error(path, rf"^不是有效的 Word 文档（{pattern}）$")


def test_docx_without_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    doc = Document()
    doc.add_paragraph("   ")
    doc.add_table(rows=2, cols=2)
    doc.save(str(path))
    expect_read_error(path, r"^文档中没有可读取的文字")


def _ole_file(stream_names: list[str]) -> bytes:
    """A minimal OLE compound file (as Office writes for password-protected .docx)."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 72, 0)
    header[76:sector] = b"\xff" * (sector - 76)
    struct.pack_into("<I", header, 76, 0)  # FAT in sector 0
    fat = bytearray(b"\xff" * sector)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)  # sector 0 FAT, 1 directory
    directory = bytearray(sector)
    for i, name in enumerate(["Root Entry", *stream_names][:4]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 64, len(encoded), 5 if i == 0 else 2, 1)
        struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        directory[i * 128 : (i + 1) * 128] = entry
    return bytes(header + fat + directory)


def test_password_protected_docx(tmp_path: Path) -> None:
    path = tmp_path / "加密.docx"
    path.write_bytes(
        _ole_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]) + b"\x00" * 4096
    )
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    expect_read_error(path, r"^文件已加密，无法读取$")


def test_binary_file_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    expect_read_error(path, r"^不是文本文件（含有无法识别的二进制内容）$")
    word = tmp_path / "word.txt"
    word.write_bytes(make_case_docx(tmp_path / "c.docx").read_bytes())
    expect_read_error(word, r"二进制")


@pytest.mark.parametrize("name", ["empty.txt", "empty.docx", "empty.doc", "empty.pdf"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    expect_read_error(path, r"^文件为空$")


def test_whitespace_only_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n \u3000\n\t\n", encoding="utf-8")
    expect_read_error(path, r"^文件中没有文字内容$")


def test_huge_text_file_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # 50 MB, sparse: cheap to make
        fh.truncate(50 * 1024 * 1024)
    assert path.stat().st_size > MAX_TEXT_BYTES

    def no_reading(self: Path) -> bytes:
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    started = time.monotonic()
    message = expect_read_error(path, r"^文本文件过大（50\.0 MB），超过 20 MB 的上限")
    assert time.monotonic() - started < 1
    assert "拆分" in message


@pytest.mark.parametrize("name", ["table.xlsx", "README", "photo.JPG"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("机关党委", encoding="utf-8")
    expect_read_error(path, r"^不支持的文件类型（")


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {".docx", ".txt", ".md", ".markdown", ".doc", ".wps", ".pdf"}


def test_missing_file_and_directory(tmp_path: Path) -> None:
    expect_read_error(tmp_path / "nowhere.docx", r"^找不到文件：nowhere\.docx$")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    expect_read_error(folder, r"^不是文件：folder\.txt$")


def test_zip_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small .docx whose document.xml inflates to 64 MB is refused from the zip directory."""
    good = make_case_docx(tmp_path / "good.docx")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                with dst.open("word/document.xml", "w", force_zip64=True) as fh:
                    chunk = b" " * (1024 * 1024)
                    for _ in range(64):
                        fh.write(chunk)
            else:
                dst.writestr(info, src.read(info))
    assert bomb.stat().st_size < 1024 * 1024

    import docx

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("python-docx was asked to parse a zip bomb")

    monkeypatch.setattr(docx, "Document", must_not_parse)
    expect_read_error(bomb, r"^Word 文档解压后过大（word/document\.xml 为 64 MB，上限 48 MB）")


def test_old_formats_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASELIB_SOFFICE", "")
    monkeypatch.setenv("CASELIB_PDFTOTEXT", "")
    doc_path = tmp_path / "old.doc"
    doc_path.write_bytes(_ole_file(["WordDocument", "1Table"]) + b"\x00" * 4096)
    expect_read_error(
        doc_path,
        r"^无法读取旧版 Word（\.doc）文件：未安装 LibreOffice，请用 Word/WPS 另存为 \.docx 后再导入$",
    )
    wps = tmp_path / "old.wps"
    wps.write_bytes(doc_path.read_bytes())
    expect_read_error(wps, r"^无法读取WPS（\.wps）文件：.*另存为 \.docx 后再导入$")
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    expect_read_error(pdf, r"^无法读取 PDF：未安装 pdftotext 或 LibreOffice.*另存为 \.docx")


def test_docx_content_in_a_doc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Users rename files: a real .docx named .doc is read directly, no converter needed."""
    monkeypatch.setenv("CASELIB_SOFFICE", "")
    path = tmp_path / "renamed.doc"
    path.write_bytes(make_case_docx(tmp_path / "c.docx").read_bytes())
    assert read_document(path).articles[0].blocks == CASE_BLOCKS


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("机关党委", encoding="utf-8")
    expect_read_error(path, r"^不是有效的 PDF 文件$")


def test_hanging_converter_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30 &\nsleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("CASELIB_SOFFICE", str(fake))
    monkeypatch.setenv("CASELIB_CONVERT_TIMEOUT", "1")
    path = tmp_path / "old.doc"
    path.write_bytes(_ole_file(["WordDocument"]) + b"\x00" * 4096)
    started = time.monotonic()
    expect_read_error(path, r"^文件转换超时（超过 1 秒）")
    assert time.monotonic() - started < 10


def test_failing_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("CASELIB_SOFFICE", str(fake))
    path = tmp_path / "old.doc"
    path.write_bytes(_ole_file(["WordDocument"]) + b"\x00" * 4096)
    expect_read_error(path, r"^LibreOffice 无法转换此旧版 Word（\.doc）文件")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_docx_never_raises_anything_else(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    base = _CASE_DOCX_CACHE.get("bytes")
    if base is None:
        base = make_case_docx(tmp_path_factory.mktemp("d") / "c.docx").read_bytes()
        _CASE_DOCX_CACHE["bytes"] = base
    damaged = bytearray(base)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(damaged) - 1))
        damaged[pos] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("fuzz") / "damaged.docx"
    path.write_bytes(bytes(damaged))
    try:
        read_document(path)
    except ReadError as exc:
        assert "\n" not in str(exc)


_CASE_DOCX_CACHE: dict[str, bytes] = {}


def test_readers_package_imports_no_heavy_dependencies() -> None:
    code = (
        "import sys, caselib.intake.readers; "
        "heavy = [m for m in ('docx', 'lxml', 'charset_normalizer') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_read_error_is_a_caselib_error() -> None:
    from caselib.errors import CaselibError

    assert issubclass(ReadError, CaselibError)


# --- Word layouts from the wild ----------------------------------------------------------

_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
)


def test_masthead_in_text_box_frame_in_tables_and_tracked_changes(tmp_path: Path) -> None:
    """报头 in a text box (Word writes it twice: mc:Choice and mc:Fallback), 期号 and
    office/date in table cells, a title with a manual line break, an auto-numbered bold
    heading, deleted and hidden text."""
    from docx.oxml import parse_xml

    doc = Document()
    box = "<w:txbxContent><w:p><w:r><w:t>机关党委工作简报</w:t></w:r></w:p></w:txbxContent>"
    doc.add_paragraph()._p.append(
        parse_xml(
            f'<w:r {_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
            f"<a:graphic><a:graphicData><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp>"
            "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback>"
            f"<w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    doc.add_table(rows=1, cols=2).cell(0, 0).text = "第 5 期"
    frame = doc.add_table(rows=1, cols=2)
    frame.cell(0, 0).text = "机关党委办公室"
    frame.cell(0, 1).text = "2023年5月8日"
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first = title.add_run("机关党委：党建引领")
    first.add_break()
    title.add_run("聚合力")
    for run in title.runs:
        _font(run, "方正小标宋简体", 22, bold=True)
    doc.add_paragraph("强化政治引领", style="Heading 1")
    doc.add_paragraph("机关党委坚持以党的政治建设为统领。")
    item = doc.add_paragraph("健全工作机制", style="List Number")
    item.runs[0].bold = True
    doc.add_paragraph("建立健全联系服务制度。")
    edited = doc.add_paragraph("保留文字")
    edited._p.append(
        parse_xml(
            f'<w:del {_NS} w:id="1" w:author="x" w:date="2023-01-01T00:00:00Z">'
            "<w:r><w:delText>删除的文字</w:delText></w:r></w:del>"
        )
    )
    edited._p.append(parse_xml(f"<w:r {_NS}><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>"))
    edited._p.append(
        parse_xml(
            f'<w:ins {_NS} w:id="2" w:author="x" w:date="2023-01-01T00:00:00Z">'
            "<w:r><w:t>插入文字。</w:t></w:r></w:ins>"
        )
    )
    doc.add_paragraph("报：校党委。")
    path = tmp_path / "wild.docx"
    doc.save(str(path))
    parsed = read_document(path)
    bulletin = parsed.bulletin
    assert bulletin is not None
    assert (bulletin.series, bulletin.number, bulletin.office) == (
        "机关党委工作简报",
        5,
        "机关党委办公室",
    )
    assert bulletin.date == datetime.date(2023, 5, 8)
    assert bulletin.distribution == {"报": ["校党委"]}
    [article] = parsed.articles
    assert (article.title, article.unit) == ("机关党委：党建引领聚合力", "机关党委")
    assert article.blocks == [
        Block.heading("强化政治引领", 1),
        Block.paragraph("机关党委坚持以党的政治建设为统领。"),
        Block.heading("健全工作机制", 1),
        Block.paragraph("建立健全联系服务制度。"),
        Block.paragraph("保留文字插入文字。"),
    ]


# --- the rejoining and heading rules, away from the seed ---------------------------------


def test_rejoin_and_heading_rules(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "学生工作部（处）：把服务送到宿舍",
            "",
            "— 1 —",
            "学工部坚持问题导向，",  # ends in "，": continues even onto a short line
            "",
            "主动上门服务",
            "",
            "走进宿舍，倾听心声",  # short, comma inside, no final stop: a heading
            "",
            "学工部组织辅导员每周走访学生宿舍，建立问题台账并逐项跟踪落实到位形成闭环管理机制",
            "确保学生反映的问题件件有回音。",  # the line above was cut without punctuation
            "",
            "第2页",
            "（一）建立台账",
            "每个问题明确责任人和完成时限。",
            "“谢谢老师”",  # a quoted line is not a heading
            "学生工作部（处） 李四",  # a signature closes the article
        ]
    )
    path = tmp_path / "case.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "学生工作部（处）：把服务送到宿舍"
    assert article.unit == "学生工作部（处）"
    assert article.blocks == [
        Block.paragraph("学工部坚持问题导向，主动上门服务"),
        Block.heading("走进宿舍，倾听心声", 1),
        Block.paragraph(
            "学工部组织辅导员每周走访学生宿舍，建立问题台账并逐项跟踪落实到位形成闭环管理机制"
            "确保学生反映的问题件件有回音。"
        ),
        Block.heading("（一）建立台账", 2),
        Block.paragraph("每个问题明确责任人和完成时限。"),
        Block.paragraph("“谢谢老师”"),
    ]


def test_round_trip_through_caselib_docx_writer(tmp_path: Path) -> None:
    """A bulletin caselib exported (custom 一级标题 styles, relative outline levels, a title
    broken by hand) reads back as what was written."""
    writer = pytest.importorskip("caselib.publish.docx_writer")
    seed = read_document(need_seed())
    frame = seed.bulletin
    assert frame is not None
    case = seed.articles[0]
    story_text = next(b.text for b in case.blocks if "8月26日" in b.text)
    articles = [
        writer.Article(title=case.title, unit="机关党委", kind="case", blocks=case.blocks),
        writer.Article(
            title="开学迎新搬行李 机关干部暖人心",
            unit="机关党委",
            kind="story",
            blocks=[
                Block.heading("一、迎新现场", 1),
                Block.heading("（一）搬迁行李", 2),
                Block.paragraph(story_text),
            ],
        ),
    ]
    spec = writer.BulletinSpec(
        series=frame.series,
        number=frame.number,
        date=frame.date,
        office=frame.office,
        editor_note=frame.editor_note,
        distribution=frame.distribution,
    )
    path = tmp_path / "export.docx"
    writer.write_bulletin(path, spec, articles)
    back = read_document(path)
    assert back.bulletin is not None
    assert back.bulletin.series == frame.series
    assert back.bulletin.number == frame.number
    assert back.bulletin.date == frame.date
    assert back.bulletin.office == frame.office
    assert back.bulletin.editor_note == frame.editor_note
    assert back.bulletin.distribution == frame.distribution
    assert len(back.articles) == 2
    for got, sent in zip(back.articles, articles, strict=True):
        # The writer breaks the long title onto two lines in place of its space.
        assert got.title.replace(" ", "") == sent.title.replace(" ", "")
        assert (got.unit, got.kind, got.blocks) == (sent.unit, sent.kind, sent.blocks)


_STRUCTURE_ALPHABET = list(
    "机关党委简报第期年月日报送发编者按：，。、“”（）【】一二三1２0 \n\u3000—暖心故事供稿"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_STRUCTURE_ALPHABET, max_size=40), max_size=30))
def test_structure_rules_never_crash(lines: list[str]) -> None:
    """Whatever the lines, the structure pass returns articles or says there is no text."""
    data = "\n".join(lines).encode("utf-8")
    try:
        text, _ = read_text_bytes(data)
    except ReadError:
        return
    from caselib.intake.readers.document import build
    from caselib.intake.readers.textfile import text_to_lines

    warnings: list[str] = []
    articles, _bulletin = build(text_to_lines(text), warnings)
    for article in articles:
        assert article.kind in ("case", "story")
        assert all(block.text.strip() for block in article.blocks)
        assert all(1 <= b.level <= 3 for b in article.blocks if b.type == "heading")
