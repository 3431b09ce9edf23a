"""Lines around an article that are not its text: credits, page chrome, captions.

A person reading a web page or a 公众号 article skips the credit lines (图片：/文字：/摄影：/
编辑：/责任编辑：/审核：/初审/复审/终审, 撰稿/张三;图片/李四), the page chrome (当前位置：首页 >
…, 发布时间：… 点击量：…, 上一篇/下一篇, 扫一扫分享, 【关闭窗口】) and photo captions (图为…
王五 供图), but reads in them who sent the article (来源/供稿/撰稿/通讯员/作者/发布者 naming an
organisation, or a newspaper) and when it was published. ``mark`` returns such facts.

Chrome labels that also occur in body text (时间：, 日期：, 专栏：) count as chrome only
before the body or on a line holding several labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caselib.intake.readers.model import Fact
from caselib.text.dates import find_date

# Labels of credit lines: the value names people (or, for the first group, a unit).
_UNIT_LABELS = (
    "内容来源|稿件来源|信息来源|新闻来源|来源|供稿单位|供稿|来稿单位|投稿单位|报送单位|作者单位"
    "|发布单位|发布部门|发布者|发布人|当前报纸名称|报纸名称"
)
_PERSON_LABELS = (
    "文字、图片|图片、文字|文字图片|图文|文图|文字|图片|摄影|摄像|视频|撰稿人|撰稿|撰文|执笔|作者"
    "|通讯员|记者|责任编辑|责编|值班编辑|编辑|美编|排版|校对|审核|审稿|审校|初审|复审|终审|签发"
    "|监制|出品|策划|统筹|负责|主编|设计|封面|推文封面|供图|图|文"
)
# Chrome labels: publication data of a page.
_CHROME_ALWAYS = (
    "发布时间|发布日期|发表时间|更新时间|上传时间|浏览次数|浏览量|浏览|点击数|点击量|点击|阅读次数"
    "|阅读量|访问次数|访问量|字号|版面|下载地址|网址|原文链接|链接"
)
_CHROME_TOP = "时间|日期|专栏|栏目|分类"
_LABEL = re.compile(
    rf"(?P<label>{_UNIT_LABELS}|{_CHROME_ALWAYS}|{_PERSON_LABELS}|{_CHROME_TOP})\s*[：:／/]"
)
# A 公众号's credit set with a bar: 文字 | 张三, 图片｜李四 王五, 来源 | 计算机学院. Only names
# (or, after a unit label, a unit) may follow the bar: 图 | 秋日校园美如画 is a title.
_BAR_CREDIT = re.compile(rf"^(?P<label>{_UNIT_LABELS}|{_PERSON_LABELS})\s*[|｜]\s*(?P<value>\S.*)$")
_UNIT_LABEL_SET = frozenset(_UNIT_LABELS.split("|"))
_TOP_SET = frozenset(_CHROME_TOP.split("|"))
_DATE_LABELS = frozenset("发布时间|发布日期|发表时间|更新时间|上传时间|时间|日期".split("|"))
_LEADING_STAMP = re.compile(
    r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)
_BRACKET_CHROME = re.compile(
    r"[【\[]\s*(?:关闭窗口|返回顶部|打印本页|打印|关闭|收藏|返回|大|中|小|字体[：:]?[大中小\s]*)"
    r"\s*[】\]]"
)
_NAVIGATION = re.compile(r"^(?:[^|｜>»＞/·\s]{1,8}\s*[|｜>»＞/·]\s*){3,}[^|｜>»＞/·\s]{0,8}$")
_CHROME_LINE = re.compile(
    r"^(?:(?:您现在的位置|当前位置|您的位置|所在位置|位置)\s*[：:]|首页\s*[>»＞]|"
    r"上一篇|下一篇|上一条|下一条|扫一扫|微信扫一扫|分享到|分享本页|扫描二维码|"
    r"电子报阅读机|推荐阅读|相关阅读|相关新闻|责任编辑\s*$|打印本页|关闭窗口|返回顶部|"
    r"星期[一二三四五六日天]$|本文来源于|点击.{0,6}关注|长按.{0,6}(?:识别|关注)|"
    r"[【〖]?\s*(?:案例|故事)?正文\s*[】〗]?\s*[：:]?\s*$|"  # 【案例正文】: a form's label
    r"第\s*[\dA-Za-z]+\s*版\s*(?:[（(].*[）)])?$|"
    r"(?:阅读原文|在看|点赞|赞赏|写留言|留言|返回列表|返回首页|预览时标签不可点|微信号|功能介绍)"
    r"\s*[：:]?|.{0,40}(?:版权所有|ICP备|Copyright|©))"
)
_BREADCRUMB = re.compile(r"^(?:您现在的位置|当前位置|您的位置|所在位置)\s*[：:]|[>»＞]\s*正文$")
_CAPTION = re.compile(
    r"^(?:[（(]?图为|图片为|上图[：:为]|下图[：:为]|图[：:]\s*\S).{0,80}$|(?:供图|摄)[）)]?$"
)
_PAREN_NAMES = re.compile(
    r"^[（(]\s*(?:[\u4e00-\u9fff·]{2,4}\s+){1,5}[\u4e00-\u9fff·]{2,4}\s*[）)]$"
)
# 本报讯, 新闻网讯, 中新网讯 …: the news service's lead word (not 通讯员, where 讯 runs on).
_SERVICE = r"[\u4e00-\u9fff]{0,6}讯(?=[\s（(：:，,])"
_INLINE_CREDIT = re.compile(
    rf"^(?:{_SERVICE})?\s*[（(]\s*(?:通讯员|记者|撰稿|文|图|实习生|供稿)[^（）()]{{0,30}}[）)]\s*"
    rf"|^{_SERVICE}\s*[：:，,]?\s*"
)
_MEDIA = re.compile(
    r"^《?([\u4e00-\u9fff]{2,12}(?:日报|晚报|时报|早报|青年报|报|杂志|电视台|广播电台|通讯社))》?$"
)
_PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}")


@dataclass
class Mark:
    """What a non-body line is and what it says."""

    kind: str  # "credit", "chrome", "caption", "breadcrumb"
    facts: tuple[Fact, ...] = ()


def unit_in_value(value: str) -> str | None:
    """The organisation a credit value names: 《光明日报》 → 光明日报; 应用技术学院金志鹏 →
    应用技术学院; 公共管理学院本科生党建工作中心 stays; a person's name or XXX gives None."""
    from caselib.intake.readers.lines import unit_like

    value = value.strip().strip("。；;，,")
    quoted = re.search(r"《([^《》]{2,14})》", value)
    if quoted and (_MEDIA.match(quoted[1]) or unit_like(quoted[1])):
        return quoted[1]
    first = re.split(r"[\s，,、；;|｜]+", value)[0] if value else ""
    if not first:
        return None
    media = _MEDIA.match(first)
    if media:
        return media[1]
    if unit_like(first):
        return first
    # a unit directly followed by a person's name: 应用技术学院金志鹏
    for cut in range(len(first) - 2, 1, -1):
        head, tail = first[:cut], first[cut:]
        if 2 <= len(tail) <= 4 and _PERSON.fullmatch(tail) and unit_like(head):
            return head
    return None


