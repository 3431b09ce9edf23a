"""Tag suggestions: the tags of the vocabulary whose names or aliases a text mentions.

Matching
--------
* The text (title + summary + body) and every tag name and alias go through
  ``textproc.normalize`` (NFKC: full-width letters and digits become half-width; quotes folded;
  case folded) and lose all whitespace, so a term broken across lines (PDF extraction) or
  spaced out still matches. Punctuation is kept: it separates terms (“共同缔造” still matches).
* Names and aliases of fewer than two characters are ignored (one character matches anywhere).
* The text is scanned left to right; at each position the longest name or alias starting there
  is taken, counted for its tag, and the scan continues after it. Occurrences therefore never
  overlap, and a longer term hides the shorter terms inside it: "党建引领力" counts once for
  党建引领力 and not also for its alias "引领力", nor for a tag "引领" if there were one.
* A tag's count is the sum over its name and aliases; ``matched`` lists the forms that occurred
  (as written in the vocabulary), in order of first occurrence.

Parent tags are not credited with their children's mentions: a text naming 决策共谋 suggests
决策共谋 (searching for 共同缔造 finds it anyway through the tree).

Automatic tagging (``import --auto-tag``)
-----------------------------------------
``suggest_*`` list every tag mentioned, with counts (``caselib tag suggest``): a case of 1,700
characters mentions twenty tags or more in passing. ``auto_tags`` keeps only what the text is
about, at most ``MAX_AUTO_TAGS``:

* a tag named in the title (by name or alias);
* a tag mentioned repeatedly: at least ``REPEAT_SHORT`` times in a text shorter than
  ``LONG_TEXT`` characters (a story), ``REPEAT_LONG`` times in a longer one (a case);
* a parent whose parts are mentioned: when the parent and at least two different tags under
  it are mentioned that often together (决策共谋 once, 建设共管 once, 成果共享 once: the text
  is about 共同缔造), unless one of those tags qualifies by itself, in which case the more
  specific tag is kept (filtering by the parent finds it anyway).

Chosen tags are ordered title first, then by mentions (a parent's include its parts'), then by
name; the first ``MAX_AUTO_TAGS`` are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from caselib.store.tables import Record, Tag, TagAlias
from caselib.text.blocks import body_texts
from caselib.text.normalize import normalize

MIN_TERM_LENGTH = 2
MAX_AUTO_TAGS = 5
REPEAT_SHORT = 2
REPEAT_LONG = 3
LONG_TEXT = 1000  # characters (without whitespace): longer than a warm story


@dataclass
class TagSuggestion:
    """A tag the text mentions ``count`` times, through the forms in ``matched``."""

    name: str
    count: int
    matched: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "count": self.count, "matched": self.matched}


def prepare(text: str) -> str:
    """``normalize(text)`` without whitespace: the form both texts and terms are matched in."""
    return "".join(normalize(text).split())


def record_parts(record: Record) -> list[str]:
    """Title, summary and body blocks (a table cell by cell) of a record: matched separately,
    so that no term is counted across the end of one and the start of the next."""
    parts = [record.title, record.summary or ""]
    return parts + body_texts(record.body)


class _Vocabulary:
    """Every usable term (prepared name or alias) → (tag name, term as written)."""

    def __init__(self, session: Session) -> None:
        self.terms: dict[str, tuple[str, str]] = {}
        self.parents: dict[str, str] = {}  # tag name → parent tag name
        names: dict[int, str] = {}
        parent_ids: dict[str, int] = {}
        for tag_id, name, parent_id in session.exec(
            select(Tag.id, Tag.name, Tag.parent_id).order_by(Tag.name)
        ).all():
            assert tag_id is not None
            names[tag_id] = name
            if parent_id is not None:
                parent_ids[name] = parent_id
            self._add(prepare(name), name, name)
        for name, parent_id in parent_ids.items():
            if parent_id in names:
                self.parents[name] = names[parent_id]
        aliases = session.exec(select(TagAlias.alias, TagAlias.tag_id).order_by(TagAlias.alias))
        for alias, tag_id in aliases.all():
            if tag_id in names:
                self._add(prepare(alias), names[tag_id], alias)
        # first character → the lengths of the terms starting with it, longest first
        self.lengths: dict[str, list[int]] = {}
        for term in self.terms:
            self.lengths.setdefault(term[0], []).append(len(term))
        for lengths in self.lengths.values():
            lengths[:] = sorted(set(lengths), reverse=True)

    def _add(self, term: str, tag: str, written: str) -> None:
        # Names are added before aliases, so a name wins a collision after normalisation.
        if len(term) >= MIN_TERM_LENGTH and term not in self.terms:
            self.terms[term] = (tag, written)

    def scan(self, text: str) -> list[tuple[str, str]]:
        """(tag name, term as written) for every leftmost-longest, non-overlapping match."""
        hits: list[tuple[str, str]] = []
        i, end = 0, len(text)
        while i < end:
            step = 1
            for length in self.lengths.get(text[i], ()):
                if i + length <= end:
                    hit = self.terms.get(text[i : i + length])
                    if hit is not None:
                        hits.append(hit)
                        step = length
                        break
            i += step
        return hits


def suggest_tags_for_parts(
    session: Session, texts: list[str], min_count: int = 1
) -> list[TagSuggestion]:
    """``suggest_tags`` over several separate texts (title, summary, each block): no match
    runs across two of them."""
    return _suggest(_Vocabulary(session), texts, min_count)


def _suggest(vocabulary: _Vocabulary, texts: list[str], min_count: int = 1) -> list[TagSuggestion]:
    found: dict[str, TagSuggestion] = {}
    for text in texts:
        for tag, written in vocabulary.scan(prepare(text)):
            suggestion = found.setdefault(tag, TagSuggestion(tag, 0))
            suggestion.count += 1
            if written not in suggestion.matched:
                suggestion.matched.append(written)
    result = [s for s in found.values() if s.count >= min_count]
    result.sort(key=lambda s: (-s.count, s.name))
    return result


def auto_tags(session: Session, title: str, texts: list[str]) -> list[str]:
    """The tags ``import --auto-tag`` applies to a text with this ``title`` and these other
    parts (summary, body blocks): what the text is about, by the rule in the module docstring,
    at most ``MAX_AUTO_TAGS``."""
    vocabulary = _Vocabulary(session)
    in_title = {s.name for s in _suggest(vocabulary, [title])}
    own = {s.name: s.count for s in _suggest(vocabulary, [title, *texts])}
    length = sum(len(prepare(text)) for text in (title, *texts))
    repeat = REPEAT_LONG if length >= LONG_TEXT else REPEAT_SHORT

    # a parent's mentions include its descendants'; ``sources`` are the different tags named
    total: dict[str, int] = dict(own)
    sources: dict[str, set[str]] = {name: {name} for name in own}
    for name, count in own.items():
        seen = {name}
        parent = vocabulary.parents.get(name)
        while parent is not None and parent not in seen:
            seen.add(parent)
            total[parent] = total.get(parent, 0) + count
            sources.setdefault(parent, set()).add(name)
            parent = vocabulary.parents.get(parent)

    by_itself = {name for name in own if name in in_title or own[name] >= repeat}
    chosen = set(by_itself)
    for name, count in total.items():
        if name in chosen or count < repeat or len(sources[name] - {name}) < 2:
            continue
        if not any(_is_under(other, name, vocabulary.parents) for other in by_itself):
            chosen.add(name)
    order = sorted(chosen, key=lambda n: (n not in in_title, -total[n], -own.get(n, 0), n))
    return order[:MAX_AUTO_TAGS]


def _is_under(name: str, ancestor: str, parents: dict[str, str]) -> bool:
    seen: set[str] = set()
    parent = parents.get(name)
    while parent is not None and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def suggest_tags(session: Session, text: str, min_count: int = 1) -> list[TagSuggestion]:
    """Tags whose names or aliases occur in ``text`` (e.g. title + summary + body) at least
    ``min_count`` times, most mentioned first, then by name."""
    return suggest_tags_for_parts(session, [text], min_count)


def suggest_tags_for_record(
    session: Session, record: Record, min_count: int = 1
) -> list[TagSuggestion]:
    """``suggest_tags`` over the record's title, summary and body blocks."""
    return suggest_tags_for_parts(session, record_parts(record), min_count)
