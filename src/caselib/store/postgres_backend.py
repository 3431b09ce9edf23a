"""Everything PostgreSQL-specific: connection settings, the plain-SQL connection the read path
uses, and the full-text index. Imported only for a ``postgresql`` URL; psycopg (the extra
``caselib[postgres]``) is imported only when a connection is made.

Design of the index
-------------------
The same tokens as SQLite (``sqlite_backend``): every overlapping pair of codes of a segment,
the last one with the end marker; and, unlike SQLite, every code alone as the end marker
followed by the code (no bigram starts with the end marker), at the position of the bigram it
starts, so that a one-character query is one posting list rather than a prefix match merging
every bigram that starts with it. PostgreSQL's text parser would drop the private-use codes,
so the ``tsvector`` is written literally (``'ab':1A 'bc':2A …``) with explicit positions and a
weight per column (title A, tags B, unit and summary C, body D).

The index is RUM (``rum_tsvector_ops``, Debian's ``postgresql-NN-rum``) when the server has
the extension, else GIN. RUM keeps the positions in the index, so ``ORDER BY tsv <=> query
LIMIT n`` ranks the matches from the index alone and reads only the rows it returns; GIN
must read (and decompress) the ``tsvector`` of every match to rank it. ``create_index`` (and
``caselib reindex``, which rebuilds it) takes RUM whenever the extension is there or can be
created; ``index_method`` tells the search which one a library has.

A phrase of two characters is one bigram, exact as it is. A longer phrase is looked up as the
AND of its bigrams (the GIN index gives the candidates) and then confirmed by ``strpos`` on
``content``: the coded segments of the record
joined by the end marker, which no coded term contains. So a match is exactly "the phrase is
a substring of one segment", the recall guarantee of the SQLite index, also for long bodies
whose positions a ``tsvector`` would cap at 16383. One character is its own token. (Libraries
indexed before schema version 3 had no such tokens: the version 3 migration rebuilds the
index.)

Ranking is cover density (of the query ``rank_query`` makes: a term longer than two codes
counts by its rarest bigram only, which every occurrence of the term holds, instead of covers
over all its bigrams) with the column weights A 1.0, B 0.4, C 0.2, D 0.1 (RUM's fixed
weights; SQLite's BM25 weights are 10/8/3/3/1), a documented stand-in for BM25. Under RUM it
is RUM's ``<=>`` (cover density in which the n-th repeat of a cover counts 1/n², a saturation
like BM25's); under GIN it is ``ts_rank_cd`` with the same weights (no saturation). Ties are
ordered newest first, as on SQLite.

Under RUM a search whose ranking query is one token, or tokens ANDed, reads its page from a
top list of that query when it has one (``postgres_toplists``), instead of ranking every match.

``record_fts_pg`` rows are written in the same transaction as the records (``reindex_records``
runs after every flush), keyed by record id with ``ON DELETE CASCADE``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from caselib.store import postgres_toplists as toplists
from caselib.store.sqlite_backend import END, _chunks, _code_normalized, _load_records, _payload

INDEX_TABLE = toplists.INDEX_TABLE

#: tsvector weights per FTS column (title, tags, unit, summary, body).
COLUMN_LETTERS = ("A", "B", "C", "C", "D")
#: ts_rank_cd weights for {D, C, B, A}: RUM's fixed weights, so both indexes weigh alike.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
GIN_INDEX = f"ix_{INDEX_TABLE}_tsv"
RUM_INDEX = f"ix_{INDEX_TABLE}_rum"
_MAX_POSITION = 16383
_MAX_QUERY_BIGRAMS = 64
_QMARK = re.compile(r"\?")


class PgConnection:
    """A psycopg connection that runs the qmark SQL the read path shares with SQLite.

    ``execute`` rewrites ``?`` placeholders as ``%s`` (and a literal ``%`` as ``%%``): the SQL
    itself is written by caselib, user input only ever arrives as parameters."""

    dialect = "postgresql"

    def __init__(self, raw: Any, *, owned: bool = True) -> None:
        self.raw = raw
        self.owned = owned
        self.index_method: str | None = None  # "rum" or "gin", read once (``index_method``)
        self.frequencies: dict[str, float] | None = None  # read once (``rank_query``)
        self.toplists: bool | None = None  # whether the top lists' tables exist (read once)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        # prepare=False: every statement is planned with its values (a generic plan of a
        # prepared statement cannot use the index for ``@@`` on a parameter)
        sql, params = _arrays_for_long_lists(sql, params)
        return self.raw.execute(_pyformat(sql), tuple(params), prepare=False)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """``sql`` once per row, in one round trip (psycopg pipelines ``executemany``)."""
        self.raw.cursor().executemany(_pyformat(sql), rows)

    def close(self) -> None:
        if self.owned:
            self.raw.close()


_IN_LIST = re.compile(r"(NOT )?IN \((\?(?:,\?)*)\)")
#: Longer ``IN (?,…)`` lists are sent as one array: the protocol takes at most 65,535
#: parameters (``search`` without a limit lists every hit's id), and one parameter is
#: quicker to send and parse than hundreds.
_MAX_LISTED = 100


def _arrays_for_long_lists(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """``x IN (?,…)`` with more than ``_MAX_LISTED`` values as ``x = ANY(?)`` (``NOT IN``
    as ``<> ALL(?)``) with the values as one list; other SQL unchanged."""
    if len(params) <= _MAX_LISTED:
        return sql, params
    pieces: list[str] = []
    values: list[Any] = []
    done = used = 0
    for match in _IN_LIST.finditer(sql):
        count = match.group(2).count("?")
        before = sql[done : match.start()].count("?")
        values += params[used : used + before]
        used += before
        if count > _MAX_LISTED:
            pieces.append(
                sql[done : match.start()] + ("<> ALL(?)" if match.group(1) else "= ANY(?)")
            )
            values.append(list(params[used : used + count]))
        else:
            pieces.append(sql[done : match.end()])
            values += params[used : used + count]
        used += count
        done = match.end()
    pieces.append(sql[done:])
    values += params[used:]
    return "".join(pieces), values


def _pyformat(sql: str) -> str:
    return _QMARK.sub("%s", sql.replace("%", "%%"))


def psycopg_dsn(url: str) -> str:
    """The libpq connection string of a SQLAlchemy ``postgresql+psycopg://`` URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        **{k: v for k, v in parsed.query.items() if isinstance(v, str)},
    }
    return " ".join(
        f"{k}='{str(v).replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for k, v in parts.items()
        if v is not None
    )


