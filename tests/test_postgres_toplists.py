"""PostgreSQL top lists (``store/postgres_toplists``): a search read from the list of its
ranking query gives the page RUM's ranking gives, before and after the records move (new dates, new
text, trash, deletion, new records), with filters and paging. Lists are kept short here so
that the sample library overflows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from caselib import search as s
from caselib.store import postgres_backend as pg
from caselib.store import postgres_toplists as toplists
from caselib.store import tables
from caselib.store.library import Library
from caselib.store.reader import connect
from tests.conftest import CASES_DIR, Cli

QUERIES = [
    "党",
    "学",
    "生",
    "服务",
    "学生",
    "党支部",
    "志愿服务",
    "党建 -学生",
    "学生 服务",
    "学 党支部",
]


@pytest.fixture
def short_lists(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(toplists, "LENGTH", 4)
    monkeypatch.setattr(pg, "_RANK_SLACK", 0)
    cli = Cli(pg_url)
    cli.ok("init")
    cli.ok("import", str(CASES_DIR))
    return cli


def _pages(conn: Any, filters: s.SearchFilters | None = None) -> dict[tuple[str, int], Any]:
    """Per query and offset, the page of 2 ``search`` gives (lists made on the way)."""
    return {
        (q, offset): s.search_ids(conn, q, filters, limit=2, offset=offset)
        for q in QUERIES
        for offset in (0, 1, 2)
    }


def _rum_pages(conn: Any, filters: s.SearchFilters | None = None) -> dict[tuple[str, int], Any]:
    """The same pages ranked by RUM alone (no list)."""
    out = {}
    for q in QUERIES:
        parsed = s.parse_query(q)
        for offset in (0, 1, 2):
            rows = pg.ranked(conn, *s._pg_matching(conn, parsed, filters), offset + 2)
            page = s._page_by_score_then_date(conn, rows, 2, offset)
            out[(q, offset)] = [rid for rid, _ in page]
    return out


def _served_by_lists(conn: Any) -> int:
    """How many of the queries' pages the lists answer (rather than RUM)."""
    served = 0
    for q in QUERIES:
        parsed = s.parse_query(q)
        groups = [[t.text for t in g] for g in parsed.groups]
        listed = pg.listed_parts(conn, groups, [t.text for t in parsed.excluded])
        if listed is not None and toplists.top(conn, listed, 2)[1] is not None:
            served += 1
    return served


def _agree(db: str, filters: s.SearchFilters | None = None) -> None:
    conn = connect(db)
    try:
        if pg.index_method(conn) != "rum":
            pytest.skip("the server has no rum extension (top lists are RUM's)")
        assert _pages(conn, filters) == _rum_pages(conn, filters)
    finally:
        conn.close()


def test_lists_give_rums_pages_as_records_move(short_lists: Cli) -> None:
    db = str(short_lists.db)
    _agree(db)
    conn = connect(db)
    try:
        heads = conn.execute(f"SELECT COUNT(*) FROM {toplists.HEAD_TABLE}").fetchone()[0]
        assert heads >= 4  # the frequent tokens got lists on their first search
        assert _served_by_lists(conn) >= 4
        first = s.search_ids(conn, "学", limit=2)
    finally:
        conn.close()

    lib = Library.open(db)

    def move(session: Any) -> None:
        top, other = session.get(tables.Record, first[0]), session.get(tables.Record, first[1])
        top.date = dt.date(1990, 1, 1)  # the same score, now the oldest: after its ties
        other.title = "学学学学学学学学 " + other.title  # a better score for 学
        session.add(
            tables.Record(
                kind=top.kind,
                title="学党建学学学",
                summary="学生学党建",
                body=top.body,
                unit_id=top.unit_id,
                date=dt.date(2030, 1, 1),
            )
        )
        session.add(  # every bigram of 党支部 in the title, the phrase nowhere: not a match
            tables.Record(
                kind=top.kind,
                title="学党支，支部；学党支，支部；党支，支部",
                summary="学",
                body=[],
                unit_id=top.unit_id,
                date=dt.date(2030, 1, 2),
            )
        )

    lib.write(move)
    _agree(db)
    short_lists.ok("rm", str(first[1]))  # the trash: filtered out, still listed
    _agree(db)
    short_lists.ok("restore", str(first[1]))
    _agree(db)
    short_lists.ok("rm", "--purge", "--yes", str(first[0]))
    _agree(db)
    _agree(db, s.SearchFilters(since=dt.date(2021, 1, 1)))


def test_reindex_starts_the_lists_afresh(short_lists: Cli) -> None:
    db = str(short_lists.db)
    _agree(db)
    short_lists.ok("reindex")
    conn = connect(db)
    try:
        assert conn.execute(f"SELECT COUNT(*) FROM {toplists.HEAD_TABLE}").fetchone()[0] == 0
    finally:
        conn.close()
    _agree(db)


def test_check_finds_a_list_out_of_step_and_reindex_mends_it(short_lists: Cli) -> None:
    db = str(short_lists.db)
    _agree(db)
    short_lists.ok("check")
    conn = connect(db)
    try:
        conn.execute(
            f"DELETE FROM {toplists.LIST_TABLE} WHERE ctid IN "
            f"(SELECT ctid FROM {toplists.LIST_TABLE} ORDER BY distance LIMIT 1)"
        )
    finally:
        conn.close()
    run = short_lists("check")
    assert run.exit_code != 0
    assert "前列名单" in run.stdout + run.stderr
    short_lists.ok("check", "--repair")
    short_lists.ok("check")
    _agree(db)


def test_lists_beyond_the_cap_drop_the_oldest(
    short_lists: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every write works through every list: their number is bounded, the oldest made goes
    monkeypatch.setattr(toplists, "MAX_LISTS", 2)
    db = str(short_lists.db)
    _agree(db)  # still RUM's pages while lists come and go
    conn = connect(db)
    try:
        heads = conn.execute(f"SELECT key FROM {toplists.HEAD_TABLE} ORDER BY made").fetchall()
        assert len(heads) == 2
        orphans = conn.execute(
            f"SELECT COUNT(*) FROM {toplists.LIST_TABLE} WHERE key NOT IN "
            f"(SELECT key FROM {toplists.HEAD_TABLE})"
        ).fetchone()[0]
        assert orphans == 0
        s.search_ids(conn, "党", limit=2)  # the first query's list, long dropped: made again
        after = conn.execute(f"SELECT key FROM {toplists.HEAD_TABLE} ORDER BY made").fetchall()
    finally:
        conn.close()
    assert len(after) == 2
    assert after[0] == heads[-1] and after[-1] not in heads  # the oldest went, 党's came
    short_lists.ok("check")


def test_the_version_4_upgrade_makes_the_list_tables(short_lists: Cli) -> None:
    """A library made before the lists (version 3) gains their tables on ``upgrade``; its
    searches then make lists."""
    conn = connect(str(short_lists.db))
    try:
        if pg.index_method(conn) != "rum":
            pytest.skip("the server has no rum extension (top lists are RUM's)")
        conn.execute(f"DROP TABLE {toplists.LIST_TABLE}, {toplists.HEAD_TABLE}")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        conn.raw.commit()
    finally:
        conn.close()
    assert "版本 3 → " in short_lists.ok("upgrade").stderr
    _agree(str(short_lists.db))
    conn = connect(str(short_lists.db))
    try:
        assert conn.execute(f"SELECT COUNT(*) FROM {toplists.HEAD_TABLE}").fetchone()[0] > 0
    finally:
        conn.close()
