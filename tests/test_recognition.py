"""Reading real documents as a person does: one rule per test, on small realistic fixtures.

Fixtures are made under tmp_path at test time: .docx files with python-docx, text saved as
Notepad saves it (GB18030, CRLF), Markdown as Obsidian and web clippers write it.
"""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselib.intake.readers import read_document
from caselib.text.blocks import Block
from caselib.text.dates import find_date, find_month, parse_date

BODY_1 = "为充分发挥党员先锋模范作用，9月2日，文学院党委组织学生党员开展迎新志愿服务。"
BODY_2 = "志愿者们在报到点引导新生办理手续，帮助搬运行李，耐心解答各类问题。"
BODY_3 = "活动结束后，新生纷纷表示感受到了学院大家庭的温暖。"


def _centred(doc: Document, text: str, size: int, bold: bool = True) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def _body(doc: Document, text: str, size: int = 16) -> None:
    doc.add_paragraph().add_run(text).font.size = Pt(size)


def paragraphs(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks if b.type == "paragraph"]


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二三年五月六日", datetime.date(2023, 5, 6)),
        ("二○○六年十二月二十八日", datetime.date(2006, 12, 28)),
        ("二〇二二年十月三十一日", datetime.date(2022, 10, 31)),
        ("date: 2023-04-11 01:35:15.315577", datetime.date(2023, 4, 11)),
        ("湖南日报2023-05-09 11:55", datetime.date(2023, 5, 9)),
        ("1990年5月30日人民日报 第5版", datetime.date(1990, 5, 30)),
        ("发布时间：2025-04-30 14:25:46 点击量：120", datetime.date(2025, 4, 30)),
        ("20XX年XX月XX日", None),
        ("2023年2月30日", None),
        ("623日下午", None),
    ],
)
def test_find_date_in_any_numeral_form(text: str, expected: datetime.date | None) -> None:
    assert find_date(text) == expected


def test_parse_date_accepts_chinese_numerals_and_month_only_dates_are_found() -> None:
    assert parse_date("二〇二三年五月六日") == datetime.date(2023, 5, 6)
    assert find_month("2025年11月") == (2025, 11)
    assert find_month("二〇二五年十一月") == (2025, 11)
    assert find_month("2025年11月28日") is None


# --- Word: credits, 公文, tables, covers, entities ------------------------------------------


def test_news_docx_credits_are_left_out_and_give_the_unit(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "党建专栏｜迎新一线党旗红", 18)
    for text in (BODY_1, BODY_2, BODY_3):
        _body(doc, text)
    for credit in (
        "来源：文学院党委",
        "图片：张晓明 李华",
        "文字：王芳",
        "编辑：赵敏",
        "审核：陈甜",
    ):
        _centred(doc, credit, 14, bold=False)
    path = tmp_path / "news.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    assert article.title == "党建专栏｜迎新一线党旗红"
    assert article.unit == "文学院党委" and article.sources["unit"] == "来源行"
    assert paragraphs(article.blocks) == [BODY_1, BODY_2, BODY_3]
    assert article.date is None  # 9月2日 names no year


def test_gongwen_is_one_record_with_issuer_signature_date_and_number(tmp_path: Path) -> None:
    doc = Document()
    _body(doc, "★", 24)
    _centred(doc, "中共湖北大学委员会文件", 40, bold=False)
    _centred(doc, "鄂大党发〔2022〕18号", 16, bold=False)
    _centred(doc, "关于开展2022年度党支部书记述职评议工作的通知", 22)
    _body(doc, "各二级党组织：")
    _body(doc, "根据学校党委工作安排，现就开展2022年度党支部书记述职评议工作通知如下。")
    _body(doc, "一、评议范围")
    _body(doc, "全校各基层党支部书记。")
    _body(doc, "附件：党支部书记述职评议表")
    _body(doc, "中共湖北大学委员会")
    _body(doc, "二〇二二年十二月二十八日")
    _body(doc, "抄送：校纪委。")
    _body(doc, "中共湖北大学委员会办公室            2022年12月28日印发", 14)
    path = tmp_path / "notice.docx"
    doc.save(str(path))
    parsed = read_document(path)
    [article] = parsed.articles
    assert article.title == "关于开展2022年度党支部书记述职评议工作的通知"
    assert article.unit == "中共湖北大学委员会"
    assert article.sources["unit"] == "公文落款"
    assert article.date == datetime.date(2022, 12, 28)
    assert article.sources["date"] == "落款"
    assert article.metadata["文号"] == "鄂大党发〔2022〕18号"
    assert article.blocks == [
        Block.paragraph("根据学校党委工作安排，现就开展2022年度党支部书记述职评议工作通知如下。"),
        Block.heading("一、评议范围", 1),
        Block.paragraph("全校各基层党支部书记。"),
    ]