def connect(url: str) -> PgConnection:
    """A plain psycopg connection in autocommit (each read is its own statement)."""
    import psycopg

    return PgConnection(psycopg.connect(psycopg_dsn(url), autocommit=True))


# --------------------------------------------------------------------------------------------
# Schema and writing


def create_index(conn: Any) -> None:
    """Create the index table and its RUM index, or GIN without RUM (idempotent; an existing
    index is kept: ``rebuild_index`` changes GIN to RUM). ``conn``: a PgConnection."""
    _create_table(conn)
    if not _index_methods(conn):
        _create_search_index(conn)


def _create_table(conn: Any) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
        "record_id INTEGER PRIMARY KEY REFERENCES record(id) ON DELETE CASCADE, "
        "hash TEXT NOT NULL, content TEXT NOT NULL, tsv TSVECTOR NOT NULL)"
    )


def _create_search_index(conn: Any) -> None:
    if _rum_available(conn):
        conn.execute(f"CREATE INDEX {RUM_INDEX} ON {INDEX_TABLE} USING rum (tsv rum_tsvector_ops)")
        toplists.create_tables(conn)
    else:
        conn.execute(f"CREATE INDEX {GIN_INDEX} ON {INDEX_TABLE} USING GIN (tsv)")
    conn.index_method = None
    conn.toplists = None


