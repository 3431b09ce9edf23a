"""Line-level predicates shared by the readers: cleaning, noise, heading shape, numbering,
unit names, bylines, column headings and the "单位：主题" title shape."""

from __future__ import annotations

import datetime
import re
import unicodedata

from caselib.errors import InvalidInputError
from caselib.intake.readers.model import Fact
from caselib.text.dates import parse_date

# --- characters --------------------------------------------------------------------------

_TERMINAL = frozenset("。！？；：…!?;:")
_CLOSERS = frozenset("”’」』）)】》〉〕]")
_SOFT = frozenset("，,、“‘「『（(【《〈〔[—-－/")
_SENTENCE_MARKS = re.compile(r"[。；！？，,;!?]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u3000\u00a0\u1680\u2000-\u200a\u202f\u205f]+")

# --- noise -------------------------------------------------------------------------------

_NOISE = [
    re.compile(r"^[—–\-－─一]+\s*\d{1,4}\s*[—–\-－─一]+$"),  # — 1 —
    re.compile(r"^第\s*\d{1,4}\s*页\s*(?:[，,/／]?\s*共\s*\d{1,4}\s*页)?$"),  # 第1页 共3页
    re.compile(r"^\d{1,4}\s*[/／]\s*\d{1,4}$"),  # 1/3
    re.compile(r"^\d{1,4}$"),  # a bare page number
    re.compile(r"^[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?$"),
    re.compile(r"^[\-—–_=━─·•*＊~～.…]{3,}$"),  # rules drawn with characters
    re.compile(r"^[（(]?\s*(?:全文)?完\s*[）)]?$"),  # （完）
]
_CONTACT = re.compile(
    r"^(?:联系人|联系电话|电话|手机|邮箱|电子邮箱|E-?mail|地址|邮编)\s*[：:]", re.I
)
_CONTACT_ITEM = re.compile(
    r"(?P<label>联系人|联系电话|电话|手机|邮箱|电子邮箱|E-?mail|地址|邮编)\s*[：:]\s*"
    r"(?P<value>.*?)\s*(?=(?:联系人|联系电话|电话|手机|邮箱|电子邮箱|E-?mail|地址|邮编)\s*[：:]|$)",
    re.I,
)
# The record keeps a contact person (作者 field) and a way to reach them (联系方式).
_CONTACT_KEYS = {"联系人": "联系人", "地址": "地址", "邮编": "邮编"}

_DATE_ONLY = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")

# --- articles ----------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(
    r"(?:党委|党工委|党总支|总支|党支部|支部|党组|工委|委员会|学院|书院|研究院|研究所|中心|办公室"
    r"|部|处|办|机关|馆|医院|政府|中学|小学|学校|大学|公司|集团|街道|社区|村|镇|乡|区|县|市|局|厅|委"
    r"|站|队|团|工会|学生会|研究生会|协会|学会|联合会|商会|基金会|理事会|所|院|系|室|科|组|班)$"
)
# Never in a unit's name: what a unit did (文学院召开述职评议会, 培训班开班), 的 (迎新季里的党员
# 先锋队), 我校/本院, an issue or a batch (第十四期): such a line is a title, not a unit.
_NOT_A_NAME = re.compile(
    r"召开|开展|举办|举行|组建|成立|开办|启动|获评|荣获|喜获|入选|走进|出席|开班|揭牌|结业|开营"
    r"|的|^(?:我|本)[校院部处站网报刊台所系]|第[一二三四五六七八九十百\d]+[期届批次]"
)
_TRAILING_PAREN = re.compile(r"[（(][^（）()]{1,10}[）)]$")
_TITLE_SHAPE = re.compile(
    r"^(?P<unit>[^\s：:，,。；！？、“”\"（）()]{2,25}(?:[（(][^（）()\s]{1,10}[）)])?)[：:]\s*(?P<topic>\S.*)$"
)
# A unit opening a title, then what it did: a quotation or a verb of news titles.
_LEADING_UNIT = re.compile(
    r"^(?![各全我本该某两多])(?P<unit>[\u4e00-\u9fff]{3,20}?)(?=[“「\"]|(?:开展|举办|举行|召开|组织|打造|推进|推动|深化"
    r"|实施|启动|荣获|获评|入选|走进|携手|联合|探索|构建|创新|聚焦|坚持|强化|扎实|积极|全面|持续"
    r"|多措并举|以))"
)
_TITLE_LABEL = re.compile(
    r"^(?:【\s*)?(?:案例名称|案例标题|案例题目|故事标题|故事名称|标题|题目)"
    r"(?:\s*[：:]|\s*】\s*[：:]?)\s*(?P<v>.+)$"
)  # 案例名称：…, and the bracketed label of a form: 【案例名称】…
_UNIT_LABEL = re.compile(
    r"^(?:【\s*)?(?:供稿单位|供稿|来源|作者单位|报送单位|申报单位|推荐单位|单位名称|所在单位|单位)"
    r"(?:\s*[：:]|\s*】\s*[：:]?)\s*(?P<v>.+)$"
)
_PERSON_LABEL = re.compile(
    r"^(?:(?:撰稿人|撰稿|通讯员|作者|记者)\s*[：:\s]|文\s*[/／：:])\s*(?P<v>.+)$"
)
_PAREN_LINE = re.compile(r"^[（(](?P<inner>[^（）()]+)[）)]$")
_SUPPLIED_BY = re.compile(r"^(?P<u>.+?)\s*(?:供稿|撰稿|投稿|报送)$")
_SUBTITLE = re.compile(r"^(?:——|—|--)\s*\S")
_COLUMN_DECOR = re.compile(r"[【】〖〗\[\]◆◇■□●○★☆▲△▼▽·•*※|｜—\-\s]")
_COLUMN_KINDS: dict[str, str | None] = {
    "暖心故事": "story",
    "暖心小故事": "story",
    "温暖故事": "story",
    "身边故事": "story",
    "经验案例": "case",
    "典型案例": "case",
    "经验交流": "case",
    "经验做法": "case",
    "工作动态": None,
    "基层动态": None,
    "工作简讯": None,
    "简讯": None,
    "他山之石": None,
}