def test_word_data_table_is_a_table_block(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "主题党日活动预算", 18)
    _body(doc, "本次活动预算如下，经支部委员会讨论通过。")
    table = doc.add_table(rows=3, cols=4)
    rows = [["项目", "单价", "数量", "总价"], ["地铁费用", "8元", "40", "320元"]]
    rows.append(["矿泉水", "40元/箱", "1", "40元"])
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    path = tmp_path / "budget.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    assert article.blocks[-1] == Block.table(rows)
    assert article.blocks[-1].rows[1] == ("地铁费用", "8元", "40", "320元")


def test_cover_gives_title_unit_and_month(tmp_path: Path) -> None:
    doc = Document()
    toc = doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    _centred(doc, "“探寻楚韵文脉”参观湖北省博物馆", 18)
    _centred(doc, "主题活动策划书", 18)
    _centred(doc, "公共管理学院本科生党建工作中心", 16)
    _centred(doc, "2025年11月", 16)
    doc.add_paragraph("目录", style=toc)
    doc.add_paragraph("一、活动背景\t1", style=toc)
    doc.add_paragraph("活动背景", style="Heading 1")
    _body(doc, "为引导学生党员近距离感受历史文脉，特策划本次参观活动。", 12)
    path = tmp_path / "plan.docx"
    doc.save(str(path))
    parsed = read_document(path)
    [article] = parsed.articles
    assert article.title == "“探寻楚韵文脉”参观湖北省博物馆主题活动策划书"
    assert (article.sources["title"], article.sources["unit"]) == ("封面", "封面")
    assert article.unit == "公共管理学院本科生党建工作中心"
    assert (article.date, article.sources["date"]) == (datetime.date(2025, 11, 1), "封面")
    assert any("只写到月" in w for w in parsed.warnings)
    assert article.blocks == [
        Block.heading("活动背景", 1),
        Block.paragraph("为引导学生党员近距离感受历史文脉，特策划本次参观活动。"),
    ]


def test_text_after_an_xml_entity_is_kept(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "暖心故事：深夜里的一碗热汤", 18)
    _body(doc, "后勤员工李明发现学生发烧ENTITYHERE立即联系校医院并送去一碗热汤。")
    path = tmp_path / "entity.docx"
    doc.save(str(path))
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    head, _, rest = xml.partition("?>")
    xml = head + '?><!DOCTYPE w:document [<!ENTITY cm "，">]>' + rest
    parts["word/document.xml"] = xml.replace("ENTITYHERE", "&cm;").encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    [article] = read_document(path).articles
    assert paragraphs(article.blocks) == [
        "后勤员工李明发现学生发烧，立即联系校医院并送去一碗热汤。"
    ]


def test_bold_heading_on_two_lines_and_timetable_lines(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "当他们用人工智能写假新闻", 22)
    _body(doc, BODY_1, 13)
    for text in ("用人工智能编假新闻", "警方出手"):
        doc.add_paragraph().add_run(text).bold = True
    _body(doc, "4月25日，网安大队发现一篇不实文章，随即开展调查。", 13)
    doc.add_paragraph().add_run("活动时间表").bold = True
    _body(doc, "13:00 西十二教学楼南侧集合签到", 13)
    _body(doc, "14:00 抵达湖北省博物馆", 13)
    _body(doc, BODY_3, 13)
    path = tmp_path / "news.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    headings = [b.text for b in article.blocks if b.type == "heading"]
    assert headings == ["用人工智能编假新闻 警方出手", "活动时间表"]
    assert "13:00 西十二教学楼南侧集合签到" in paragraphs(article.blocks)


# --- text: web pages saved by Notepad ----------------------------------------------------

WEB_PAGE = "\r\n".join(
    [
        "您现在的位置: 首页» 新闻速递",
        "",
        "【最美后勤人】校园里，我们都是孩子们的亲人",
        "",
        "发布者:后勤保障处发布时间:2023-10-07作者:浏览次数:10",
        "",
        "（通讯员 田又兰）今年，我校迎来了2023级5000多名来自全国各地的学子们。",
        "",
        "9月28日晚上，新生武同学身体不适，宿管员蒋师傅立刻起床询问情况",
        "",
        "凌晨2点49分，武同学和室友们一起安全回到宿舍。",
        "",
        "上一篇：食堂推出秋季新菜品    下一篇：宿舍安全检查通报",
        "责任编辑：张三",
        "终审:史新立",
    ]
)