def _index_methods(conn: Any) -> list[str]:
    """The access methods of the indexes on the index table's ``tsv`` (``rum``, ``gin``)."""
    rows = conn.execute(
        "SELECT am.amname FROM pg_index AS x JOIN pg_class AS c ON c.oid = x.indexrelid "
        "JOIN pg_am AS am ON am.oid = c.relam WHERE x.indrelid = to_regclass(?) "
        "AND am.amname IN ('rum', 'gin')",
        (INDEX_TABLE,),
    ).fetchall()
    return sorted(str(r[0]) for r in rows)


def _rum_available(conn: Any) -> bool:
    """True when the rum extension is in this database or could be created here (the
    package installed on the server, and the right to create it); never raises."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'").fetchone():
        return True
    if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'").fetchone():
        return False
    import psycopg

    try:
        with conn.raw.transaction():  # a savepoint: a refusal leaves the transaction usable
            conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
    except psycopg.Error:
        return False
    return True


def index_method(conn: Any) -> str:
    """``rum`` or ``gin``: how this library's index can rank (read once per connection)."""
    if getattr(conn, "index_method", None) is None:
        methods = _index_methods(conn)
        conn.index_method = "rum" if "rum" in methods else "gin"
    return str(conn.index_method)


def _lexeme(token: str) -> str:
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return "'" + token + "'"


def _coded(segment: str) -> str:
    codes = _code_normalized(segment)
    return codes if isinstance(codes, str) else "".join(codes)


def _units(segment: str) -> list[str]:
    codes = _code_normalized(segment)
    return list(codes) if isinstance(codes, str) else codes


def tsvector_text(columns: tuple[list[str], ...]) -> str:
    """The literal tsvector of a record's normalised segments (see the module doc)."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    pos = 0
    for letter, segments in zip(COLUMN_LETTERS, columns, strict=True):
        for segment in segments:
            units = _units(segment)
            n = len(units)
            if not n:
                continue
            labels = [f"{p}{letter}" for p in range(pos + 1, min(pos + n, _MAX_POSITION) + 1)]
            labels += [f"{_MAX_POSITION}{letter}"] * (n - len(labels))
            pos = min(pos + n, _MAX_POSITION)
            for a, b, label in zip(units, [*units[1:], END], labels, strict=True):
                positions[a + b].append(label)  # the bigram
                positions[END + a].append(label)  # and the code alone
    return " ".join(f"{_lexeme(t)}:{','.join(p[:256])}" for t, p in positions.items())


def content_text(columns: tuple[list[str], ...]) -> str:
    """Every coded segment, each followed by the end marker (what ``strpos`` confirms)."""
    return "".join(_coded(s) + END for segments in columns for s in segments)


def reindex_records(conn: Any, record_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these records (unchanged ones are skipped)."""
    ids = sorted({int(i) for i in record_ids})
    for chunk in _chunks(ids):
        current = _load_records(conn, chunk)
        marks = ",".join("?" * len(chunk))
        old = dict(
            conn.execute(
                f"SELECT record_id, hash FROM {INDEX_TABLE} WHERE record_id IN ({marks})",
                tuple(chunk),
            )
        )
        gone = [rid for rid in chunk if rid not in current and rid in old]
        if gone:
            conn.execute(
                f"DELETE FROM {INDEX_TABLE} WHERE record_id IN ({','.join('?' * len(gone))})",
                tuple(gone),
            )
        rows = []
        for rid, raw in current.items():
            columns = tuple([_normalized(s) for s in column] for column in raw)
            digest = _payload(columns)[0]
            if old.get(rid) != digest:
                rows.append((rid, digest, content_text(columns), tsvector_text(columns)))
        if rows:  # one round trip for the chunk (psycopg pipelines executemany)
            conn.raw.cursor().executemany(_pyformat(_UPSERT), rows)
        toplists.refresh(conn, chunk)  # every record: a new date moves it in the lists too


_UPSERT = (
    f"INSERT INTO {INDEX_TABLE} (record_id, hash, content, tsv) "
    "VALUES (?, ?, ?, CAST(? AS tsvector)) ON CONFLICT (record_id) DO UPDATE "
    "SET hash = EXCLUDED.hash, content = EXCLUDED.content, tsv = EXCLUDED.tsv"
)


def _normalized(segment: str) -> str:
    from caselib.text.normalize import normalize

    return normalize(segment)