_NUMBERING: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^第[一二三四五六七八九十百]+(?:部分|章|节|篇)"), 1),
    (re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、．.]"), 1),
    (re.compile(r"^[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]"), 2),
    (re.compile(r"^\d{1,2}\s*[、．.](?!\d)"), 3),
    (re.compile(r"^[（(]\s*\d{1,2}\s*[）)]"), 3),
    (re.compile(r"^[①-⑳]"), 3),
    # clause numbers of standards and rules: 1总则, 1.3配置原则 (not 5月, 3名, 10个)
    (
        re.compile(
            r"^\d{1,2}(?:\.\d{1,2}){0,3}(?=[\u4e00-\u9fff])(?![年月日时点分个人名位次天岁届级期])"
        ),
        3,
    ),
]


# --- line-level predicates ---------------------------------------------------------------


def clean_text(text: str) -> str:
    """Strip, drop zero-width characters, collapse runs of spaces (full-width ones too)."""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def is_noise(text: str) -> bool:
    """Page numbers, drawn rules and end marks that are layout, not content."""
    return any(p.match(text) for p in _NOISE)


def _ending(text: str) -> str:
    """'soft' (must go on), 'close' (sentence or bracket closed) or 'open' (no punctuation)."""
    last = text[-1]
    if text.endswith(("——", "--")):
        return "close"  # 回复如下—— introduces what follows
    if last in _SOFT:
        return "soft"
    if last in _TERMINAL or last in _CLOSERS:
        return "close"
    return "open"


def _ends_in_word_quote(text: str) -> bool:
    """A closing quote or bracket that closes a phrase inside the line (titles end so)."""
    if len(text) < 2 or text[-1] not in _CLOSERS or text[-2] in _TERMINAL:
        return False
    openers = {"”": "“", "’": "‘", "」": "「", "』": "『", "）": "（", ")": "(", "》": "《"}
    opener = openers.get(text[-1])
    return opener is not None and text.find(opener) > 0


def heading_like(text: str) -> bool:
    """Short and without final punctuation: a title, heading or 报头 line."""
    if not text:
        return False
    if _ending(text) != "open" and not _ends_in_word_quote(text):
        return False
    n = len(text)
    if n <= 30:
        return True
    return n <= 50 and _TITLE_SHAPE.match(text) is not None


def numbering_level(text: str) -> int:
    """1 for 一、, 2 for （一）, 3 for 1. / （1） / ①, 0 when not numbered."""
    for pattern, level in _NUMBERING:
        if pattern.match(text):
            return level
    return 0