def test_gb18030_web_page_chrome_and_inline_byline(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(WEB_PAGE.encode("gb18030"))
    parsed = read_document(path)
    assert parsed.encoding == "gb18030"
    [article] = parsed.articles
    assert article.title == "【最美后勤人】校园里，我们都是孩子们的亲人"
    assert (article.unit, article.sources["unit"]) == ("后勤保障处", "来源行")
    assert (article.date, article.sources["date"]) == (datetime.date(2023, 10, 7), "发布时间")
    assert paragraphs(article.blocks) == [
        "今年，我校迎来了2023级5000多名来自全国各地的学子们。",
        "9月28日晚上，新生武同学身体不适，宿管员蒋师傅立刻起床询问情况",  # not glued on
        "凌晨2点49分，武同学和室友们一起安全回到宿舍。",
    ]


def test_notice_without_title_unit_and_date_from_the_signature(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "各党总支、直属党支部:",
            "根据上级有关工作要求，5月教职工政治理论学习围绕以下内容开展。",
            "一、学习内容",
            "1.《中国共产党纪律处分条例》。",
            "规定动作:",
            "2.请各党总支组织教职工认真开展学习，做到及时学、全面学。",
            "党委宣传部",
            "2024年5月6日",
        ]
    )
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title is None and "title" not in article.sources
    assert (article.unit, article.sources["unit"]) == ("党委宣传部", "公文落款")
    assert article.date == datetime.date(2024, 5, 6)
    assert article.metadata["主送"] == "各党总支、直属党支部"
    assert article.blocks == [
        Block.paragraph("根据上级有关工作要求，5月教职工政治理论学习围绕以下内容开展。"),
        Block.heading("一、学习内容", 1),
        Block.paragraph("1.《中国共产党纪律处分条例》。"),  # a list item ending in 。
        Block.heading("规定动作:", 1),
        Block.paragraph("2.请各党总支组织教职工认真开展学习，做到及时学、全面学。"),
    ]


def test_dateline_names_the_paper_and_subtitle_joins_the_title(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "1990年5月30日人民日报 第5版",
            "专栏:",
            "青纱恋",
            "——记农民玉米育种专家李登海",
            "1989年12月19日。北京，人民大会堂。国家科学技术奖励大会隆重召开。",
            "李登海是山东莱州市西由镇后邓村一位普通的农民。",
        ]
    )
    path = tmp_path / "paper.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "青纱恋——记农民玉米育种专家李登海"
    assert (article.unit, article.date) == ("人民日报", datetime.date(1990, 5, 30))
    assert len(paragraphs(article.blocks)) == 2


def test_column_label_above_the_title_and_credit_tail_are_dropped(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "其他",
            "这个会，为院级党组织发展赋能！",
            "8月22日，学校召开二级学院党建工作研讨会，深化落实“红色根脉强基工程”。",
            "要在全面加强政治建设上展现担当作为",
            "以新时代自我革命的精神守好“红色根脉”。",
            "内容来源 / 组织部",
            "摄影 / 刘栩灿",
            "责任编辑 / 孙亚飞",
            "推",
            "荐",
            "tuī",
        ]
    )
    path = tmp_path / "wechat.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "这个会，为院级党组织发展赋能！"
    assert article.unit == "组织部"
    assert [b.text for b in article.blocks][-1] == "以新时代自我革命的精神守好“红色根脉”。"
    assert [b.type for b in article.blocks] == ["paragraph", "heading", "paragraph"]


# --- Markdown from other tools -----------------------------------------------------------

OBSIDIAN = """---
aliases:
  - 党建专栏 | 宿舍搬迁一线党旗飘扬
date: 2023-04-11 01:35:15.315577
网址: https://mp.weixin.qq.com/s/abc
---

<!-- 从公众号剪藏 -->
为充分发挥党员先锋模范作用，7 月 1 日至 4 日，公管学院组织党员先锋队开展寝室搬迁志愿服务活动。

![图片](https://mmbiz.qpic.cn/sz_mmbiz_jpg/abc/640?wx_fmt=jpeg)

<!--more-->

**精心组织 有序推进**

面对高温天气，志愿者们迅速集结、**分组协作**，按楼层有序展开工作。
大家各尽其责、分工明确。

![扫描分享](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAJYAAACWCAYAAAA8AXHi)
扫一扫分享本页

来源：公共管理学院本科生党建工作中心宣传部

文字：刘佳妮

审核：陈甜、罗安童
"""


