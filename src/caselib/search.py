"""Full-text search over the records, and the filters shared with ``caselib list``.

Only ``sqlite3``, the standard library, ``caselib.text.normalize``, ``caselib.errors``,
``caselib.store.sqlite_backend`` and ``impact`` are imported: ``search`` starts without SQLAlchemy.

Query language (``parse_query``)
--------------------------------
* ``党建 迎新`` — spaces mean AND: both must occur.
* ``"党建 引领"`` (or ``“党建 引领”``) — a phrase; inside quotes spaces are literal, and a
  doubled quote ``""`` stands for the quote character itself.
* ``-暖心`` — excludes records containing 暖心; ``-"a b"`` excludes a phrase.
* ``迎新 OR 暖心`` — either; OR binds tighter than the spaces: ``党建 迎新 OR 暖心`` is
  党建 AND (迎新 OR 暖心). Only an upper-case ``OR`` between two terms is an operator.
* Everything else is literal, ``* : ^ ( ) NEAR AND NOT`` included; a lone ``OR`` or ``-`` is
  searched for as text. An opening quote without its closing quote is an error (one line).

Every term is ``normalize()``-d (NFKC, quotes folded, case folded) and matches a record exactly
when it is a substring of one of the record's segments (title, each tag, unit, summary, each
body block; see ``caselib.store.sqlite_backend``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from caselib.errors import InvalidInputError, LibraryError, NotFoundError, suggest
from caselib.store import impact
from caselib.store.meta import KIND_LABELS, STATUS_LABELS
from caselib.store.sqlite_backend import COLUMN_WEIGHTS, FTS_TABLE, phrase_match
from caselib.text.blocks import body_texts
from caselib.text.normalize import find_normalized, normalize, normalize_keep_case

_KIND_WORDS = {**{v: k for k, v in KIND_LABELS.items()}, "案例": "case", "故事": "story"}

DEFAULT_LIMIT = 20
SNIPPET_CHARS = 100
#: ``ORDER BY`` for lists without a query: newest first (undated last), then newest id.
DATE_ORDER = "r.date DESC NULLS LAST, r.id DESC"  # PostgreSQL puts NULL first otherwise


# --------------------------------------------------------------------------------------------
# Query parsing


@dataclass(frozen=True)
class Term:
    """One search term: ``text`` is normalised and non-empty."""

    text: str
    negated: bool = False
    quoted: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """``groups``: every group must match, any term of a group will do. ``excluded``: none."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def positive_terms(self) -> list[str]:
        """Distinct texts of the positive terms (what is highlighted)."""
        seen: dict[str, None] = {}
        for group in self.groups:
            for term in group:
                seen.setdefault(term.text)
        return list(seen)

    def match_expression(self) -> str | None:
        """The FTS5 MATCH expression of the positive part (with exclusions), or None."""
        if not self.groups:
            return None
        parts = []
        for group in self.groups:
            alternatives = [phrase_match(t.text) for t in group]
            parts.append(
                alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"
            )
        expr = " AND ".join(parts)
        for term in self.excluded:
            expr = f"({expr}) NOT {phrase_match(term.text)}"
        return expr

    def exclusion_expression(self) -> str | None:
        """The FTS5 expression matching any excluded term, or None."""
        if not self.excluded:
            return None
        return " OR ".join(phrase_match(t.text) for t in self.excluded)


class _Or:
    pass


_OR = _Or()

UNBALANCED_QUOTE = '查询中的引号不成对：请补上右引号；要查找引号本身，请在引号内写两个引号 ""'


