"""One file's lines to its articles and, for a 简报, its frame."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from caselib.intake.readers import credits
from caselib.intake.readers.article import read_plain
from caselib.intake.readers.lines import column_kind
from caselib.intake.readers.model import Line, ParsedArticle, ParsedBulletin
from caselib.intake.readers.structure import (
    _EDITOR_NOTE,
    _title_capable,
    clean_lines,
    detect_head,
    detect_tail,
    rejoin,
    split_articles,
)


def build(
    lines: list[Line], warnings: list[str]
) -> tuple[list[ParsedArticle], ParsedBulletin | None]:
    """Articles and, for a 简报, its frame, from the cleaned lines of one file."""
    lines = without_contents(clean_lines(lines))
    head = detect_head(lines, warnings)
    if head is None:
        return read_plain(lines, warnings), None
    distribution, tail = detect_tail(lines, head.end)
    # a compilation's cover (before its table of contents) holds no article
    body = rejoin([ln for ln in lines[head.end : tail] if not ln.cover])
    editor_note: str | None = None
    if body and _EDITOR_NOTE.match(body[0].text):
        # The note runs until the first line that can be an article's title.
        parts = [_EDITOR_NOTE.sub("", body[0].text, count=1).strip()]
        k = 1
        while k < len(body) and not (_title_capable(body[k]) or column_kind(body[k].text)[0]):
            parts.append(body[k].text)
            k += 1
        editor_note = "\n".join(p for p in parts if p) or None
        body = body[k:]
    articles = split_articles(_credits_marked(body), warnings)
    if not articles:
        warnings.append("简报中没有找到文章")
    bulletin = ParsedBulletin(
        series=head.series,
        number=head.number,
        year=head.year,
        date=head.date,
        office=head.office,
        editor_note=editor_note,
        distribution=distribution,
    )
    return articles, bulletin


# The heading of a list of what follows: 本期要目, 本期目录, 目录 …
_CONTENTS_HEAD = re.compile(
    r"^[【\[]?\s*(?:本期要目|本期目录|本期导读|本期内容|要目|目\s*录)\s*[】\]]?$"
)
_PAGE_NUMBER = re.compile(r"(?:\t+\s*|\s*[.…·・]{2,}\s*|\s+)\d{1,3}$")


def _entry_key(text: str) -> str:
    return "".join(_PAGE_NUMBER.sub("", text.strip()).split())


def without_contents(lines: list[Line]) -> list[Line]:
    """The lines without a list of contents near the top (本期要目 and the titles under it,
    each of which comes again further down, as its article's title): a person skips it, and
    its lines are no article. Entries are the lines after the heading whose text (without a
    page number) is found again below; the list ends at the first line that is not."""
    head = next((i for i, ln in enumerate(lines[:40]) if _CONTENTS_HEAD.match(ln.text)), None)
    if head is None:
        return lines
    keys = [_entry_key(ln.text) for ln in lines]
    below = Counter(keys[head + 1 :])  # the keys of the lines after the one looked at
    end = head + 1
    while end < len(lines):
        below[keys[end]] -= 1
        if not keys[end] or below[keys[end]] <= 0:
            break
        end += 1
    if end == head + 1:
        return lines  # a 目录 with no entries found again: not a list of contents
    return lines[:head] + lines[end:]


def _credits_marked(lines: list[Line]) -> list[Line]:
    """Credit lines and captions inside a bulletin's articles are not body text."""
    out = []
    for line in lines:
        found = None if line.table else credits.mark(line.text, before_body=False)
        if found is not None and found.kind in ("credit", "caption"):
            line = replace(line, skip=True, facts=found.facts)
        out.append(line)
    return out