def _items(text: str) -> list[tuple[str, str]] | None:
    """(label, value) items when the whole line is a run of "label：value" items."""
    body = _LEADING_STAMP.sub("", text)
    matches = list(_LABEL.finditer(body))
    if not matches or body[: matches[0].start()].strip(" -·•|｜;；"):
        return None
    items = []
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(body)
        items.append((m["label"], body[m.end() : end].strip(" ;；|｜")))
    return items


def mark(text: str, before_body: bool) -> Mark | None:
    """A credit, chrome or caption line, with what it tells; None for body text."""
    cleaned = _BRACKET_CHROME.sub("", text).strip(" -")
    if not cleaned:
        return Mark("chrome")
    if _BREADCRUMB.search(cleaned):
        return Mark("breadcrumb")
    if _CHROME_LINE.match(cleaned):
        return Mark("chrome")
    if before_body and _NAVIGATION.match(cleaned):
        return Mark("chrome")  # 网站首页 | 学院概况 | 新闻中心 | 党建工作
    bar = _BAR_CREDIT.match(cleaned)
    if bar and _bar_value_ok(bar["label"], bar["value"]):
        return Mark("credit", tuple(_facts(cleaned, [(bar["label"], bar["value"].strip())])))
    if len(cleaned) <= 120 and "。" not in cleaned[:-1]:
        wrapped = re.fullmatch(r"[（(](.+)[）)]", cleaned)  # （编辑：李四 审核：王五）
        items = _items(wrapped[1] if wrapped else cleaned)
        if items is not None and _credit_items_ok(items, before_body):
            return Mark(_items_kind(items), tuple(_facts(cleaned, items)))
    if len(cleaned) <= 90 and _CAPTION.search(cleaned):
        return Mark("caption")
    if _PAREN_NAMES.match(cleaned):
        return Mark("credit")
    return None