def parse_query(text: str) -> ParsedQuery:
    """Parse a user query (see the module doc). Raises ``InvalidInputError`` on bad input."""
    s = normalize_keep_case(text)
    n = len(s)
    items: list[Term | _Or] = []
    i = 0
    while i < n:
        if s[i].isspace():
            i += 1
            continue
        at_boundary = i == 0 or s[i - 1].isspace()
        negated = False
        if at_boundary and s[i] == "-" and i + 1 < n and not s[i + 1].isspace():
            negated = True
            i += 1
        if s[i] == '"' and (at_boundary or negated):
            pieces = []
            j = i + 1
            while True:
                k = s.find('"', j)
                if k < 0:
                    raise InvalidInputError(UNBALANCED_QUOTE)
                pieces.append(s[j:k])
                if k + 1 < n and s[k + 1] == '"':
                    pieces.append('"')
                    j = k + 2
                    continue
                break
            i = k + 1
            items.append(Term(normalize("".join(pieces)), negated, True))
            continue
        j = i
        while j < n and not s[j].isspace():
            j += 1
        word = s[i:j]
        i = j
        if word == "OR" and not negated:
            items.append(_OR)
        else:
            items.append(Term(normalize(word), negated, False))

    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for idx, item in enumerate(items):
        if isinstance(item, _Or):
            prev = items[idx - 1] if idx > 0 else None
            nxt = items[idx + 1] if idx + 1 < len(items) else None
            if isinstance(prev, Term) and isinstance(nxt, Term):
                if prev.negated or nxt.negated:
                    raise InvalidInputError("OR 不能与排除词（以 - 开头的词）连用")
                join_next = True
                continue
            item = Term("or")  # a lone OR is searched for as text
        if item.negated:
            if item.text:
                excluded.append(item)
        elif join_next and groups:
            groups[-1].append(item)
        else:
            groups.append([item])
        join_next = False
    kept = []
    for group in groups:
        terms = tuple(t for t in group if t.text)
        # "" OR x: an empty alternative matches everything, so the group constrains nothing.
        if terms and len(terms) == len(group):
            kept.append(terms)
    return ParsedQuery(tuple(kept), tuple(excluded))


def quote_term(text: str) -> str:
    """A query that searches for ``text`` literally, as one phrase (curly quotes included)."""
    folded = normalize_keep_case(text)
    return '"' + folded.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------
# Filters


@dataclass
class SearchFilters:
    """Filters shared by ``caselib search`` and ``caselib list``.

    ``tags``: the record carries each of them (or a descendant); ``any_tags``: at least one of
    them (or a descendant). Tags and units are given by name or alias. ``since``/``until`` are
    inclusive bounds on ``Record.date`` (undated records are then left out). ``trash``: list
    the records in the trash instead of the others.
    """

    tags: Sequence[str] = ()
    any_tags: Sequence[str] = ()
    unit: str | None = None
    kind: str | None = None
    status: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    trash: bool = False
    incomplete: bool = False  # only records an import left incomplete (``missing``)


def _all_names(conn: sqlite3.Connection, table: str, alias_table: str, fk: str) -> list[Any]:
    rows: list[Any] = conn.execute(f"SELECT id, name, 0 FROM {table}").fetchall()
    rows += conn.execute(f"SELECT {fk}, alias, 1 FROM {alias_table}").fetchall()
    return rows


def _resolve(
    conn: sqlite3.Connection, table: str, alias_table: str, fk: str, name: str, label: str
) -> int:
    wanted = name.strip()
    if not wanted:
        raise InvalidInputError(f"{label}名称不能为空")
    row = conn.execute(f"SELECT id FROM {table} WHERE name = ?", (wanted,)).fetchone()
    if row is None:
        row = conn.execute(f"SELECT {fk} FROM {alias_table} WHERE alias = ?", (wanted,)).fetchone()
    if row is not None:
        return int(row[0])
    rows = _all_names(conn, table, alias_table, fk)
    key = normalize(wanted)
    found = {int(r[0]) for r in rows if normalize(r[1]) == key}
    if len(found) == 1:
        return found.pop()
    candidates = [r[1] for r in rows if not r[2]]
    raise NotFoundError(f"{label}不存在：{wanted}{suggest(wanted, candidates)}")


def resolve_tag(conn: sqlite3.Connection, name: str) -> int:
    """The id of a tag given by name or alias (width and case do not matter)."""
    return _resolve(conn, "tag", "tag_alias", "tag_id", name, "标签")


