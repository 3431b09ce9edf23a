"""From lines to bulletins, articles, headings and paragraphs.

Text files and Word files both arrive here as a list of ``Line`` (text plus layout hints), so
one set of rules recognises the 简报 frame, splits articles, rejoins paragraphs broken in
mid-sentence and tells headings from paragraphs.

Rejoining (a line continues on the next non-empty line):
* a heading's annotation on its own line (（试行）) joins the heading;
* never across a "hard" line: a styled heading/title, a centred line, a bold short line, a
  table, a line that is not body text (``skip``), the 报头 lines, a numbered heading, a Word
  list item, a 报/送/发 line, an 编者按, a byline;
* always when the line ends in a soft mark (，、 an opening bracket or quote, a dash);
* never when it ends in closing punctuation (。！？；：… ——, a closing quote/bracket), nor
  across a blank line (text) or an empty paragraph (Word);
* when it ends with no punctuation: yes if it is as wide as the file's wrap width
  (hard-wrapped text, e.g. from a PDF); no if its last physical line is heading-like (≤ 30
  characters, or ≤ 50 in the "单位：主题" shape); yes otherwise (a long line cut
  mid-sentence).

A heading-like line that is not the last of its article, was not rejoined and does not open
with a quotation mark is a section heading, level 1 unless it is numbered: 一、→ 1, （一）→ 2,
1. / （1） / ① / 1.3 → 3. Word headings come from Heading/标题 N styles, outline levels, and bold
or centred short lines (two bold lines standing together are one heading). Never headings:
timetable lines (13:00 …), numbered items ending in 。, plain Word list items, and a plain
short line right after a heading (the section's text). A short "label：" line standing
alone (规定动作：) is a heading.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from caselib.errors import InvalidInputError
from caselib.intake.readers.lines import (
    _CONTACT,
    _PAREN_LINE,
    _SENTENCE_MARKS,
    _SUBTITLE,
    _TITLE_LABEL,
    _TITLE_SHAPE,
    _bare_unit,
    _date_only,
    _display_width,
    _ending,
    byline,
    clean_text,
    column_kind,
    contact_facts,
    heading_like,
    is_noise,
    is_numbered_heading,
    numbering_level,
    unit_like,
)
from caselib.intake.readers.model import Fact, Line, ParsedArticle
from caselib.text.blocks import Block
from caselib.text.dates import parse_date
from caselib.text.normalize import split_recipients

STORY_MAX_CHARS = 1000

# --- bulletin frame ----------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_ISSUE = re.compile(
    r"^(?P<pre>.*?)[\s（(]*(?:(?P<year>\d{4})\s*年\s*)?"
    r"第\s*(?P<num>\d{1,4}|[零〇一二两三四五六七八九十百]{1,6})\s*期"
    r"\s*[）)]?\s*(?:[（(]?\s*总第\s*\d+\s*期\s*[）)]?)?(?P<rest>.*)$"
)
_MASTHEAD_NOISE = re.compile(r"内部|注意保存|秘密|机密|绝密|★|^[（(]?总第")
_DATE_TAIL = re.compile(
    r"^(?P<office>.*?)[\s|｜]*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇○零Ｏ一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月"
    r"\s*[一二三四五六七八九十]{1,3}\s*日)$"
)  # 2023年5月12日, or in Chinese numerals: 二〇二三年五月十二日
_OFFICE_LABEL = re.compile(r"^(?:编印单位|编印|主办单位|主办|编发单位)\s*[：:]\s*")
_OFFICE_VERB = re.compile(r"(?<=\S)\s*(?:编印|编发|主办|编)$")  # 中共某某大学委员会组织部编
_EDITOR_NOTE = re.compile(r"^[【\[]?\s*(?:编者按|编者的话)\s*[】\]]?\s*[：:]?\s*")
_DIST = re.compile(r"^(?P<key>报送|抄报|抄送|分送|印发|分发|下发|报|送|发)\s*[：:]\s*(?P<rest>.*)$")
_DIST_KEYS = {"报": "报", "报送": "报", "抄报": "报", "送": "送", "抄送": "送", "分送": "送"}
_DIST_KEYS.update({"发": "发", "印发": "发", "分发": "发", "下发": "发"})
_TAIL_NOISE = re.compile(
    r"^[（(]?\s*共印\s*\d+\s*份\s*[）)]?$|印发$|^(?:责任编辑|编辑|审核|审稿|签发|校对|主编)\s*[：:]"
)

# --- rejoining ---------------------------------------------------------------------------


def _hard(line: Line) -> bool:
    """Lines the layout marks as standing alone."""
    if line.table or line.styled or line.centered or line.skip:
        return True
    return line.bold and heading_like(line.text)


def _starts_structure(line: Line) -> bool:
    """Lines that begin something of their own, so the previous line cannot run into them."""
    text = line.text
    if _hard(line) or is_numbered_heading(text) or _DIST.match(text) or _ANNOTATION.match(text):
        return True
    if _EDITOR_NOTE.match(text) or line.list_level:
        return True
    if byline(text, after_title=False)[0] or column_kind(text)[0] or _date_only(text):
        return True
    m = _TITLE_SHAPE.match(text)
    return m is not None and heading_like(text) and unit_like(m["unit"])


def wrap_width(lines: Iterable[Line]) -> int | None:
    """The display width hard-wrapped text was cut at, or None when lines are not wrapped.

    Wrapped text (PDF extraction, e-mail) has many lines of nearly one width; real paragraphs
    vary. Only lines at least 20 CJK characters wide count.
    """
    wide = Counter(w for w in (_display_width(ln.text) for ln in lines if not ln.table) if w >= 40)
    total = sum(wide.values())
    if total < 4:
        return None
    best_width, best_count = 0, 0
    for w in sorted(wide):
        count = sum(wide.get(x, 0) for x in range(w - 4, w + 1))
        if count >= best_count:
            best_width, best_count = w, count
    if best_count >= 4 and best_count * 2 >= total:
        return best_width
    return None


def _glue(left: str, right: str) -> str:
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def rejoin(lines: list[Line]) -> list[Line]:
    """Join lines broken in mid-sentence; see the module docstring for the rules."""
    wrap = wrap_width(lines)
    out: list[Line] = []
    last_piece = ""
    for line in lines:
        if out and _continues(out[-1], last_piece, line, wrap):
            prev = out[-1]
            joined = prev.joined or not _ANNOTATION.match(line.text)
            out[-1] = replace(
                prev, text=_glue(prev.text, line.text), bold=prev.bold and line.bold, joined=joined
            )
        else:
            out.append(line)
        last_piece = line.text
    return out


_ANNOTATION = re.compile(r"^[（(][^（）()]{1,8}[）)]$")


def _continues(prev: Line, last_piece: str, nxt: Line, wrap: int | None) -> bool:
    if (
        _ANNOTATION.match(nxt.text)
        and not (prev.skip or prev.table or nxt.skip)
        and heading_like(prev.text)
        and not byline(nxt.text, after_title=False)[0]
    ):
        return True  # 配置规范 / （试行）: a heading's annotation on its own line
    if _hard(prev) or _starts_structure(nxt):
        return False
    if _DIST.match(prev.text) or byline(prev.text, after_title=False)[0]:
        return False
    ending = _ending(prev.text)
    if ending == "soft":
        return True
    if ending == "close" or nxt.gap_before:
        return False  # a blank line between two lines ends a paragraph
    if wrap is not None and _display_width(last_piece) >= wrap - 6:
        return True
    # Judge the last physical line: a short unpunctuated line ends a paragraph or is a heading.
    return not heading_like(last_piece)


# --- the bulletin frame ------------------------------------------------------------------


@dataclass
class _Head:
    series: str
    number: int
    year: int
    date: datetime.date
    office: str
    end: int  # index of the first line after the frame


def _chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


def _issue_rest_ok(rest: str) -> bool:
    """After 第 N 期 a line may hold only the office and date."""
    return not rest.strip() or _parse_date_tail(rest.strip()) is not None


def _parse_date_tail(text: str) -> tuple[str, datetime.date] | None:
    m = _DATE_TAIL.match(text)
    if not m:
        return None
    try:
        value = parse_date(m["date"])
    except InvalidInputError:
        return None
    office = _OFFICE_LABEL.sub("", m["office"].strip(" |｜：:")).strip()
    return _OFFICE_VERB.sub("", office), value


def detect_head(lines: list[Line], warnings: list[str]) -> _Head | None:
    """The 报头 / 第 N 期 / office / date frame at the top of a 简报, if there is one."""
    issue: tuple[int, re.Match[str]] | None = None
    for i, line in enumerate(lines[:5]):
        m = _ISSUE.match(line.text)
        if m and len(m["pre"]) <= 40 and _issue_rest_ok(m["rest"]):
            issue = (i, m)
            break
    if issue is None:
        return None
    i, m = issue
    masthead = [ln.text for ln in lines[:i] if not _MASTHEAD_NOISE.search(ln.text)]
    if m["pre"].strip():
        masthead.append(m["pre"].strip())
    series = re.sub(r"\s+", "", "".join(masthead))
    if not series or len(series) > 80 or _SENTENCE_MARKS.search(series):
        return None
    number = _chinese_number(m["num"])
    office_parts: list[str] = []
    found: tuple[str, datetime.date] | None = None
    end = i + 1
    rest = m["rest"].strip()
    if rest:
        found = _parse_date_tail(rest)
    if found is None:
        for j in range(i + 1, min(i + 4, len(lines))):
            found = _parse_date_tail(lines[j].text)
            if found is not None:
                end = j + 1
                break
            office_parts.append(lines[j].text)
    if found is None:
        warnings.append(f"识别到期号“第 {number} 期”但没有找到日期行，未按简报处理")
        return None
    office = found[0]
    if not office and office_parts and len(office_parts) <= 2:
        office = _OFFICE_LABEL.sub("", "".join(office_parts)).strip()
    if not office:
        warnings.append("简报中没有找到编印单位")
    year = int(m["year"]) if m["year"] else found[1].year
    return _Head(series, number, year, found[1], office, end)


def detect_tail(lines: list[Line], start: int) -> tuple[dict[str, list[str]], int]:
    """The 报/送/发 block (版记) at the end: recipients by key and where the block starts."""
    n = len(lines)
    dist_at = [i for i in range(start, n) if _DIST.match(lines[i].text)]
    if not dist_at:
        return {}, n
    first = dist_at[-1]
    for idx in reversed(dist_at[:-1]):
        between = lines[idx + 1 : first]
        if first - idx <= 3 and all(_tail_filler(ln.text) for ln in between):
            first = idx
        else:
            break
    if not all(_tail_filler(ln.text) for ln in lines[dist_at[-1] + 1 :]):
        return {}, n
    distribution: dict[str, list[str]] = {}
    key: str | None = None
    for line in lines[first:]:
        m = _DIST.match(line.text)
        if m:
            key = _DIST_KEYS[m["key"]]
            rest = m["rest"]
        elif key is not None and not _TAIL_NOISE.search(line.text):
            rest = line.text  # a recipient list wrapped onto another line
        else:
            continue
        bucket = distribution.setdefault(key, [])
        bucket.extend(name for name in split_recipients([rest]) if name not in bucket)
    return distribution, first


def _tail_filler(text: str) -> bool:
    """Lines allowed around the 报/送/发 lines: 共印 N 份, 责任编辑, continued recipients."""
    if _DIST.match(text) or _TAIL_NOISE.search(text):
        return True
    return len(text) <= 40 or (len(text) <= 80 and not text.endswith("。"))


# --- articles ----------------------------------------------------------------------------


@dataclass
class _Draft:
    title: str | None
    kind: str | None = None
    entries: list[Line] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    ended: bool = False  # closed by a byline


def _title_capable(line: Line) -> bool:
    text = line.text
    if line.table and _TITLE_LABEL.match(text):
        return True  # 案例名称：… in a submission form
    if line.table or line.skip or _date_only(text) or _DIST.match(text):
        return False
    if is_numbered_heading(text):
        return False
    return line.styled or heading_like(text) or (line.centered and len(text) <= 60)


def _new_title(line: Line, cur: _Draft | None) -> bool:
    """Whether a line opens a new article while one is in progress."""
    if cur is None or not cur.entries or line.table or is_numbered_heading(line.text):
        return False
    if line.title:
        return True
    text = line.text
    if line.centered and (line.size or 0) >= 18 and len(text) <= 80 and text[-1] not in "。；":
        return True  # 二号 (22 pt) titles; section headings are 三号 (16 pt)
    if not heading_like(text):
        return False
    m = _TITLE_SHAPE.match(text)
    return m is not None and unit_like(m["unit"])


def _byline_fact(text: str, unit: str | None) -> list[Fact]:
    if not unit:
        return []
    return [Fact("unit", unit, "供稿注" if _PAREN_LINE.match(text) else "署名行")]


def _title_repeat(text: str, title: str | None) -> bool:
    """Poster text and repeats of the title between it and the body (★ 红色印象 ★)."""
    core = re.sub(r"[\s★☆◆◇■□●○*＊#|｜]+", "", text)
    return bool(title) and len(core) >= 2 and core in re.sub(r"\s+", "", title or "")


def split_articles(
    lines: list[Line], warnings: list[str], column: str | None = None, titled: bool = True
) -> list[ParsedArticle]:
    """Group paragraphs into articles: each starts with a title, may end with a byline.

    Lines marked ``skip`` (credits, chrome, 公文 parts) give their facts to the article
    they sit in (or to the first one). With ``titled=False`` the first article has no
    title: it opens with its first line of text."""
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    pending: list[Fact] = []
    for line in lines:
        text = line.text
        if line.skip:
            (cur.facts if cur is not None else pending).extend(line.facts)
            continue
        is_column, kind = column_kind(text)
        if is_column and not line.table:
            cur = None  # whatever follows a column heading opens a new article
            column = kind
            continue
        if _CONTACT.match(text):
            (cur.facts if cur is not None else pending).extend(contact_facts(text))
            continue
        date = _date_only(text)
        if cur is None or cur.ended:
            previous = cur  # None at the start and after a column heading
            if date is not None and previous is not None:
                previous.facts.append(Fact("date", date.isoformat(), "落款"))
                continue
            is_byline, unit = byline(text, after_title=False)
            if is_byline and previous is not None:
                previous.facts += _byline_fact(text, unit)
                continue
            if (_title_capable(line) and (titled or drafts)) or previous is None:
                cur = _open(line, column, titled or bool(drafts))
                cur.facts = pending + cur.facts
                pending = []
                drafts.append(cur)
                continue
            cur = previous  # not a title: the previous article goes on after all
            cur.ended = False
        if _new_title(line, cur):
            cur = _open(line, column, True)
            drafts.append(cur)
            continue
        if not cur.entries and cur.title is not None:  # between the title and the body
            if _SUBTITLE.match(text) and heading_like(text.lstrip("—- ")):
                cur.title = f"{cur.title}{text}"
                continue
            if _title_repeat(text, cur.title) and not line.table:
                continue
            label = _TITLE_LABEL.match(text)
            if label:
                cur.title = label["v"].strip()
                cur.facts.append(Fact("title", cur.title, "标题栏"))
                continue
            is_byline, unit = byline(text, after_title=True)
            if is_byline:
                cur.facts += _byline_fact(text, unit)
                continue
        if date is not None and not any(f.key == "date" for f in cur.facts):
            cur.facts.append(Fact("date", date.isoformat(), "日期行"))
            continue
        is_byline, unit = byline(text, after_title=False)
        if is_byline:
            cur.facts += _byline_fact(text, unit)
            cur.ended = True
            continue
        cur.entries.append(line)
    if pending and drafts:
        drafts[0].facts += pending
    for draft in drafts:
        _trailing_signature(draft)
        if not draft.entries:
            warnings.append(f"“{draft.title or '（无标题）'}”下没有正文")
    # Word heading levels are relative: a template may put titles on outline level 2 and
    # section headings on 3–5. The highest level used by section headings becomes 1.
    used = sorted({e.heading_level for d in drafts for e in d.entries if e.heading_level})
    ranks = {raw: min(i + 1, 3) for i, raw in enumerate(used)}
    return [_finish(d, ranks, warnings) for d in drafts]


def _trailing_signature(draft: _Draft) -> None:
    """A bare unit name (and person) closing an article signs it: 机关党委 / 机关党委 张三."""
    if len(draft.entries) < 2 or draft.entries[-1].table:
        return
    is_signature, unit = _bare_unit(draft.entries[-1].text, 30)
    if is_signature:
        draft.entries.pop()
        draft.facts += _byline_fact("", unit)


def _open(line: Line, column: str | None, titled: bool) -> _Draft:
    if titled and _title_capable(line):
        label = _TITLE_LABEL.match(line.text)
        title = label["v"].strip() if label else line.text
        facts = list(line.facts)
        if not any(f.key == "title" for f in facts):
            facts.append(Fact("title", title, "标题栏" if label else "首行"))
        return _Draft(title=title, kind=column, facts=facts)
    return _Draft(title=None, kind=column, entries=[line])


def _finish(draft: _Draft, ranks: dict[int, int], warnings: list[str]) -> ParsedArticle:
    from caselib.intake.readers.facts import resolve

    entries = [
        replace(e, heading_level=ranks.get(e.heading_level, e.heading_level)) for e in draft.entries
    ]
    blocks = classify(entries)
    kind = draft.kind
    if kind is None:
        if "暖心故事" in (draft.title or ""):
            kind = "story"
        else:
            size = sum(len(b.text) for b in blocks)
            has_headings = any(b.type == "heading" for b in blocks)
            kind = "story" if size < STORY_MAX_CHARS and not has_headings else "case"
    article = ParsedArticle(draft.title, None, kind, blocks)
    resolve(article, draft.facts, warnings)
    return article


def classify(entries: list[Line]) -> list[Block]:
    """Headings, paragraphs and tables of one article's body."""
    from caselib.intake.readers.credits import strip_inline_credit

    entries = _merge_bold_pairs(entries)
    blocks: list[Block] = []
    for i, line in enumerate(entries):
        if line.cells:
            blocks.append(Block.table(line.cells))
            continue
        after_heading = bool(blocks) and blocks[-1].type == "heading"
        level = _heading_level(line, i == len(entries) - 1, after_heading)
        if level:
            blocks.append(Block.heading(line.text, level))
        else:
            text = strip_inline_credit(line.text) if not blocks else line.text
            blocks.append(Block.paragraph(text))
    return blocks