def _bar_value_ok(label: str, value: str) -> bool:
    """After 文字 | …: people's names (2–4 characters each); after 来源 | …: a unit."""
    if label in _UNIT_LABEL_SET:
        return unit_in_value(value) is not None and len(value) <= 30
    names = [n for n in re.split(r"[\s、，,]+", value) if n]
    return 0 < len(names) <= 6 and all(_PERSON.fullmatch(n) for n in names)


def _credit_items_ok(items: list[tuple[str, str]], before_body: bool) -> bool:
    labels = [label for label, _ in items]
    if any(len(value) > 60 or "。" in value for _, value in items):
        return False
    if all(label in _TOP_SET for label in labels) and len(items) == 1 and not before_body:
        return False  # 时间：11月28日下午 in an activity plan is body text
    if len(items) == 1 and labels[0] in ("文", "图") and not items[0][1]:
        return False
    return True


def _items_kind(items: list[tuple[str, str]]) -> str:
    labels = {label for label, _ in items}
    return "chrome" if labels <= (set(_CHROME_ALWAYS.split("|")) | _TOP_SET) else "credit"


def _facts(text: str, items: list[tuple[str, str]]) -> list[Fact]:
    facts: list[Fact] = []
    stamp = _LEADING_STAMP.match(text)
    if stamp:
        found = find_date(stamp.group(0))
        if found:
            facts.append(Fact("date", found.isoformat(), "发布时间"))
    for label, value in items:
        if label in _DATE_LABELS and value:
            found = find_date(value)
            if found:
                facts.append(Fact("date", found.isoformat(), "发布时间"))
        if label in _UNIT_LABEL_SET or label in ("撰稿", "撰稿人", "通讯员", "作者", "执笔"):
            unit = unit_in_value(value) if value else None
            if unit:
                facts.append(Fact("unit", unit, "来源行"))
    return facts


def strip_inline_credit(text: str) -> str:
    """A paragraph opening with （通讯员 田又兰） or 本网讯 / 新闻网讯（…） loses that opening."""
    stripped = _INLINE_CREDIT.sub("", text, count=1).strip()
    return stripped or text


def dateline(text: str, before_body: bool = True) -> Mark | None:
    """A dateline: 湖南日报2023-05-09 11:55, 1990年5月30日人民日报 第5版, 2021-05-31　来源：
    《光明日报》, and before the body a 公众号 header (原创 公管小编 某某学院 2023-05-06 11:55
    湖北). A unit or paper named in it is the source; after the body only "unit date" (a
    signature on one line) counts."""
    found = find_date(text)
    if found is None or len(text) > 60 or re.search(r"[。，,；;！？!?]", text):
        return None
    rest = re.sub(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?", " ", text)
    rest = re.sub(r"\d{1,2}:\d{2}(?::\d{2})?|第\s*\d+\s*版|收藏|星期[一二三四五六日天]", " ", rest)
    facts = [Fact("date", found.isoformat(), "日期行" if before_body else "落款")]
    tokens = rest.split()
    if not tokens:
        return Mark("chrome", tuple(facts))
    items = _items(" ".join(tokens))
    if items is not None:
        return Mark("chrome", tuple(facts + _facts(" ".join(tokens), items)))
    if not before_body:
        if len(tokens) == 1 and _unit_token(tokens[0]):
            return Mark("chrome", (*facts, Fact("unit", tokens[0], "公文落款")))
        return None
    if len(tokens) > 5 or any(len(t) > 25 for t in tokens):
        return None
    units = [u for u in (_unit_token(t) for t in tokens) if u]
    if len(tokens) == 1 and not units:
        return None  # 2023年5月6日 主题党日活动: a heading with a date, not a dateline
    return Mark("chrome", (*facts, *(Fact("unit", u, "来源行") for u in units[:1])))


def _unit_token(token: str) -> str | None:
    from caselib.intake.readers.lines import unit_like

    media = _MEDIA.match(token)
    if media:
        return media[1]
    return token if unit_like(token) else None