def resolve_unit(conn: sqlite3.Connection, name: str) -> int:
    """The id of a unit given by name or alias (width and case do not matter)."""
    return _resolve(conn, "unit", "unit_alias", "unit_id", name, "单位")


def tag_descendants(conn: sqlite3.Connection, tag_id: int) -> list[int]:
    """The tag and all tags below it (recursive over ``tag.parent_id``)."""
    rows = conn.execute(
        "WITH RECURSIVE sub(id) AS (SELECT CAST(? AS INTEGER) UNION "
        "SELECT t.id FROM tag t JOIN sub ON t.parent_id = sub.id) SELECT id FROM sub",
        (tag_id,),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def _choice(value: str, labels: dict[str, str], words: dict[str, str], what: str) -> str:
    v = value.strip()
    if v in labels:
        return v
    if v.lower() in labels:
        return v.lower()
    for key, label in labels.items():
        if v == label:
            return key
    if v in words:
        return words[v]
    options = "、".join(f"{k}（{lab}）" for k, lab in labels.items())
    raise InvalidInputError(f"未知的{what}“{value}”，可用：{options}")


def _tagged(conn: sqlite3.Connection, names: Sequence[str]) -> tuple[str, list[Any]]:
    ids: set[int] = set()
    for name in names:
        ids.update(tag_descendants(conn, resolve_tag(conn, name)))
    marks = ",".join("?" * len(ids))
    return f"SELECT record_id FROM record_tag WHERE tag_id IN ({marks})", sorted(ids)


def filter_clause(
    conn: sqlite3.Connection,
    filters: SearchFilters | None,
    alias: str = "r",
    *,
    id_expr: str | None = None,
) -> tuple[str, list[Any]]:
    """The SQL condition (qmark parameters) selecting the records that pass ``filters``.

    Plain SQL over ``record``, ``record_tag`` and ``tag``, never empty (trash is always
    decided): every part tests the record id (``{alias}.id``, or ``id_expr``) for membership
    in a set read from an index (``ix_record_date``, ``ix_record_kind``…), so no record row
    has to be read. Use it as ``SELECT … FROM record AS r WHERE {clause} ORDER BY {DATE_ORDER}``.
    Tag and unit names are resolved now: unknown ones raise ``NotFoundError`` with a
    suggestion; a bad kind, status or date range raises ``InvalidInputError``.
    """
    f = filters or SearchFilters()
    rid = id_expr or f"+{alias}.id"
    trash_op = "IN" if f.trash else "NOT IN"
    conds = [f"{rid} {trash_op} (SELECT id FROM record WHERE deleted_at IS NOT NULL)"]
    params: list[Any] = []
    for name in f.tags:
        sub, p = _tagged(conn, [name])
        conds.append(f"{rid} IN ({sub})")
        params += p
    if f.any_tags:
        sub, p = _tagged(conn, list(f.any_tags))
        conds.append(f"{rid} IN ({sub})")
        params += p
    if f.unit is not None:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE unit_id = ?)")
        params.append(resolve_unit(conn, f.unit))
    if f.kind is not None:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE kind = ?)")
        params.append(_choice(f.kind, KIND_LABELS, _KIND_WORDS, "类型"))
    if f.status is not None:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE status = ?)")
        params.append(_choice(f.status, STATUS_LABELS, {}, "状态"))
    if f.incomplete:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE CAST(missing AS TEXT) != '[]')")
    if f.since is not None and f.until is not None and f.since > f.until:
        raise InvalidInputError(f"起始日期 {f.since} 晚于截止日期 {f.until}")
    if f.since is not None:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE date >= ?)")
        params.append(f.since.isoformat())
    if f.until is not None:
        conds.append(f"{rid} IN (SELECT id FROM record WHERE date <= ?)")
        params.append(f.until.isoformat())
    return " AND ".join(conds), params


# --------------------------------------------------------------------------------------------
# Results