def create_top_lists(conn: Any) -> None:
    """The top-list tables, when the index is RUM's (a library made before them)."""
    if index_method(conn) == "rum":
        toplists.create_tables(conn)
    conn.toplists = None


def rebuild_index(conn: Any) -> int:
    """Drop and rebuild the index table, then its index (RUM when the server has it: building
    it once over the filled table is much faster than growing it row by row), and refresh the
    planner's statistics."""
    toplists.drop_tables(conn)
    conn.execute(f"DROP TABLE IF EXISTS {INDEX_TABLE}")
    conn.toplists = None
    _create_table(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM record ORDER BY id").fetchall()]
    reindex_records(conn, ids)
    _create_search_index(conn)
    conn.execute(f"ANALYZE {INDEX_TABLE}")
    return len(ids)


def check_index(conn: Any) -> list[str]:
    """Records missing from the index, stale rows and orphan rows (one Chinese line each)."""
    from caselib.store.sqlite_backend import _describe

    exists = conn.execute("SELECT to_regclass(?)", (INDEX_TABLE,)).fetchone()[0]
    if exists is None:
        return ["全文索引不存在，请运行 caselib reindex 重建"]
    stored = dict(conn.execute(f"SELECT record_id, hash FROM {INDEX_TABLE}").fetchall())
    record_ids = [r[0] for r in conn.execute("SELECT id FROM record ORDER BY id")]
    missing = [rid for rid in record_ids if rid not in stored]
    stale = []
    for chunk in _chunks(record_ids):
        for rid, raw in _load_records(conn, chunk).items():
            columns = tuple([_normalized(s) for s in column] for column in raw)
            if rid in stored and stored[rid] != _payload(columns)[0]:
                stale.append(rid)
    problems = []
    if missing:
        problems.append(f"全文索引缺少记录：{_describe(missing)}")
    if stale:
        problems.append(f"全文索引已过期（记录改过但未重建索引）：{_describe(sorted(stale))}")
    if index_method(conn) == "rum":
        lists = toplists.stale(
            conn,
            lambda query, where, params, need: _ranked_rows(conn, query, where, params, need, True),
        )
        if lists:
            problems.append(f"检索前列名单与记录不一致：{len(lists)} 个检索式")
    if problems:
        problems.append("请运行 caselib reindex 重建全文索引")
    return problems


def index_size_bytes(conn: Any) -> int:
    row = conn.execute("SELECT pg_total_relation_size(to_regclass(?))", (INDEX_TABLE,)).fetchone()
    return int(row[0] or 0)


def after_bulk_load(conn: Any) -> None:
    """After rows were written with their ids (``copy``): move every id sequence past them and
    rebuild the index. ``conn``: a SQLAlchemy connection."""
    from sqlalchemy import text

    # the sequence is looked up per table with an ``id`` column: in the WHERE clause the
    # planner may call pg_get_serial_sequence on a table without one first, which is an error
    tables = conn.execute(
        text(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
            "AND table_schema = current_schema()"
        )
    ).all()
    for (table,) in tables:
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": _ident(table)}
        ).scalar()
        if sequence is None:
            continue
        conn.execute(
            text(
                "SELECT setval(CAST(:s AS regclass), "
                f"COALESCE((SELECT MAX(id) FROM {_ident(table)}), 0) + 1, false)"
            ),
            {"s": sequence},
        )
    plain = PgConnection(conn.connection.driver_connection, owned=False)
    rebuild_index(plain)
    plain.execute("ANALYZE")  # the planner needs statistics of the tables just filled


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------
# Searching


def term_query(term: str) -> str:
    """The tsquery (text) whose matches include every record containing ``term`` (normalised,
    non-empty): its one code's token, or the AND of its bigrams."""
    units = _units(term)
    if len(units) == 1:
        return _lexeme(END + units[0])
    # distinct bigrams, at most _MAX_QUERY_BIGRAMS of them: still every record holding the
    # term (``strpos`` then confirms), and a 1 MB query stays a small tsquery
    bigrams = list(dict.fromkeys(a + b for a, b in zip(units, units[1:], strict=False)))
    return "(" + " & ".join(_lexeme(t) for t in bigrams[:_MAX_QUERY_BIGRAMS]) + ")"


