"""Markdown written by other tools (Obsidian, web clippers, 公众号 exporters) read as text.

caselib's own Markdown (front matter with caselib's fields) is read losslessly by
``caselib.text.markdown``; this module reads everything else as a person sees it:
* front matter of any tool: ``title``/``标题`` is the title, else the first ``aliases``
  entry; ``date``/``日期``/``created`` (2023-04-11 01:35:15.315577 too) is the date;
  ``网址``/``url``/``source`` and ``author``/``作者`` go to the metadata; other keys are
  ignored. A front matter YAML cannot parse is read line by line ("key: value").
* else the first ``# `` heading is the title (a link in it gives its text), else the
  title is found as in a text file;
* ``##``–``######`` are section headings; a line that is all ``**bold**`` stands alone as
  bold; a list item stands alone and is never a heading unless bold; images (``![](…)``,
  base64 data), HTML tags and comments (``<!--more-->``), emphasis marks and link targets
  are removed; pipe tables become table blocks; lines of one paragraph are joined;
  Obsidian's lines of #tags are dropped, a callout's head stands alone, wiki links and
  ==highlights== read as their text.
"""

from __future__ import annotations

import re
from typing import Any

from caselib.intake.readers.lines import is_noise
from caselib.intake.readers.model import Fact, Line
from caselib.text.dates import find_date

_FRONT = re.compile(r"^---[ \t]*\n(.*?)\n---[ \t]*(?:\n|$)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_IMAGE_OPEN = re.compile(r"!\[[^\]]*\]\(data:[^)]*$")
_REF_IMAGE = re.compile(r"!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(.+?)\1$")
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_LIST = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE = re.compile(r"^>\s?")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_FENCE = re.compile(r"^(```|~~~)")
# Obsidian: a line of tags (#暖心故事 #后勤), a callout's head (> [!note] 来源), wiki links
# ([[后勤集团]], [[page|shown]]) and highlights (==text==).
_TAG_LINE = re.compile(r"^(?:#[^\s#]+\s*)+$")
_CALLOUT = re.compile(r"^\[!\w+\][+-]?\s*(?P<title>.*)$")
_LABEL = re.compile(r"^(?:来源|出处|作者|供稿|供稿单位|原文|链接)$")
_WIKI_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]|]*)\]\]")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")

TITLE_KEYS = ("title", "标题", "题目")
DATE_KEYS = ("date", "日期", "created", "发布日期", "发布时间", "时间")
META_KEYS = {"网址": "网址", "url": "网址", "source": "网址", "link": "网址", "原文": "网址"}
META_KEYS.update({"author": "作者", "作者": "作者"})
UNIT_KEYS = ("unit", "单位", "来源", "供稿")


def is_caselib_record(data: bytes) -> bool:
    """Whether a Markdown file is caselib's own record format (front matter holding a title,
    a field only caselib writes such as unit or kind, and no other tool's fields), which
    ``caselib.text.markdown`` reads losslessly."""
    from caselib.text.markdown import FIELD_ORDER

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    m = _FRONT.match(text)
    if not m:
        return False
    meta = _parse_yaml(m.group(1))
    own = {"unit", "kind", "source", "status", "submitted"}  # a blog's title/date/tags is not
    return "title" in meta and bool(own & set(meta)) and set(meta) <= set(FIELD_ORDER)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter as a dict, the rest) of any tool's front matter; ({}, text) if none."""
    text = text.lstrip("\ufeff")
    m = _FRONT.match(text)
    if not m:
        return {}, text
    return _parse_yaml(m.group(1)), text[m.end() :]


def _parse_yaml(block: str) -> dict[str, Any]:
    try:
        import yaml

        from caselib.text.markdown import _loader

        data = yaml.load(block, Loader=_loader())
    except Exception:
        data = None
    if isinstance(data, dict):
        return {str(k): v for k, v in data.items()}
    found: dict[str, Any] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "-")):
            found[key.strip()] = value.strip().strip("\"'")
    return found