Span = tuple[int, int]


@dataclass
class SearchHit:
    """One result. Offsets are character offsets, end exclusive.

    ``snippet`` is a window of the field ``snippet_field`` (``title``, ``summary``, ``body``,
    ``unit`` or ``tags``) around the best hit, with ``…`` added where text was cut and line
    breaks shown as spaces. ``highlights`` are the hits as offsets into ``snippet``;
    ``field_highlights`` the same hits as offsets into the field's text (the body's text is its
    blocks joined with ``\\n``, the tags' text their names joined with ``、``);
    ``snippet_start`` is where the window starts in the field. In a snippet of the body the
    cells of a table are separated by ``｜``, its rows by spaces. ``title_highlights`` are the
    hits in the title. ``score`` is the BM25 relevance (higher is better; 0 without a query).
    """

    id: int
    kind: str
    title: str
    unit: str
    date: dt.date | None
    tags: list[str]
    status: str
    score: float
    snippet: str = ""
    snippet_field: str = "body"
    snippet_start: int = 0
    highlights: list[Span] = field(default_factory=list)
    field_highlights: list[Span] = field(default_factory=list)
    title_highlights: list[Span] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "unit": self.unit,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "status": self.status,
            "score": round(self.score, 4),
            "snippet": {
                "field": self.snippet_field,
                "text": self.snippet,
                "start": self.snippet_start,
                "highlights": [list(h) for h in self.highlights],
                "field_highlights": [list(h) for h in self.field_highlights],
            },
            "title_highlights": [list(h) for h in self.title_highlights],
        }


def _find_hits(parts: Sequence[str], terms: Sequence[str]) -> list[tuple[int, int, int]]:
    """(start, end, term index) of the occurrences of the terms in each normalised part, as
    offsets into the parts joined with one separator character. A term never spans parts."""
    hits: list[tuple[int, int, int]] = []
    base = 0
    for part in parts:
        if part:
            hits.extend((base + s, base + e, ti) for s, e, ti in find_normalized(part, terms))
        base += len(part) + 1
    return hits


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


_WS_TO_SPACE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def _window(
    text: str, hits: list[tuple[int, int, int]], width: int
) -> tuple[str, int, list[Span], list[Span]]:
    """The snippet around the best cluster of hits (most distinct terms, then most hits)."""
    if len(text) <= width:
        start, end = 0, len(text)
    elif not hits:
        start, end = 0, width
    else:
        lead = width // 4
        last = len(text) - width
        start = min(max(0, hits[0][0] - lead), last)
        if len({h[2] for h in hits}) > 1:
            starts = [h[0] for h in hits]
            best: tuple[int, int, int] | None = None
            for h in hits[:32]:
                ws = min(max(0, h[0] - lead), last)
                lo, hi = bisect_left(starts, ws), bisect_left(starts, ws + width)
                inside = [x for x in hits[lo:hi] if x[1] <= ws + width]
                key = (len({x[2] for x in inside}), len(inside), -ws)
                if best is None or key > best:
                    best, start = key, ws
        end = start + width
    pre = "…" if start > 0 else ""
    post = "…" if end < len(text) else ""
    snippet = pre + text[start:end].translate(_WS_TO_SPACE) + post
    spans = _merge([(max(s, start), min(e, end)) for s, e, _ in hits if s < end and e > start])
    shift = len(pre) - start
    return snippet, start, [(s + shift, e + shift) for s, e in spans], spans