def rank_query(conn: Any, groups: Sequence[Sequence[str]]) -> str:
    """The tsquery (text) the matches are ranked by: as ``term_query`` for a term of one or two
    codes; a longer term by its rarest bigram alone (every occurrence of the term is one of
    it), so that RUM ranks from one posting list instead of covers over all the bigrams.
    Rarity is read from the planner's statistics of the index (``ANALYZE``): a bigram not
    among the most common ones counts as rarer than all of them."""

    def token(term: str) -> str:
        return term_query(term) if len(_units(term)) <= 2 else _lexeme(rank_token(conn, term))

    return " & ".join("(" + " | ".join(token(t) for t in g) + ")" for g in groups)


def rank_token(conn: Any, term: str) -> str:
    """The one token a term is ranked by (``rank_query``): its code's, its bigram, or its
    rarest bigram."""
    units = _units(term)
    if len(units) == 1:
        return END + units[0]
    bigrams = [a + b for a, b in zip(units, units[1:], strict=False)]
    if len(bigrams) == 1:
        return bigrams[0]
    frequency = _bigram_frequencies(conn)
    return min(bigrams, key=lambda t: frequency.get(t, 0.0))


def _bigram_frequencies(conn: Any) -> dict[str, float]:
    """The most common lexemes of the index and the share of rows holding each (read once
    per connection; empty before the first ``ANALYZE``)."""
    cached: dict[str, float] | None = getattr(conn, "frequencies", None)
    if cached is None:
        row = conn.execute(
            "SELECT CAST(CAST(most_common_elems AS text) AS text[]), most_common_elem_freqs "
            "FROM pg_stats WHERE schemaname = current_schema() AND tablename = ? "
            "AND attname = 'tsv'",
            (INDEX_TABLE,),
        ).fetchone()
        cached = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        if hasattr(conn, "frequencies"):
            conn.frequencies = cached
    return cached


def listed_parts(
    conn: Any,
    groups: Sequence[Sequence[str]],
    excluded: Sequence[str],
    restrict: tuple[str, Sequence[Any]] = ("TRUE", ()),
) -> toplists.Listed | None:
    """The search of positive terms without alternatives that a top list can answer
    (``postgres_toplists.Listed``), with the condition ``restrict`` (on ``i``, with its
    parameters) among its other conditions; None for any other query."""
    if not groups or any(len(g) != 1 for g in groups):
        return None
    phrases = tuple(dict.fromkeys(term_code(t) for (t,) in groups if len(_units(t)) > 2))
    _, exact, exact_params = match_parts([], excluded)
    return toplists.Listed(
        query=rank_query(conn, groups),
        token=rank_token(conn, groups[0][0]),
        phrases=phrases,
        where=f"{exact} AND {restrict[0]}",
        params=(*exact_params, *restrict[1]),
    )


def term_code(term: str) -> str:
    return _coded(term)


def match_parts(
    groups: Sequence[Sequence[str]], excluded: Sequence[str]
) -> tuple[str | None, str, list[Any]]:
    """For the positive ``groups`` (AND of ORs) and ``excluded`` terms: the tsquery text (None
    without positive terms), and the exact condition on ``i.content`` with its parameters."""
    conds: list[str] = []
    params: list[Any] = []
    for group in groups:
        alternatives = []
        for term in group:
            if len(_units(term)) <= 2:
                # one bigram, or one code's token: the tsquery alone is exact (tokens never
                # span segments), and cheaper than reading content
                alternatives.append("i.tsv @@ CAST(? AS tsquery)")
                params.append(term_query(term))
            else:
                alternatives.append("strpos(i.content, ?) > 0")
                params.append(term_code(term))
        conds.append("(" + " OR ".join(alternatives) + ")")
    for term in excluded:
        conds.append("strpos(i.content, ?) = 0")
        params.append(term_code(term))
    tsquery = None
    if groups:
        tsquery = " & ".join("(" + " | ".join(term_query(t) for t in g) + ")" for g in groups)
    return tsquery, " AND ".join(conds) or "TRUE", params