def front_matter_facts(meta: dict[str, Any]) -> tuple[str | None, list[Fact]]:
    """(title, facts) from front matter keys; the keys themselves are never the title."""
    title: str | None = None
    source = ""
    lowered = {k.lower(): v for k, v in meta.items()}
    for key in TITLE_KEYS:
        if _text(lowered.get(key)):
            title, source = _text(lowered.get(key)), "YAML 头标题"
            break
    if title is None:
        aliases = lowered.get("aliases") or lowered.get("alias")
        first = aliases[0] if isinstance(aliases, list) and aliases else aliases
        if _text(first):
            title, source = _text(first), "YAML 头别名"
    facts: list[Fact] = [Fact("title", title, source)] if title else []
    for key in DATE_KEYS:
        value = _text(lowered.get(key))
        found = find_date(value) if value else None
        if found is not None:
            facts.append(Fact("date", found.isoformat(), "YAML 头"))
            break
    for key in UNIT_KEYS:
        value = _text(lowered.get(key))
        if value:
            from caselib.intake.readers.credits import unit_in_value

            unit = unit_in_value(value)
            if unit:
                facts.append(Fact("unit", unit, "来源行"))
                break
    for key, name in META_KEYS.items():
        value = _text(lowered.get(key))
        if value and not any(f.key == name for f in facts):
            facts.append(Fact(name, value, "YAML 头"))
    return title, facts


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def head_lines(meta: dict[str, Any]) -> list[Line]:
    """Lines standing for the front matter: the title line, or a skip line with the facts."""
    title, facts = front_matter_facts(meta)
    if title:
        return [Line(title, title=True, facts=tuple(facts))]
    if facts:
        return [Line("（YAML 头）", skip=True, facts=tuple(facts))]
    return []


def _inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _REF_IMAGE.sub("", text)
    text = _IMAGE_OPEN.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _WIKI_LINK.sub(r"\1", text)
    text = _HIGHLIGHT.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return text.replace("\\", "").strip()


def _tags_only(text: str) -> bool:
    """A line of Obsidian tags (#暖心故事 #后勤); a lone long one (#宿管阿姨的百宝箱, a heading
    written without its space) is text."""
    if not _TAG_LINE.match(text):
        return False
    tags = text.split()
    return len(tags) > 1 or len(tags[0]) <= 7


def markdown_lines(text: str) -> list[Line]:
    """The lines of a foreign Markdown document with layout hints."""
    meta, body = split_front_matter(text)
    lines = head_lines(meta)
    has_title = bool(lines) and lines[0].title
    body = _COMMENT.sub("\n", body)
    paragraph: list[str] = []
    table: list[list[str]] = []
    gap = False
    in_fence = False
    label = ""  # a callout titled 来源 or 作者: its first line reads "来源：…"

    def flush() -> None:
        nonlocal gap
        if paragraph:
            from caselib.text.markdown import join_lines

            lines.append(Line(join_lines(paragraph), gap_before=gap))
            paragraph.clear()
            gap = False
        if table:
            cells = tuple(tuple(c) for c in table)
            text = "\n".join("\t".join(r) for r in cells)
            lines.append(Line(text, table=True, cells=cells, gap_before=gap))
            table.clear()
            gap = False

    for raw in body.split("\n"):
        stripped = raw.strip()
        if _FENCE.match(stripped):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            if stripped:
                lines.append(Line(stripped, gap_before=gap))
                gap = False
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            if paragraph:
                flush()
            if not _TABLE_RULE.match(stripped):
                table.append([_inline(c) for c in stripped.strip("|").split("|")])
            continue
        if table:
            flush()
        stripped = _QUOTE.sub("", stripped)
        callout = _CALLOUT.match(stripped)
        if callout or _tags_only(stripped):
            flush()  # a callout's head stands alone; a line of tags is no text
            title = _inline(callout["title"]) if callout else ""
            if _LABEL.match(title):
                label = title  # > [!note] 来源 / > 后勤集团党委供稿: 来源：后勤集团党委供稿
            elif title:
                lines.append(Line(title, gap_before=gap))
            gap = True
            continue
        heading = _HEADING.match(stripped)
        bold = _BOLD_LINE.match(stripped)
        listed = _LIST.match(stripped)
        content = _inline(stripped)
        if not content or is_noise(content):
            flush()
            gap, label = True, ""
            continue
        if heading or bold or listed:
            label = ""  # a callout's label prefixes only the line right under it
        if heading:
            flush()
            level = len(heading[1])
            text_ = _inline(heading[2])
            if level == 1 and not has_title:
                fact = Fact("title", text_, "一级标题")
                lines.append(Line(text_, title=True, facts=(fact,), gap_before=gap))
                has_title = True
            else:
                lines.append(Line(text_, heading_level=max(level - 1, 1), gap_before=gap))
            gap = False
        elif bold or listed:
            flush()
            lines.append(
                Line(content, bold=bool(bold), list_level=int(bool(listed)), gap_before=gap)
            )
            gap = False
        else:
            if label:
                flush()
                content, label = f"{label}：{content}", ""
            paragraph.append(content)
    flush()
    return lines