def test_obsidian_markdown_front_matter_images_and_bold(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(OBSIDIAN, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "党建专栏 | 宿舍搬迁一线党旗飘扬"
    assert article.sources["title"] == "YAML 头别名"
    assert article.date == datetime.date(2023, 4, 11)
    assert article.unit == "公共管理学院本科生党建工作中心宣传部"
    assert article.metadata["网址"] == "https://mp.weixin.qq.com/s/abc"
    assert article.blocks == [
        Block.paragraph(
            "为充分发挥党员先锋模范作用，7 月 1 日至 4 日，公管学院组织党员先锋队开展寝室搬迁志愿服务活动。"
        ),
        Block.heading("精心组织 有序推进", 1),
        Block.paragraph(
            "面对高温天气，志愿者们迅速集结、分组协作，按楼层有序展开工作。大家各尽其责、分工明确。"
        ),
    ]


def test_obsidian_tags_callout_wiki_links_highlights_and_lists(tmp_path: Path) -> None:
    """#tags lines are no text; a callout titled 来源 gives the unit; [[links]] and
    ==highlights== read as their words; short list items are text, not headings."""
    note = "\n".join(
        [
            "# 宿管阿姨的“百宝箱”",
            "",
            "#暖心故事 #后勤",
            "",
            "> [!note] 来源",
            "> 后勤集团党委供稿",
            "",
            "宿管员刘阿姨常年备着针线和药品。[[后勤集团]]的同事们说，她的“百宝箱”==从没空过==。",
            "",
            "- 针线：缝补衣物",
            "- 药品：感冒药、创可贴",
            "",
            "“孩子们离家远，我能帮一点是一点。”刘阿姨说。",
        ]
    )
    path = tmp_path / "note.md"
    path.write_text(note, encoding="utf-8")
    [article] = read_document(path).articles
    assert (article.title, article.unit) == ("宿管阿姨的“百宝箱”", "后勤集团党委")
    assert article.blocks == [
        Block.paragraph(
            "宿管员刘阿姨常年备着针线和药品。后勤集团的同事们说，她的“百宝箱”从没空过。"
        ),
        Block.paragraph("针线：缝补衣物"),
        Block.paragraph("药品：感冒药、创可贴"),
        Block.paragraph("“孩子们离家远，我能帮一点是一点。”刘阿姨说。"),
    ]


def test_markdown_without_front_matter_title_from_first_heading(tmp_path: Path) -> None:
    text = (
        "\n\n# [悦读坊丨红色印象——金融学院本科生党总支开展优秀党员故事分享会](https://mp.weixin.qq.com/s/x)\n\n"
        "**红色印象**\n\n★ 金融学院本科生党总支开展★\n\n"
        "基于此，2022年5月12日，金融学院本科生党总支开展了**优秀党员代表主题分享会。**\n\n"
        "**#01**\n\n第一党支部的张力文同志分享了“三支一扶”计划。\n\n"
        "通讯员 / 陈薇 张栩源\n\n排版 / 网络舆情部 侯蕴格\n"
    )
    path = tmp_path / "clip.md"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "悦读坊丨红色印象——金融学院本科生党总支开展优秀党员故事分享会"
    assert article.sources["title"] == "一级标题"
    assert article.unit is None
    assert (article.date, article.sources["date"]) == (datetime.date(2022, 5, 12), "正文")
    assert article.blocks == [
        Block.paragraph(
            "基于此，2022年5月12日，金融学院本科生党总支开展了优秀党员代表主题分享会。"
        ),
        Block.heading("#01", 1),
        Block.paragraph("第一党支部的张力文同志分享了“三支一扶”计划。"),
    ]


def test_text_file_with_front_matter_reads_it_as_markdown_would(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(OBSIDIAN.replace("\n", "\r\n").encode("gb18030"))
    [article] = read_document(path).articles
    assert article.title == "党建专栏 | 宿舍搬迁一线党旗飘扬"
    assert not any("aliases" in b.text for b in article.blocks)


def test_column_heading_above_a_plain_title_is_not_part_of_it(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "【暖心故事】",
            "深夜里的一碗热汤",
            "后勤保障处 李明",
            "9月3日深夜，李明在宿舍楼巡查时发现一名学生发烧，立即联系校医院并送去一碗热汤。",
        ]
    )
    path = tmp_path / "story.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert (article.title, article.unit, article.kind) == (
        "深夜里的一碗热汤",
        "后勤保障处",
        "story",
    )


def test_note_above_the_title_citing_it(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "2025年11月20日，省委组织部《四川组工动态》第55期刊发了我校题为“三项联创‘打造’示范化党建矩阵”的经验做法。",
            "三项联创“打造”示范化党建矩阵",
            "以“梯次培育”联推党建示范项目。在校级层面，分两批次开展创建工作。",
        ]
    )
    path = tmp_path / "case.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "三项联创“打造”示范化党建矩阵"
    assert (article.date, article.sources["date"]) == (datetime.date(2025, 11, 20), "按语")
    assert "按语" in article.metadata
    assert paragraphs(article.blocks) == [
        "以“梯次培育”联推党建示范项目。在校级层面，分两批次开展创建工作。"
    ]