def _plain_short(line: Line) -> bool:
    return not (line.bold or line.styled or line.centered or line.table) and heading_like(line.text)


def _merge_bold_pairs(entries: list[Line]) -> list[Line]:
    """Two bold short lines of one size standing alone are one heading broken in two."""
    out: list[Line] = []
    for line in entries:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.bold
            and line.bold
            and not (prev.styled or line.styled or prev.table or line.table)
            and prev.size == line.size
            and not numbering_level(prev.text)
            and not numbering_level(line.text)
            and heading_like(prev.text)
            and heading_like(line.text)
            and len(prev.text) + len(line.text) <= 40
        ):
            out[-1] = replace(prev, text=f"{prev.text} {line.text}")
            continue
        out.append(line)
    return out


_TIMETABLE = re.compile(r"^\d{1,2}[:：]\d{2}")
_LEAD_LABEL = re.compile(r"^[^，,。；;：:、\s]{2,8}[：:]$")


def _heading_level(line: Line, is_last: bool, after_heading: bool = False) -> int:
    text = line.text
    if line.table or _TIMETABLE.match(text):
        return 0
    numbered = numbering_level(text)
    if numbered and is_numbered_heading(text):
        return numbered
    if line.heading_level and len(text) <= 80:
        return numbered or min(line.heading_level, 3)
    if _LEAD_LABEL.match(text) and "如下" not in text and not is_last:
        return 1 if line.bold or not line.list_level else 0  # 规定动作： standing alone
    if not heading_like(text):
        return 0
    if line.list_level:
        return min(line.list_level, 3) if line.bold else 0
    if line.bold or line.centered:
        return numbered or 1
    if is_last or line.joined or text.startswith(("“", "‘", "「", "『")):
        return 0
    if after_heading and _plain_short(line):
        return 0  # 活动地点 / 湖北省博物馆: the section's text, not another heading
    return numbered or 1


# --- the whole document ------------------------------------------------------------------


def clean_lines(lines: Iterable[Line]) -> list[Line]:
    """Cleaned, non-empty lines without page numbers and other layout noise."""
    out: list[Line] = []
    gap = False
    for line in lines:
        text = clean_text(line.text)
        if not text or is_noise(text):
            gap = gap or not text
            continue
        out.append(replace(line, text=text, gap_before=gap or line.gap_before))
        gap = False
    return out
