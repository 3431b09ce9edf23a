"""One document that is not a 简报: find its title, leave out what is not body text.

Steps, over the cleaned lines of a file:
1. Mark the lines a person does not read as the article (``skip``), keeping what they say
   (``facts``): page chrome and everything above a breadcrumb (当前位置：首页 > …), credits
   and captions (``credits``), datelines, the 公文 版头/主送/落款/版记 and 附件 lines
   (``gongwen``), and the short lines trailing after the last credit (推荐阅读, pinyin).
2. Find the title: a cover page's largest lines (joined); else a Title-styled or the
   largest centred/bold line near the top (Word); else the last run of title-like lines
   before the first paragraph, after page chrome, without column labels (其他, 党团建设);
   a 主送 line, 文号, credit or front-matter key is never one. No title is found when the
   text starts straight with a paragraph.
3. Split into articles (``structure.split_articles``) and resolve unit/date (``facts``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from caselib.intake.readers import credits, gongwen
from caselib.intake.readers.lines import (
    _SUBTITLE,
    _TITLE_LABEL,
    _display_width,
    byline,
    column_kind,
    heading_like,
    is_numbered_heading,
    unit_like,
)
from caselib.intake.readers.model import Fact, Line, ParsedArticle
from caselib.intake.readers.structure import rejoin, split_articles, wrap_width
from caselib.text.dates import find_month

_BULLET = re.compile(r"^[-•●▪◆]\s+(?=\S)")
_SENTENCE = re.compile(r"[。！？；!?;]")
_SUBSTORY_BYLINE = re.compile(r"^\S{2,25}(?:\s+[\u4e00-\u9fff·]{2,4}){1,3}$")
_TAIL_SHORT = 8
_EXCERPT_CHARS = 40  # characters of the left-out lines a report quotes


def read_plain(lines: list[Line], warnings: list[str]) -> list[ParsedArticle]:
    lines = [replace(ln, text=_BULLET.sub("", ln.text)) if not ln.table else ln for ln in lines]
    lines = _cover(lines)
    lines = _lead_note(mark_lines(lines))
    title_at = find_title(lines)
    if title_at is None:
        return split_articles(rejoin(lines), warnings, titled=False)
    first, last, text = title_at
    column: str | None = None
    dropped: list[str] = []
    kept: list[Line] = []
    for line in lines[:first]:
        if line.skip:
            kept.append(line)
            continue
        is_column, kind = column_kind(line.text)
        is_byline, unit = byline(line.text, after_title=True)
        if is_column:
            column = kind
        elif is_byline and unit:
            kept.append(replace(line, skip=True, facts=(Fact("unit", unit, "署名行"),)))
        elif len(line.text) > 4:
            dropped.append(line.text)
    if dropped:
        warnings.append(f"标题之前的内容已忽略：{_excerpt(dropped)}")
    head = lines[first]
    source = next((f.source for f in head.facts if f.key == "title"), None)
    facts = head.facts if source else (*head.facts, Fact("title", text, _title_source(head)))
    title_line = replace(head, text=text, title=True, facts=facts)
    body = rejoin(lines[last + 1 :])
    return split_articles([*kept, title_line, *body], warnings, column)


def _excerpt(texts: list[str]) -> str:
    """What was left out, as a report shows it: the lines joined, cut after
    ``_EXCERPT_CHARS`` characters, with the number of lines when there are several."""
    joined = "；".join(texts)
    if len(joined) > _EXCERPT_CHARS:
        joined = joined[:_EXCERPT_CHARS] + "…"
    return joined if len(texts) == 1 else f"{joined}（共 {len(texts)} 段）"


def _title_source(line: Line) -> str:
    if line.title:
        return "标题样式"
    if line.heading_level:
        return "一级标题"
    if line.centered or line.bold or line.size:
        return "居中大字" if line.centered else "加粗大字"
    return "首行"


# --- marking ------------------------------------------------------------------------------


def _is_paragraph(line: Line) -> bool:
    """A line of running text (not a title, heading or label)."""
    text = line.text
    if line.table or heading_like(text) or is_numbered_heading(text):
        return False
    if len(text) > 90 or text.endswith(("。", "；", ";")) or _SENTENCE.search(text[:-1]):
        return True
    return len(text) > 60 and bool(re.search(r"[，,]", text))


def mark_lines(lines: list[Line]) -> list[Line]:
    """Lines with ``skip`` and ``facts`` set on everything that is not body text."""
    body_start = next(
        (
            i
            for i, ln in enumerate(lines)
            if not ln.skip and _is_paragraph(ln) and credits.mark(ln.text, True) is None
        ),
        len(lines),
    )
    if body_start == len(lines):  # no running text (a template): the body follows 主送
        body_start = next(
            (i + 1 for i, ln in enumerate(lines) if gongwen.is_recipients(ln.text)), 1
        )
        body_start = min(body_start, len(lines))
    out: list[Line] = []
    crumb = max((i for i in range(body_start) if _is_breadcrumb(lines[i])), default=-1)
    last_credit = -1
    for i, line in enumerate(lines):
        if line.skip or line.table:
            out.append(line)
            continue
        if out and _attachment_goes_on(out[-1], line):
            out.append(replace(line, skip=True, facts=(Fact("附件", line.text, "附件"),)))
            continue
        if i <= crumb:
            out.append(replace(line, skip=True))
            continue
        marked = _mark(line, lines, i, i < body_start, out)
        if marked is not None:
            out.append(marked)
            if marked.skip and i >= body_start and _is_credit(line.text):
                last_credit = i
            continue
        out.append(line)
    if last_credit >= 0:
        tail = out[last_credit + 1 :]
        if tail and all(ln.skip or (len(ln.text) <= _TAIL_SHORT and not ln.table) for ln in tail):
            out[last_credit + 1 :] = [replace(ln, skip=True) for ln in tail]
    return out


def _attachment_goes_on(prev: Line, line: Line) -> bool:
    """附件：1.《…》 / 2.《…》: the list of attachments goes on on the next lines."""
    if not (prev.skip and any(f.key == "附件" for f in prev.facts)):
        return False
    return (
        bool(re.match(r"^\d{1,2}\s*[.．、]", line.text))
        and len(line.text) <= 60
        and ("。" not in line.text)
    )


def _is_breadcrumb(line: Line) -> bool:
    found = credits.mark(line.text, True)
    return found is not None and found.kind == "breadcrumb"


def _is_credit(text: str) -> bool:
    m = credits.mark(text, False)
    return m is not None and m.kind in ("credit", "chrome")


def _mark(line: Line, lines: list[Line], i: int, before_body: bool, out: list[Line]) -> Line | None:
    text = line.text
    found = credits.mark(text, before_body)
    if found is not None:
        return replace(line, skip=True, facts=found.facts)
    if not gongwen.is_date_line(text):
        dl = credits.dateline(text, before_body)
        if dl is not None:
            if not before_body:
                _sign_previous(out, before_body)
            return replace(line, skip=True, facts=dl.facts)
    head = gongwen.head_facts(text)
    if head is not None and (before_body or head):
        return replace(line, skip=True, facts=head)
    if gongwen.is_date_line(text):
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        if re.fullmatch(r"星期[一二三四五六日天]", nxt):
            return replace(line, skip=True)  # a calendar widget: today's date, not the text's
        source = "日期行" if before_body else "落款"
        _sign_previous(out, before_body)
        return replace(line, skip=True, facts=gongwen.date_facts(text, source))
    if gongwen.is_stamp(text):
        return replace(line, skip=True)
    if gongwen.is_printed_line(text) and len(text) <= 60:
        return replace(line, skip=True)
    if gongwen.is_attachment_line(text):
        return replace(line, skip=True, facts=(Fact("附件", text, "附件"),))
    if not before_body and _SUBSTORY_BYLINE.match(text):
        unit = text.split()[0]
        if unit_like(unit):  # 怡院社区 钟宇聪: the byline of a story inside the text
            return replace(line, skip=True, facts=(Fact("unit", unit, "署名行"),))
    if before_body and gongwen.is_recipients(text):
        return replace(line, skip=True, facts=(Fact("主送", text.rstrip("：:"), "主送"),))
    return None


def _sign_previous(out: list[Line], before_body: bool) -> None:
    """The unit line just above a 成文日期 is the 发文机关 signing the document."""
    if before_body or not out:
        return
    prev = out[-1]
    name = prev.text.strip()
    if prev.skip or prev.table or len(name) > 30:
        return
    first = name.split()[0] if name.split() else ""
    if unit_like(first):
        out[-1] = replace(prev, skip=True, facts=(*prev.facts, Fact("unit", first, "公文落款")))


def _lead_note(lines: list[Line]) -> list[Line]:
    """A paragraph above the title that cites it (……刊发了我校题为“T”的经验做法) is a note
    about the article, not its text: its date counts, the text goes to the metadata."""
    rest = [i for i, ln in enumerate(lines) if not ln.skip][:2]
    if len(rest) < 2 or not _is_paragraph(lines[rest[0]]) or not _title_like(lines[rest[1]]):
        return lines
    note, title = lines[rest[0]], lines[rest[1]]
    quotes = re.compile(r"[“”‘’「」『』\"'\s]")
    core = quotes.sub("", title.text)
    if len(core) < 6 or core not in quotes.sub("", note.text):
        return lines
    facts = (*note.facts, *gongwen.date_facts(note.text, "按语"), Fact("按语", note.text, "按语"))
    out = list(lines)
    out[rest[0]] = replace(note, skip=True, facts=facts)
    return out


# --- the cover ----------------------------------------------------------------------------


def _cover(lines: list[Line]) -> list[Line]:
    """A cover page: its largest lines make the title; a unit and a date on it count. The
    cover of a compilation (several titled articles after the contents) is left out."""
    cover = [ln for ln in lines if ln.cover]
    if not cover:
        return lines
    rest = [ln for ln in lines if not ln.cover]
    titles = sum(1 for ln in rest if ln.title or (ln.centered and (ln.size or 0) >= 18))
    if titles >= 2:
        return rest  # a compilation's cover: its articles carry their own titles
    biggest = max((ln.size or 0) for ln in cover)
    start = next(i for i, ln in enumerate(cover) if (ln.size or 0) == biggest)
    end = start
    while end + 1 < len(cover) and (cover[end + 1].size or 0) == biggest:
        nxt = cover[end + 1].text.strip()
        if not biggest and (unit_like(nxt.split()[0] if nxt else "") or find_month(nxt)):
            break  # a text cover has no sizes: its title ends where the unit or date starts
        if not biggest and gongwen.date_facts(nxt, "封面"):
            break
        end += 1
    title = "".join(ln.text.strip() for ln in cover[start : end + 1])
    facts: list[Fact] = [Fact("title", title, "封面")]
    for ln in cover[end + 1 :]:
        text = ln.text.strip()
        month = find_month(text)
        found = gongwen.date_facts(text, "封面")
        if found:
            facts += found
        elif month is not None and len(text) <= 20:
            facts.append(Fact("month", f"{month[0]:04d}-{month[1]:02d}", "封面"))
        elif unit_like(text.split()[0] if text.split() else ""):
            facts.append(Fact("unit", text.split()[0], "封面"))
    head = Line(title, title=True, centered=True, size=biggest, facts=tuple(facts))
    return [head, *rest]


# --- the title ----------------------------------------------------------------------------


def _layout_title(lines: list[Line], candidates: list[int]) -> int | None:
    """A Title-styled line, or the largest centred/bold line larger than the body text."""
    for i in candidates:
        if lines[i].title:
            return i
    weight: dict[float, int] = {}
    plain = [ln for ln in lines if ln.size and not ln.skip and not ln.centered]
    for ln in plain or [ln for ln in lines if ln.size and not ln.skip]:
        weight[ln.size or 0] = weight.get(ln.size or 0, 0) + len(ln.text)
    if not weight:
        return None
    common = max(weight, key=lambda size: weight[size])  # the body text's size
    window = [k for k in candidates[:12] if lines[k].centered or lines[k].bold]
    if not window:
        return None
    best = max(window, key=lambda k: lines[k].size or 0)
    chosen = lines[best]
    text = chosen.text
    titled = heading_like(text) or (len(text) <= 80 and text[-1] not in "。；")
    if (chosen.size or 0) > common and (chosen.centered or chosen.bold) and titled:
        return best
    return None


def _same_title_layout(head: Line, line: Line) -> bool:
    return (
        not line.skip
        and line.size == head.size
        and line.centered == head.centered
        and line.bold == head.bold
        and heading_like(line.text)
        and not _SUBTITLE.match(line.text)
        and not is_numbered_heading(line.text)
    )


def _title_like(line: Line) -> bool:
    text = line.text
    if line.skip or line.table or is_numbered_heading(text) or gongwen.is_recipients(text):
        return False
    if text.endswith(("：", ":")) or byline(text, after_title=True)[0]:
        return False
    if heading_like(text):
        return True
    if _is_paragraph(line) or _SUBTITLE.match(text):
        return bool(_SUBTITLE.match(text)) and len(text) <= 60
    return len(text) <= 80 and "。" not in text and text[-1] not in "，,、；;"


def _wrapped_sentence(line: Line, wrap: int) -> bool:
    """The first line of a hard-wrapped paragraph (text copied from a PDF): as wide as the
    text was cut at and broken off mid-sentence after a comma (近日，……利用 AI 人工智能技术炮),
    where a title is narrower or ends where its words end."""
    text = line.text
    return (
        not line.styled
        and _display_width(text) >= wrap - 4
        and "，" in text
        and text[-1] not in "。！？”）)"
    )


def _title_label(text: str) -> bool:
    """案例名称：… naming the title (not 标题：方正小标宋，居中。 in writing guidance)."""
    m = _TITLE_LABEL.match(text)
    return m is not None and len(m["v"]) <= 60 and not _SENTENCE.search(m["v"])


def find_title(lines: list[Line]) -> tuple[int, int, str] | None:
    """(first line, last line, title text) of the document's title, or None."""
    wrap = wrap_width(lines)
    top: list[int] = []  # lines above the first line of running text
    for i, line in enumerate(lines):
        if not line.skip and not _title_like(line) and not _title_label(line.text):
            break
        if wrap is not None and _wrapped_sentence(line, wrap):
            break
        top.append(i)
    for i in top:
        if any(f.key == "title" for f in lines[i].facts) or _title_label(lines[i].text):
            return i, i, lines[i].text
    layout = _layout_title(lines, [i for i in range(min(len(lines), 40)) if not lines[i].skip])
    if layout is not None:
        head, last, text = lines[layout], layout, lines[layout].text
        while last + 1 < len(lines) and _same_title_layout(head, lines[last + 1]):
            last += 1  # 关于开展……工作的 / 通知: a long title set on two lines
            text += lines[last].text
        return layout, last, text
    # the last run of title-like lines between page chrome, before the running text
    runs: list[list[int]] = [[]]
    for i in top:
        if lines[i].skip:
            runs.append([])
        else:
            runs[-1].append(i)
    recipients = [i for i in top if any(f.key == "主送" for f in lines[i].facts)]
    if recipients:  # a 公文's title stands above its 主送 line
        runs = [[i for i in r if i < recipients[0]] for r in runs]
    runs = [r for r in runs if r]
    if not runs:
        return None
    run = runs[-1]
    while len(run) > 1 and not _SUBTITLE.match(lines[run[1]].text):
        label = lines[run[0]].text
        if len(label) > 4 and not column_kind(label)[0]:
            break
        run = run[1:]  # a column or site label above the title: 其他, 党团建设, 【暖心故事】
    first = run[0]
    text = lines[first].text
    last = first
    for k in run[1:]:
        nxt = lines[k].text
        if _SUBTITLE.match(nxt):
            text, last = text + nxt, k
        elif 8 <= len(nxt) <= 20 and len(text) + len(nxt) <= 45 and k == last + 1:
            text, last = f"{text} {nxt}", k  # a title set on two lines
        else:
            break
    return first, last, text