def test_gongwen_title_on_two_lines_and_attachment_list(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "关于开展2023年度基层党组织书记", 22)
    _centred(doc, "抓党建述职评议考核工作的通知", 22)
    _body(doc, "各二级党组织：")
    _body(doc, "为全面落实管党治党政治责任，经研究，决定开展述职评议考核工作。")
    _body(doc, "附件：1.述职评议考核测评表")
    _body(doc, "2.述职报告提纲")
    _body(doc, "党委组织部  2023年12月20日")
    path = tmp_path / "notice.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    assert article.title == "关于开展2023年度基层党组织书记抓党建述职评议考核工作的通知"
    assert (article.unit, article.date) == ("党委组织部", datetime.date(2023, 12, 20))
    assert article.blocks == [
        Block.paragraph("为全面落实管党治党政治责任，经研究，决定开展述职评议考核工作。")
    ]
    assert "述职报告提纲" in article.metadata["附件"]


def test_wechat_header_and_site_navigation_before_the_title(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "网站首页 | 学院概况 | 新闻中心 | 党建工作 | 联系我们",
            "“三联三帮”架起师生连心桥",
            "原创 公管小编 公共管理学院党委 2023-05-06 11:55 湖北",
            "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。",
            "阅读原文",
        ]
    )
    path = tmp_path / "wechat.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "“三联三帮”架起师生连心桥"
    assert (article.unit, article.date) == ("公共管理学院党委", datetime.date(2023, 5, 6))
    assert [b.text for b in article.blocks] == [
        "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。"
    ]


def test_wrapped_credits_and_gongwen_note_are_not_body(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "首页 > 新闻中心 > 基层动态",
            "机关党委开展“学党史、办实事”主题党日活动",
            "作者：机关党委  来源：机关党委  发布时间：2021年6月30日  点击：235",
            "本网讯（通讯员 张三）6月29日下午，机关党委组织党员赴红色教育基地开展主题党日活动。",
            "活动结束后，大家纷纷表示，要把学习成果转化为干事创业的强大动力。",
            "（此件主动公开）",
            "（编辑：李四  审核：王五）",
            "上一篇：关于做好暑期安全工作的通知",
        ]
    )
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "机关党委开展“学党史、办实事”主题党日活动"
    assert (article.unit, article.date) == ("机关党委", datetime.date(2021, 6, 30))
    assert paragraphs(article.blocks) == [
        "6月29日下午，机关党委组织党员赴红色教育基地开展主题党日活动。",
        "活动结束后，大家纷纷表示，要把学习成果转化为干事创业的强大动力。",
    ]


def test_credits_inside_a_bulletin_article_are_left_out(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "党建工作简报",
            "2023年第2期",
            "机关党委办公室　　　　2023年3月1日",
            "文学院党委：“三联三帮”架起师生连心桥",
            "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。",
            "图片：张晓明",
            "数学学院党委：以“小网格”服务“大民生”",
            "数学学院党委把学生公寓划分为12个网格，党员干部担任网格员。",
            "来源：数学学院党委",
            "报送：校党委办公室。",
        ]
    )
    path = tmp_path / "bulletin.txt"
    path.write_text(text, encoding="utf-8")
    parsed = read_document(path)
    assert parsed.bulletin is not None and parsed.bulletin.number == 2
    first, second = parsed.articles
    assert first.blocks == [
        Block.paragraph("文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。")
    ]
    assert second.blocks == [
        Block.paragraph("数学学院党委把学生公寓划分为12个网格，党员干部担任网格员。")
    ]
    assert (second.unit, second.sources["unit"]) == ("数学学院党委", "标题前缀")


@pytest.mark.parametrize(
    ("title", "unit"),
    [
        ("四川师范大学“三项联创”打造示范化党建矩阵", "四川师范大学"),
        ("文学院党委开展“共同缔造”主题党日活动", "文学院党委"),
        ("图书馆开展“世界读书日”系列活动", "图书馆"),
        ("后勤保障处多措并举做好学生公寓服务", "后勤保障处"),
        ("各学院开展主题教育", None),  # 各: each of them, no one unit
        ("党建引领学院高质量发展", None),  # no verb after a unit's name
        ("校园里，我们都是孩子们的亲人", None),
    ],
)
def test_unit_a_news_title_opens_with(title: str, unit: str | None) -> None:
    from caselib.intake.readers.lines import unit_leading_title

    assert unit_leading_title(title) == unit