def _body_view(body: Any) -> tuple[list[str], str]:
    """The texts of a stored body searched one by one (``body_texts``: a table cell by cell)
    and the body as shown in a snippet: the block texts joined by newlines, a table's cells
    joined by ``｜`` (one character, like the tab it stands for, so offsets agree)."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    parts = body_texts(body)
    if not isinstance(body, list) or not any(
        isinstance(b, dict) and b.get("type") == "table" for b in body
    ):
        return parts, "\n".join(parts)
    shown: list[str] = []
    for block in body:
        if isinstance(block, dict) and block.get("type") == "table":
            shown.append(
                "\n".join("｜".join(map(str, row)) for row in block.get("rows") or [[]])
                if all(isinstance(r, list) for r in block.get("rows") or [])
                else "\n".join(body_texts([block]))
            )
        else:
            shown.extend(body_texts([block]))
    return parts, "\n".join(shown)


def _fill_snippet(
    hit: SearchHit, summary: str, body: Any, terms: Sequence[str], width: int
) -> None:
    """The snippet of one hit; ``body`` is the stored body (JSON text or decoded)."""
    hit.title_highlights = _merge([(s, e) for s, e, _ in _find_hits([hit.title], terms)])
    blocks, body_text = _body_view(body)
    candidates = [
        ("summary", [summary], "\n"),
        ("body", blocks, "\n"),
        ("title", [hit.title], "\n"),
        ("tags", hit.tags, "、"),
        ("unit", [hit.unit], "\n"),
    ]
    chosen: tuple[str, str, list[tuple[int, int, int]]] | None = None
    best_key = (-1, -1)
    for rank, (name, parts, sep) in enumerate(candidates):
        if rank >= 2 and chosen is not None:
            break  # the title, tags and unit only if summary and body have no hit
        hits = _find_hits(parts, terms)
        if not hits:
            continue
        key = (len({h[2] for h in hits}), len(hits))
        if key > best_key:
            best_key, chosen = key, (name, body_text if name == "body" else sep.join(parts), hits)
    if chosen is None:
        chosen = ("summary", summary, []) if summary else ("body", body_text, [])
    name, text, hits = chosen
    snippet, start, spans, field_spans = _window(text, hits, width)
    hit.snippet_field = name
    hit.snippet = snippet
    hit.snippet_start = start
    hit.highlights = spans
    hit.field_highlights = field_spans


def _parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def run_query(conn: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows of a query over the library; a missing table or index is a Chinese message."""
    try:
        return list(conn.execute(sql, params).fetchall())
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if FTS_TABLE in message:
            raise LibraryError("全文索引不存在或已损坏，请运行 caselib reindex") from exc
        if "no such table" in message:
            raise LibraryError(f"该数据库不是完整的 caselib 库（{message}）") from exc
        if "fts5" in message:
            raise InvalidInputError(f"无法理解这个查询（{message}）") from exc
        raise


_TIE_SLACK = 32


def is_postgres(conn: Any) -> bool:
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def no_limit(conn: Any) -> int | None:
    """``LIMIT ?`` without a limit: -1 on SQLite, NULL on PostgreSQL."""
    return None if is_postgres(conn) else -1


def _pg_matching(
    conn: Any, parsed: ParsedQuery, filters: SearchFilters | None
) -> tuple[str, str, list[Any]]:
    """PostgreSQL: the tsquery the matches are ranked by, and the condition on the index table
    ``i`` selecting them (``postgres_backend.ranked`` ranks them) with its parameters."""
    from caselib.store import postgres_backend as pg

    groups = [[t.text for t in g] for g in parsed.groups]
    tsquery, exact, exact_params = pg.match_parts(groups, [t.text for t in parsed.excluded])
    restrict, params = filter_clause(conn, filters, id_expr="i.record_id")
    where = f"i.tsv @@ CAST(? AS tsquery) AND {exact} AND {restrict}"
    return pg.rank_query(conn, groups), where, [tsquery, *exact_params, *params]


def _pg_exclusion(parsed: ParsedQuery, where: str, params: list[Any]) -> tuple[str, list[Any]]:
    """PostgreSQL: leave out the records holding an excluded term (exact, by ``strpos``)."""
    if not parsed.excluded:
        return where, params
    from caselib.store import postgres_backend as pg

    _, exact, exact_params = pg.match_parts([], [t.text for t in parsed.excluded])
    where += f" AND r.id NOT IN (SELECT i.record_id FROM {pg.INDEX_TABLE} AS i WHERE NOT ({exact}))"
    return where, [*params, *exact_params]