def is_numbered_heading(text: str) -> bool:
    """A numbered line short enough to be a heading, with no full stop before its end."""
    if not numbering_level(text) or len(text) > 40 or text.endswith(("。", "；", ";")):
        return False
    return not re.search(r"[。！？!?]", text[:-1])


def contact_facts(text: str) -> list[Fact]:
    """联系人：张三  联系电话：027-8888 as facts: the person (联系人) and the ways to reach them
    (联系方式: telephone, mobile, e-mail), which the importer stores as the record's author and
    contact; an address or post code goes with the source's facts."""
    facts = []
    for m in _CONTACT_ITEM.finditer(text):
        value = m["value"].strip(" ；;，,")
        if value:
            key = _CONTACT_KEYS.get(m["label"], "联系方式")
            facts.append(Fact(key, value, "联系方式"))
    return facts


def unit_like(name: str) -> bool:
    """Whether a short string reads as a unit's name (机关党委, 文学院党委, 学生工作部（处）)."""
    core = _TRAILING_PAREN.sub("", name.strip())
    if not 2 <= len(core) <= 25 or re.search(r"[\s，,。；！？、：:“”\"]", core):
        return False
    return _UNIT_SUFFIX.search(core) is not None and not _NOT_A_NAME.search(core)


def _first_token(text: str) -> str:
    return re.split(r"[\s，,、；;]+", text.strip())[0].strip("：:")


def byline(text: str, after_title: bool) -> tuple[bool, str | None]:
    """Whether a line is a byline (（机关党委供稿）, 供稿：机关党委, 机关党委 张三) and its unit."""
    m = _PAREN_LINE.match(text)
    if m:
        inner = m["inner"].strip()
        supplied = _SUPPLIED_BY.match(inner)
        if supplied:
            token = _first_token(supplied["u"])
            return True, token if token and not _PERSON_LABEL.match(supplied["u"]) else None
        labelled = _labelled_byline(inner)
        return labelled if labelled[0] else _bare_unit(inner, 30)
    if len(text) <= 40:
        labelled = _labelled_byline(text)
        if labelled[0]:
            return labelled
    if after_title:
        return _bare_unit(text, 30)
    return False, None


def _labelled_byline(text: str) -> tuple[bool, str | None]:
    m = _UNIT_LABEL.match(text)
    if m:
        return True, _first_token(m["v"]) or None
    m = _PERSON_LABEL.match(text)
    if m and len(text) <= 40:
        token = _first_token(m["v"])
        return True, token if unit_like(token) else None
    return False, None


def _bare_unit(text: str, limit: int) -> tuple[bool, str | None]:
    tokens = text.split()
    if 1 <= len(tokens) <= 3 and len(text) <= limit and unit_like(tokens[0]):
        if all(len(t) <= 4 for t in tokens[1:]):  # person names after the unit
            return True, tokens[0]
    return False, None


def column_kind(text: str) -> tuple[bool, str | None]:
    """Whether a line is a column heading (【暖心故事】, 经验案例) and the kind it implies."""
    core = _COLUMN_DECOR.sub("", text)
    if core in _COLUMN_KINDS:
        return True, _COLUMN_KINDS[core]
    if re.match(r"^[【〖].{1,12}[】〗]$", text) and core and len(core) <= 12:
        if "故事" in core:
            return True, "story"
        if "案例" in core or "经验" in core:
            return True, "case"
        return True, None
    return False, None


def _date_only(text: str) -> datetime.date | None:
    if not _DATE_ONLY.match(text):
        return None
    try:
        return parse_date(text)
    except InvalidInputError:
        return None


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def unit_from_title(title: str | None) -> str | None:
    """The unit of a "单位：主题" title."""
    m = _TITLE_SHAPE.match(title or "")
    if m and unit_like(m["unit"]):
        return m["unit"]
    return None


def unit_leading_title(title: str | None) -> str | None:
    """The unit a news title opens with, as the subject of what it did (四川师范大学“三项联创”
    打造…, 文学院党委开展…): the shortest opening of three Han characters or more that reads
    as a unit's name and is followed by a quotation mark or one of the verbs such titles use
    (not 各学院, 全校: no unit). The importer's last fall-back (``importing._complete``): any
    line naming the unit, the folder the file was sorted into and its name's prefix come first."""
    m = _LEADING_UNIT.match(title or "")
    if m and unit_like(m["unit"]):
        return m["unit"]
    return None