@pytest.mark.parametrize(
    "title",
    [
        "化学学院党委召开2023年度党支部书记述职评议会",
        "金融学院本科生党总支开展优秀党员故事分享会",
        "计算机学院组建青年志愿服务队",
        "第十四期入党积极分子培训班开班",
        "迎新季里的党员先锋队",
    ],
)
def test_a_title_ending_like_a_unit_name_is_still_the_title(tmp_path: Path, title: str) -> None:
    """…评议会, …分享会, …服务队 end like a unit's name (工会, 服务队) but say what a unit did:
    the page's title, not a byline."""
    path = tmp_path / "page.txt"
    path.write_text(
        f"{title}\n1月9日下午，化学学院党委召开述职评议会。\n会上，11位党支部书记依次述职。\n",
        encoding="utf-8",
    )
    [article] = read_document(path).articles
    assert article.title == title
    assert [b.type for b in article.blocks] == ["paragraph", "paragraph"]


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("后勤集团工会", True),
        ("校学生会", True),
        ("湖北省高等教育学会", True),
        ("公共管理学院本科生党建工作中心", True),
        ("述职评议会", False),  # a meeting
        ("文学院召开述职评议会", False),
        ("计算机学院组建青年志愿服务队", False),
        ("第十四期入党积极分子培训班开班", False),
        ("迎新季里的党员先锋队", False),
        ("我校第十四期入党积极分子培训班", False),
        ("研究生第三党支部", True),
    ],
)
def test_unit_names(name: str, unit: bool) -> None:
    from caselib.intake.readers.lines import unit_like

    assert unit_like(name) is unit


def test_wechat_credits_set_with_a_bar_are_left_out(tmp_path: Path) -> None:
    body = [
        "10月19日，计算机学院团委组织学生收看党的二十大开幕会直播，同学们认真聆听报告。",
        "大家纷纷表示，要把学习成果转化为勤奋学习、报效祖国的实际行动。",
    ]
    credits = ["文字 | 张三", "图片｜李四 王五", "编辑 | 王五", "审核 | 赵六"]
    path = tmp_path / "wechat.txt"
    path.write_text(
        "\n".join(["学院党建 | 青春献礼二十大 奋进新征程", *body, *credits, "来源 | 计算机学院"]),
        encoding="utf-8",
    )
    [article] = read_document(path).articles
    assert article.title == "学院党建 | 青春献礼二十大 奋进新征程"
    assert paragraphs(article.blocks) == body
    assert (article.unit, article.sources["unit"]) == ("计算机学院", "来源行")
    from caselib.intake.readers.credits import mark

    assert mark("图 | 秋日校园美如画", before_body=True) is None  # a photo story's title


def test_the_site_itself_is_no_source_unit(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "学校举办第二届“共同缔造”案例征集评选活动\n"
        "来源：本站原创   发布者：宣传部   发布时间：2023/10/20   阅读：88次\n"
        "学校于10月18日举办案例评选活动，共收到各单位报送案例42篇。\n",
        encoding="utf-8",
    )
    [article] = read_document(path).articles
    assert (article.unit, article.date) == ("宣传部", datetime.date(2023, 10, 20))


def test_form_with_bracketed_labels(tmp_path: Path) -> None:
    path = tmp_path / "form.txt"
    path.write_text(
        "【案例名称】“小网格”撬动“大治理”\n【申报单位】数学与统计学院党委\n【案例正文】\n"
        "一、背景\n学院学生公寓楼宇分散，管理难度大。\n"
        "二、做法\n学院党委把学生公寓划分为12个网格，党员干部担任网格员。\n",
        encoding="utf-8",
    )
    parsed = read_document(path)
    [article] = parsed.articles
    assert (article.title, article.unit) == ("“小网格”撬动“大治理”", "数学与统计学院党委")
    assert [b.text for b in article.blocks] == [
        "一、背景",
        "学院学生公寓楼宇分散，管理难度大。",
        "二、做法",
        "学院党委把学生公寓划分为12个网格，党员干部担任网格员。",
    ]
    assert parsed.warnings == []


def test_bulletin_with_contents_chinese_numeral_date_and_office_that_compiles_it(
    tmp_path: Path,
) -> None:
    """总第 N 期 after the issue, the date in Chinese numerals after “…组织部编”, and 本期要目
    listing the titles that follow: the frame is read, the list is no article."""
    first = "文学院党委：“三联三帮”架起师生连心桥"
    second = "后勤集团党委：食堂“点单”服务暖人心"
    text = "\n".join(
        [
            "党建工作简报",
            "2023年第5期（总第28期）",
            "中共某某大学委员会组织部编            二〇二三年五月十二日",
            "本期要目",
            first,
            second,
            first,
            "文学院党委组织党员干部联系学生班级，一学期来共帮扶学生120余人次。",
            second,
            "后勤集团党委在食堂设立“师生点单”窗口，一个月来新增菜品12道。",
            "报：校党委领导",
            "送：各二级党组织",
        ]
    )
    path = tmp_path / "bulletin.txt"
    path.write_text(text, encoding="utf-8")
    parsed = read_document(path)
    assert parsed.bulletin is not None
    bulletin = parsed.bulletin
    assert (bulletin.series, bulletin.year, bulletin.number) == ("党建工作简报", 2023, 5)
    assert (bulletin.date, bulletin.office) == (
        datetime.date(2023, 5, 12),
        "中共某某大学委员会组织部",
    )
    assert [(a.title, a.unit) for a in parsed.articles] == [
        (first, "文学院党委"),
        (second, "后勤集团党委"),
    ]
    assert [len(a.blocks) for a in parsed.articles] == [1, 1]
    assert parsed.warnings == []