def _fts_restriction(
    conn: sqlite3.Connection, filters: SearchFilters | None
) -> tuple[str, list[Any]]:
    """``filter_clause`` on the FTS rowid. The ``+`` keeps SQLite from handing the IN lists
    to FTS5 as rowid look-ups (one query per id)."""
    return filter_clause(conn, filters, id_expr=f"+{FTS_TABLE}.rowid")


def _dates(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    if len(ids) > 2000 and not is_postgres(conn):  # PostgreSQL: the ids go as one array
        rows = conn.execute("SELECT id, date FROM record").fetchall()
    else:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT id, date FROM record WHERE id IN ({marks})", ids).fetchall()
    return {int(rid): str(date or "") for rid, date in rows}


def _matching(
    conn: sqlite3.Connection,
    parsed: ParsedQuery,
    filters: SearchFilters | None,
    limit: int | None,
    offset: int,
) -> list[tuple[int, float]]:
    """(id, bm25) of the page of matching records, best first, then newest, then highest id."""
    offset = max(0, offset)
    match = parsed.match_expression()
    if match is None:
        where, params = filter_clause(conn, filters)
        exclusion = parsed.exclusion_expression()
        if is_postgres(conn):
            where, params = _pg_exclusion(parsed, where, params)
        elif exclusion is not None:
            where += f" AND r.id NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)"
            params.append(exclusion)
        sql = f"SELECT r.id, 0.0 FROM record AS r WHERE {where} ORDER BY {DATE_ORDER} LIMIT ? OFFSET ?"
        rows = run_query(
            conn, sql, [*params, no_limit(conn) if limit is None else max(0, limit), offset]
        )
        return [(int(r[0]), 0.0) for r in rows]

    if is_postgres(conn):
        from caselib.store import postgres_backend as pg

        need = None if limit is None else offset + max(0, limit)
        groups = [[t.text for t in g] for g in parsed.groups]
        on_i = filter_clause(conn, filters, id_expr="i.record_id")
        pg_list = pg.listed_parts(conn, groups, [t.text for t in parsed.excluded], on_i)
        pg_rows = pg.ranked(conn, *_pg_matching(conn, parsed, filters), need, pg_list)
        return _page_by_score_then_date(conn, pg_rows, limit, offset)
    one = parsed.groups[0] if len(parsed.groups) == 1 and not parsed.excluded else ()
    if len(one) == 1 and limit is not None and not any(vars(filters or SearchFilters()).values()):
        listed = impact.top(conn, one[0].text, offset + max(0, limit))  # a frequent term's list
        if listed is not None:
            return _page_by_score_then_date(conn, listed, limit, offset)
    restrict, params = _fts_restriction(conn, filters)
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    sql = (
        f"SELECT rowid, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH ? AND {restrict} ORDER BY score"
    )
    # Rank by score in FTS5 alone (reading every matching record for its date would cost a
    # table row each); dates are fetched for the candidates only, to order equal scores.
    if limit is None:
        rows = run_query(conn, sql, [match, *params])
    else:
        need = offset + max(0, limit)
        if need == 0:
            return []
        rows = run_query(conn, sql + " LIMIT ?", [match, *params, need + 1 + _TIE_SLACK])
        if len(rows) > need and rows[-1][1] == rows[need - 1][1]:
            rows = run_query(conn, sql, [match, *params])  # a long run of equal scores
    return _page_by_score_then_date(conn, rows, limit, offset)


def _page_by_score_then_date(
    conn: sqlite3.Connection, rows: Sequence[Any], limit: int | None, offset: int
) -> list[tuple[int, float]]:
    """The page of (id, score) rows: best score first, then newest, then highest id."""
    found = [(int(r[0]), float(r[1])) for r in rows]
    dates = _dates(conn, [rid for rid, _ in found])
    found.sort(key=lambda r: r[0], reverse=True)
    found.sort(key=lambda r: dates.get(r[0], ""), reverse=True)
    found.sort(key=lambda r: r[1])
    return found[offset:] if limit is None else found[offset : offset + limit]


def search(
    conn: sqlite3.Connection,
    query: str | ParsedQuery,
    filters: SearchFilters | None = None,
    limit: int | None = DEFAULT_LIMIT,
    offset: int = 0,
    *,
    snippet_chars: int = SNIPPET_CHARS,
) -> list[SearchHit]:
    """Records matching ``query`` and ``filters``, best first (BM25, then newest).

    An empty query lists the filtered records newest first. ``limit=None``: no limit.
    Raises ``InvalidInputError`` (bad query or filter), ``NotFoundError`` (unknown tag/unit)
    or ``LibraryError`` (index missing).
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    rows = _matching(conn, parsed, filters, limit, offset)
    if not rows:
        return []
    ids = [rid for rid, _ in rows]
    scores = {rid: -score + 0.0 for rid, score in rows}
    marks = ",".join("?" * len(ids))
    tags: dict[int, list[str]] = {}
    for rid, name in conn.execute(
        f"SELECT rt.record_id, t.name FROM record_tag rt JOIN tag t ON t.id = rt.tag_id "
        f"WHERE rt.record_id IN ({marks}) ORDER BY rt.position, t.name",
        ids,
    ):
        tags.setdefault(rid, []).append(name)
    details = {
        row[0]: row
        for row in conn.execute(
            "SELECT r.id, r.kind, r.title, r.date, r.status, r.summary, r.body, u.name "
            f"FROM record r LEFT JOIN unit u ON u.id = r.unit_id WHERE r.id IN ({marks})",
            ids,
        )
    }
    terms = parsed.positive_terms
    hits = []
    for rid in ids:
        row = details.get(rid)
        if row is None:
            continue
        _, kind, title, date, status, summary, body, unit = row
        hit = SearchHit(
            id=rid,
            kind=kind,
            title=title or "",
            unit=unit or "",
            date=_parse_date(date),
            tags=tags.get(rid, []),
            status=status,
            score=scores[rid],
        )
        _fill_snippet(hit, summary or "", body, terms, snippet_chars)
        hits.append(hit)
    return hits


def search_ids(
    conn: sqlite3.Connection,
    query: str | ParsedQuery,
    filters: SearchFilters | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[int]:
    """The ids ``search`` would return, in its order, without reading the records
    (``limit=None``: every match)."""
    parsed = parse_query(query) if isinstance(query, str) else query
    return [rid for rid, _ in _matching(conn, parsed, filters, limit, offset)]


def count_hits(
    conn: sqlite3.Connection, query: str | ParsedQuery, filters: SearchFilters | None = None
) -> int:
    """How many records ``search`` would return without a limit."""
    parsed = parse_query(query) if isinstance(query, str) else query
    match = parsed.match_expression()
    if match is not None:
        if is_postgres(conn):
            from caselib.store.postgres_backend import count_matches

            return count_matches(conn, *_pg_matching(conn, parsed, filters)[1:])
        restrict, params = _fts_restriction(conn, filters)
        sql = f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND {restrict}"
        return int(run_query(conn, sql, [match, *params])[0][0])
    where, params = filter_clause(conn, filters)
    exclusion = parsed.exclusion_expression()
    if is_postgres(conn):
        where, params = _pg_exclusion(parsed, where, params)
    elif exclusion is not None:
        where += f" AND r.id NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)"
        params.append(exclusion)
    return int(run_query(conn, f"SELECT COUNT(*) FROM record AS r WHERE {where}", params)[0][0])


__all__ = [
    "DATE_ORDER",
    "ParsedQuery",
    "SearchFilters",
    "SearchHit",
    "Term",
    "count_hits",
    "filter_clause",
    "is_postgres",
    "no_limit",
    "parse_query",
    "quote_term",
    "resolve_tag",
    "resolve_unit",
    "run_query",
    "search",
    "search_ids",
    "tag_descendants",
]