def count_matches(conn: Any, where: str, params: Sequence[Any]) -> int:
    """How many index rows meet ``where`` (a condition on ``i`` implying a ``tsv`` match), from
    the index: the planner, not counting what reading a tsvector costs, would read every row's
    (a sequential scan, about a second at 100,000 records for a common character)."""
    with conn.raw.pipeline(), conn.raw.transaction():
        conn.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor = conn.execute(f"SELECT COUNT(*) FROM {INDEX_TABLE} AS i WHERE {where}", params)
    return int(cursor.fetchone()[0])


def ranked(
    conn: Any,
    tsquery: str,
    where: str,
    params: Sequence[Any],
    need: int | None,
    listed: toplists.Listed | None = None,
) -> list[tuple[int, float]]:
    """(record id, score) of matches, the score lower-is-better like SQLite's bm25 (minus the
    rank). ``where`` is a condition on the index table ``i`` whose ``?`` are ``params`` (it
    must imply ``i.tsv @@ tsquery``). Without ``need``: every match. With ``need``: enough
    matches that the ``need`` best by score, ties included, are among them (the caller sorts
    by score, then date).

    Under RUM the index returns the matches in rank order, reading only the rows it returns;
    the score is then computed again from each returned row. Both are RUM's cover density
    (``calc_score_docr``) over the same positions (the index keeps each lexeme's positions as
    the ``tsvector`` has them; no query term is a prefix, which was the one case where an
    operand stood for several index entries), so the two orders agree: measured, not proven
    (``bench/search_postgres.py`` counts rows out of order: none in 107,778 ranked rows of 38
    queries at 10,000 records, nor in 7 queries repeating a term). As a margin the first ``need`` + ``_RANK_SLACK`` in the
    index's order are taken, and read on while scores still reach the ``need``-th best (ties,
    ordered by date by the caller). Under GIN every match is ranked (its ``tsvector`` read)
    and sorted: exact.

    ``listed`` (``listed_parts``), for a query of terms without alternatives: under RUM the
    page is read from the top list of its ranking query (``tsquery``) when that list shows it
    (``postgres_toplists``); a query without a list gets one once a search finds more matches
    than the page and its margin."""
    if need is not None and need <= 0:
        return []
    rum = index_method(conn) == "rum"
    unlisted = False
    if rum and need is not None and listed is not None:
        has_list, found = toplists.top(conn, listed, need)
        if found is not None:
            return [(rid, _minus_rank(d)) for rid, d in found]
        unlisted = not has_list
    rows = _ranked_rows(conn, tsquery, where, params, need, rum)
    if unlisted and need is not None and len(rows) > need + _RANK_SLACK and listed is not None:
        _make_top_list(conn, listed)
    score: Callable[[Any], float] = _minus_rank if rum else float
    return [(int(rid), score(value)) for rid, value in rows]


def _make_top_list(conn: Any, search: toplists.Listed) -> bool:
    """Make the top list of ``search`` in a transaction of its own (``toplists.store``); False
    when it cannot be made now (inside a caller's transaction, writers holding the index
    table, no right to write)."""
    import psycopg

    if not getattr(conn.raw, "autocommit", False) or conn.raw.info.transaction_status != 0:
        return False
    where, params = toplists.matches(search)
    try:
        with conn.raw.transaction():
            if toplists.lock_for_store(conn, search.key):
                rows = _ranked_rows(conn, search.query, where, params, toplists.LENGTH + 1, True)
                toplists.store(conn, search, rows)
    except psycopg.Error:
        return False
    return True