def test_a_contents_heading_with_nothing_found_again_is_kept(tmp_path: Path) -> None:
    from caselib.intake.readers.document import without_contents
    from caselib.intake.readers.model import Line

    lines = [Line(t) for t in ("目录", "学习材料一", "学习材料二", "正文第一段。")]
    assert without_contents(lines) == lines
    lines.append(Line("学习材料一"))
    assert [ln.text for ln in without_contents(lines)] == [
        "学习材料二",
        "正文第一段。",
        "学习材料一",
    ]


def test_hard_wrapped_text_under_a_dateline_keeps_its_title(tmp_path: Path) -> None:
    """Text copied from a PDF: the title, a dateline, then paragraphs cut at one width. The
    first wrapped line (近日，……技术炮) is no title even though nothing ends it."""
    lines = [
        "当他们用 ChatGPT 写假新闻",
        "湖南日报 2023-05-09 11:55",
        "",
        "近日，甘肃省平凉市公安局网安大队侦破一起利用 AI 人工智能技术炮",
        "制虚假不实信息的案件。",
        "说起来，这已不是 ChatGPT 第一次陷入假新闻风波了。",
        "问世伊始，便有人见识到其“一本正经胡说八道”的高超本领。让解",
        "释高深物理理论，说得有鼻子有眼，结果所附论文一查均无出处；让",
        "推荐相关领域学者，瞬间就有人选，可人物履历却是七拼八凑。",
        "出于其“天赋”的内容生成能力，ChatGPT 似乎比从前的人工智能都",
        "更“聪明”，编出的内容往往形真实假、杂糅难辨。",
    ]
    path = tmp_path / "copied.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    parsed = read_document(path)
    [article] = parsed.articles
    assert (article.title, article.unit) == ("当他们用 ChatGPT 写假新闻", "湖南日报")
    assert article.date == datetime.date(2023, 5, 9)
    assert paragraphs(article.blocks)[0] == (
        "近日，甘肃省平凉市公安局网安大队侦破一起利用 AI 人工智能技术炮制虚假不实信息的案件。"
    )
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (
            "新闻网讯（通讯员 王五）11月10日下午，艺术学院举办书画展。",
            "11月10日下午，艺术学院举办书画展。",
        ),
        ("中新网讯 据报道，学校召开大会。", "据报道，学校召开大会。"),
        ("通讯员王五报道：11月10日下午。", "通讯员王五报道：11月10日下午。"),  # 讯 runs on
        ("喜讯！我校获评先进。", "喜讯！我校获评先进。"),
    ],
)
def test_a_news_services_lead_is_no_text(text: str, read: str) -> None:
    from caselib.intake.readers.credits import strip_inline_credit

    assert strip_inline_credit(text) == read


def test_text_cover_and_table_of_contents(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "公共管理学院“探寻楚韵文脉”",
            "参观湖北省博物馆主题活动策划书",
            "公共管理学院本科生党建工作中心",
            "2025年11月",
            "目录",
            "一、\t活动背景\t1",
            "二、\t活动安排\t2",
            "",
            "一、活动背景",
            "为引导学生党员近距离感受历史文脉，特策划本次参观活动。",
        ]
    )
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "公共管理学院“探寻楚韵文脉”参观湖北省博物馆主题活动策划书"
    assert article.unit == "公共管理学院本科生党建工作中心"
    assert article.blocks == [
        Block.heading("一、活动背景", 1),
        Block.paragraph("为引导学生党员近距离感受历史文脉，特策划本次参观活动。"),
    ]


def test_empty_word_paragraph_ends_a_paragraph_cut_without_punctuation(tmp_path: Path) -> None:
    doc = Document()
    _centred(doc, "校园里，我们都是孩子们的亲人", 18)
    _body(doc, "凌晨2点49分，武同学和室友们一起安全回到宿舍，第二天一早师傅便去宿舍探望")
    doc.add_paragraph("")
    _body(doc, "平常，同学们都亲切地称呼宿管员蒋师傅为“蒋阿姨”。")
    path = tmp_path / "story.docx"
    doc.save(str(path))
    [article] = read_document(path).articles
    assert len(paragraphs(article.blocks)) == 2


def test_gongwen_text_title_stands_above_the_recipients(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "中共某某大学委员会文件",
            "校党发〔2023〕5号",
            "关于印发《党支部工作考核办法》的通知",
            "各二级党组织：",
            "现将办法印发给你们",
            "中共某某大学委员会",
            "二〇二三年三月十五日",
        ]
    )
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == "关于印发《党支部工作考核办法》的通知"
    assert (article.unit, article.date) == ("中共某某大学委员会", datetime.date(2023, 3, 15))
    assert article.metadata["文号"] == "校党发〔2023〕5号"
    assert article.blocks == [Block.paragraph("现将办法印发给你们")]


def test_compilation_cover_with_masthead_and_contents(tmp_path: Path) -> None:
    doc = Document()
    toc = doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    _centred(doc, "党建工作简报", 26)
    _centred(doc, "2023年第2期", 16)
    _centred(doc, "机关党委办公室　　2023年3月1日", 16)
    _centred(doc, "内部资料 注意保存", 12)
    doc.add_paragraph("目录", style=toc)
    doc.add_paragraph("文学院党委：“三联三帮”架起师生连心桥\t1", style=toc)
    _centred(doc, "文学院党委：“三联三帮”架起师生连心桥", 18)
    _body(doc, "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。")
    path = tmp_path / "compilation.docx"
    doc.save(str(path))
    parsed = read_document(path)
    assert parsed.bulletin is not None and parsed.bulletin.series == "党建工作简报"
    [article] = parsed.articles
    assert article.title == "文学院党委：“三联三帮”架起师生连心桥"
    assert paragraphs(article.blocks) == [
        "文学院党委坚持问题导向，组织党员干部联系学生班级，帮助解决实际困难。"
    ]


def test_long_title_with_commas_is_still_a_title(tmp_path: Path) -> None:
    title = "党建专栏|“心贴心、面对面、实打实”，系列社区经验分享会让公管学子收获满满，干劲十足！"
    text = "\n".join(
        [
            title,
            "保研有哪些要求，保研的流程是什么？在这场经验分享会里，公管学子们的疑问得到了解答。",
            "来源：公共管理学院本科生党建工作中心",
        ]
    )
    path = tmp_path / "news.txt"
    path.write_text(text, encoding="utf-8")
    [article] = read_document(path).articles
    assert article.title == title
    assert article.unit == "公共管理学院本科生党建工作中心"
    assert len(article.blocks) == 1


_PIECES = st.sampled_from(
    [
        "---",
        "aliases:",
        "  - 党建专栏 | 标题",
        "# 标题",
        "## 小标题",
        "**加粗**",
        "![](data:image/png;base64,AAAA)",
        "<!--more-->",
        "| 项目 | 金额 |",
        "|---|---|",
        "来源：机关党委",
        "图片：张三",
        "各二级党组织：",
        "鄂大党发〔2022〕18号",
        "二〇二二年五月六日",
        "附件：1.表格",
        "当前位置：首页 > 新闻",
        "发布时间：2023-05-06 点击：12",
        "机关党委组织党员开展志愿服务，帮助学生搬运行李。",
        "",
        "（通讯员 张三）",
        "目录",
        "一、\t背景\t1",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=25))
def test_markdown_and_text_recognition_never_crash(pieces: list[str]) -> None:
    from caselib.intake.readers.document import build
    from caselib.intake.readers.markdownfile import markdown_lines
    from caselib.intake.readers.textfile import text_to_lines

    text = "\n".join(pieces)
    for lines in (markdown_lines(text), text_to_lines(text)):
        warnings: list[str] = []
        articles, _bulletin = build(lines, warnings)
        for article in articles:
            assert article.title is None or article.title.strip()
            assert all(b.text.strip() for b in article.blocks)


def test_blog_front_matter_is_not_taken_for_caselib_format(tmp_path: Path) -> None:
    from caselib.intake.readers.markdownfile import is_caselib_record

    blog = "---\ntitle: 秋日迎新正当时\ndate: 2023-09-01\ntags: [党建]\n---\n\n正文。\n"
    own = "---\nkind: case\ntitle: 文学院党委：好\nunit: 文学院党委\n---\n\n正文。\n"
    assert not is_caselib_record(blog.encode("utf-8"))
    assert is_caselib_record(own.encode("utf-8"))
    path = tmp_path / "post.md"
    path.write_text(blog, encoding="utf-8")
    [article] = read_document(path).articles
    assert (article.title, article.date) == ("秋日迎新正当时", datetime.date(2023, 9, 1))
    assert article.sources["title"] == "YAML 头标题"