def _ranked_rows(
    conn: Any, tsquery: str, where: str, params: Sequence[Any], need: int | None, rum: bool
) -> list[Any]:
    """(record id, RUM distance or minus ts_rank_cd) rows for ``ranked``."""
    if rum:
        sql = (
            f"SELECT i.record_id, i.tsv <=> CAST(? AS tsquery) FROM {INDEX_TABLE} AS i "
            f"WHERE {where} ORDER BY i.tsv <=> CAST(? AS tsquery)"
        )
        args = [tsquery, *params, tsquery]
    else:
        sql = (
            f"SELECT i.record_id, -ts_rank_cd('{RANK_WEIGHTS}', i.tsv, CAST(? AS tsquery)) AS s "
            f"FROM {INDEX_TABLE} AS i WHERE {where} ORDER BY s"
        )
        args = [tsquery, *params]
    # The planner does not count reading a tsvector (kept out of line, compressed) in the cost
    # of ``@@`` or ``<=>``: it would scan every row on a small table, or rank every match
    # from its row and sort, rather than have RUM return them in order. So, for this
    # statement only: no sequential scan, and under RUM no bitmap scan and no sort either.
    plans = ["enable_seqscan"] + (["enable_bitmapscan", "enable_sort"] if rum else [])
    settings = "SELECT " + ", ".join(f"set_config('{p}', 'off', true)" for p in plans)
    taken = None if need is None else need + 1 + _RANK_SLACK
    # one round trip (a pipeline) for BEGIN, the settings, the statement and COMMIT
    with conn.raw.pipeline(), conn.raw.transaction():
        conn.execute(settings)
        if taken is None:
            cursor = conn.execute(sql, args)
        else:
            cursor = conn.execute(sql + " LIMIT ?", [*args, taken])
    rows = cursor.fetchall()
    if need is not None and len(rows) == taken:
        bound = sorted(r[1] for r in rows)[need - 1]
        if rows[-1][1] <= bound:
            with conn.raw.transaction():
                conn.execute(settings)
                rows = _read_on(conn, sql, args, len(rows), bound)
    return list(rows)


#: Rows taken beyond the page from RUM's order, a margin (see ``ranked``).
_RANK_SLACK = 16


def _read_on(conn: Any, sql: str, args: Sequence[Any], taken: int, bound: Any) -> list[Any]:
    """The rows of ``sql`` up to the first one past ``taken`` whose score is worse than
    ``bound``: a server-side cursor reads only that far (in a transaction of ``ranked``)."""
    rows: list[Any] = []
    with conn.raw.cursor(name="caselib_ties") as cursor:
        cursor.execute(_pyformat(sql), tuple(args))
        while batch := cursor.fetchmany(taken):  # each row read costs its tsvector
            for row in batch:
                if len(rows) >= taken and row[1] > bound:
                    return rows
                rows.append(row)
    return rows


def _minus_rank(distance: Any) -> float:
    """RUM's distance is 1 / rank."""
    d = float(distance)
    return -1.0 / d if d not in (0.0, float("inf")) else -0.0


# --------------------------------------------------------------------------------------------
# Errors


def require_driver() -> None:
    """LibraryError unless psycopg (the ``postgres`` extra) is installed."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        from caselib.errors import LibraryError

        raise LibraryError(
            "使用 PostgreSQL 库需先安装驱动：pip install 'caselib[postgres]'"
        ) from exc


def library_error(exc: BaseException, url: str) -> Any:
    """One Chinese line for a PostgreSQL error (the URL's password masked, no SQL shown)."""
    from caselib.errors import LibraryError
    from caselib.store import faults
    from caselib.store.location import mask_url

    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None)
    where = mask_url(url)
    if state in ("40001", "40P01", "23505", "23503"):
        return LibraryError(faults.CONFLICT)
    if state in ("53100",):
        return LibraryError("数据库服务器磁盘已满，无法写入；请联系管理员")
    if state in ("28P01", "28000"):
        return LibraryError(f"数据库登录失败（用户名或密码不对）：{where}")
    if state == "3D000":
        return LibraryError(f"数据库不存在：{where}（请先由管理员创建）")
    if state == "42501":
        return LibraryError(f"数据库用户没有所需的权限：{where}")
    if state == "25006":
        return LibraryError("数据库只允许读取，无法写入")
    if state is None and type(orig).__name__ == "OperationalError":
        return LibraryError(
            f"无法连接数据库服务器：{where}（请检查地址、端口，以及服务器是否在运行）"
        )
    return LibraryError("数据库操作失败，请运行 caselib check 检查库")
