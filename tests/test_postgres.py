"""PostgreSQL: exact recall of the bigram index against a substring scan, hostile queries,
copy SQLite → PostgreSQL → SQLite, masked passwords, and several writers at once.

The library-level tests of records, search, import, export, review/rank and tags run on both
backends through ``pytest.mark.backends`` (see conftest.py); these are the ones about
PostgreSQL itself. They need the session's throwaway server (``pg_server``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from caselib.search import quote_term, search
from caselib.store.library import Library
from caselib.store.maintenance import dump
from caselib.store.meta import SCHEMA_VERSION
from caselib.store.reader import connect
from caselib.text.normalize import normalize
from tests.conftest import CASES_DIR, Cli

#: Realistic material: sentences of the sample cases, with punctuation, digits and Latin.
SAMPLE_TEXT = "".join(p.read_text("utf-8") for p in sorted(CASES_DIR.glob("*.md")))


@pytest.fixture
def pg_sample(pg_url: str) -> Cli:
    cli = Cli(pg_url)
    cli.ok("init")
    cli.ok("import", str(CASES_DIR))
    return cli


def _segments_scan(db: str, term: str) -> set[int]:
    """Ids of the live records one of whose segments contains ``term`` (the definition of
    recall), read without the index."""
    from caselib.store.sqlite_backend import record_segments

    lib = Library.open(db)
    conn = lib.dbapi_connection()
    try:
        tags: dict[int, list[str]] = {}
        for rid, name in conn.execute(
            "SELECT rt.record_id, t.name FROM record_tag rt JOIN tag t ON t.id = rt.tag_id"
        ).fetchall():
            tags.setdefault(rid, []).append(name)
        found = set()
        for rid, title, summary, body, unit in conn.execute(
            "SELECT r.id, r.title, r.summary, r.body, u.name FROM record r "
            "JOIN unit u ON u.id = r.unit_id WHERE r.deleted_at IS NULL"
        ).fetchall():
            columns = record_segments(title, tags.get(rid, []), unit, summary, body)
            if any(normalize(term) in s for segs in columns for s in segs):
                found.add(rid)
    finally:
        conn.close()
    return found


def test_recall_is_exact_against_a_substring_scan(pg_sample: Cli) -> None:
    """Random substrings of the sample text (1–6 characters, punctuation and digits
    included) find exactly the records whose segments contain them, as on SQLite."""
    db = str(pg_sample.db)
    rng = random.Random(13)
    found = 0
    conn = connect(db)
    try:
        for _ in range(60):
            n = rng.randint(1, 6)
            start = rng.randrange(len(SAMPLE_TEXT) - n)
            term = SAMPLE_TEXT[start : start + n].strip()
            if not term or any(c.isspace() for c in term):
                continue
            query = quote_term(term)
            got = {h.id for h in search(conn, query, limit=None)}
            assert got == _segments_scan(db, term), term
            found += bool(got)
    finally:
        conn.close()
    assert found >= 30  # the sample text's substrings are mostly in the records


def test_ranking_puts_title_hits_first(pg_sample: Cli) -> None:
    hits = pg_sample.ok("search", "行李箱", "--json").json()
    assert hits and "行李箱" in hits[0]["title"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE record; --",
        "12%; OR 34%;",
        "a & b | !c <-> d:*",
        'tsv @@ \'x\' "引号"" 里"',
        "\\' \\\\ %s %(x)s ?",
        "共同缔造" * 60_000,  # about 1 MB
    ],
)
def test_hostile_queries_are_text(pg_sample: Cli, query: str) -> None:
    """Quotes, %, ;, tsquery operators and placeholders are searched for as text; a 1 MB
    query is answered (no match) without an error; the library is unchanged."""
    before = pg_sample.ok("list", "--json").json()
    run = pg_sample("search", query, "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json() == []
    assert pg_sample.ok("list", "--json").json() == before


def test_copy_sqlite_to_postgres_and_back_is_identical(
    sample: Cli, db_path: Path, pg_url: str, tmp_path: Path
) -> None:
    sample.ok("review", "1", "-r", "王老师", "-s", "典型性=4", "-c", "做法实在")
    sample.ok("report", "1", "--to", "省委教育工委", "--date", "2022-11-02")
    sample.ok("shortlist", "add", "2022年第四季度报送", "3", "1")
    up = sample.ok("copy", "--from", str(db_path), "--to", pg_url)
    assert "已复制 14 条记录" in up.stderr
    assert "未做改动" in sample.ok("copy", "--from", str(db_path), "--to", pg_url).stderr
    back = tmp_path / "回来.db"
    sample.ok("copy", "--from", pg_url, "--to", str(back))
    original = dump(Library.open(str(db_path)))
    assert dump(Library.open(pg_url)) == original
    assert dump(Library.open(str(back))) == original
    pg = Cli(pg_url)
    assert "索引完好" in pg.ok("check").stderr
    ids = [h["id"] for h in sample.ok("search", "共同缔造", "-n", "100", "--json").json()]
    assert sorted(h["id"] for h in pg.ok("search", "共同缔造", "-n", "100", "--json").json()) == (
        sorted(ids)
    )
    # ids go on after the copied ones
    new = int(pg.ok("add", "-t", "新例", "-u", "机关党委", input="正文。").stdout)
    assert new == 15


def test_backup_of_a_postgres_library_gives_pg_dump_advice(pg_url: str, tmp_path: Path) -> None:
    Cli(pg_url).ok("init")
    with_password = pg_url.replace("caselib@", "caselib:s3cr3t@")
    run = Cli(with_password)("backup", "-o", str(tmp_path / "b.db"))
    assert run.exit_code == 1 and "pg_dump" in run.stderr
    assert "s3cr3t" not in run.stderr and "caselib:***@" in run.stderr
    info = Cli(with_password).ok("info", "--json")
    assert "s3cr3t" not in info.stdout + info.stderr
    assert not (tmp_path / "b.db").exists()


def test_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://caselib:s3cr3t@127.0.0.1:{port}/caselib"
    run = Cli(url)("list")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        f"错误：无法连接数据库服务器：postgresql+psycopg://caselib:***@127.0.0.1:{port}/caselib"
        "（请检查地址、端口，以及服务器是否在运行）"
    ]


def test_a_version_1_library_upgrades_on_postgres(pg_url: str) -> None:
    """The migrations are one definition for both backends: a PostgreSQL library with the
    version 1 schema gains the version 2 columns and keeps its records."""
    import psycopg

    from caselib.store.postgres_backend import psycopg_dsn

    cli = Cli(pg_url)
    cli.ok("init")
    cli.ok("add", "-t", "机关党委：跑腿办事", "-u", "机关党委", input="正文。")
    with psycopg.connect(psycopg_dsn(pg_url), autocommit=True) as conn:
        conn.execute("DROP INDEX ix_record_source_path")
        for column in ("source_path", "source_info", "missing"):
            conn.execute(f"ALTER TABLE record DROP COLUMN {column}")
        conn.execute("ALTER TABLE shortlist_item DROP COLUMN previous_status")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    run = cli.ok("upgrade")
    assert f"版本 1 → {SCHEMA_VERSION}" in run.stderr and "pg_dump" in run.stderr
    assert Library.open(pg_url).schema_version == SCHEMA_VERSION
    assert cli.ok("show", "1", "--json").json()["title"] == "机关党委：跑腿办事"
    assert "索引完好" in cli.ok("check").stderr


def test_the_version_3_upgrade_indexes_single_characters(pg_url: str) -> None:
    """A version 2 index had bigrams only (one character was a prefix query): the upgrade
    rebuilds it, after which a one-character search finds the record by its own token."""
    import psycopg

    from caselib.store.postgres_backend import INDEX_TABLE, psycopg_dsn
    from caselib.store.sqlite_backend import END

    cli = Cli(pg_url)
    cli.ok("init")
    cli.ok("add", "-t", "机关党委：跑腿办事", "-u", "机关党委", input="正文。")
    single = f"SELECT count(*) FROM {INDEX_TABLE}, unnest(tsv) AS u WHERE left(u.lexeme, 1) = %s"
    with psycopg.connect(psycopg_dsn(pg_url), autocommit=True) as conn:
        assert conn.execute(single, (END,)).fetchone()[0] > 0
        conn.execute(
            f"UPDATE {INDEX_TABLE} SET tsv = ts_delete(tsv, ARRAY(SELECT u.lexeme "
            "FROM unnest(tsv) AS u WHERE left(u.lexeme, 1) = %s))",
            (END,),
        )
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        assert conn.execute(single, (END,)).fetchone()[0] == 0
    assert f"版本 2 → {SCHEMA_VERSION}" in cli.ok("upgrade").stderr
    with psycopg.connect(psycopg_dsn(pg_url), autocommit=True) as conn:
        assert conn.execute(single, (END,)).fetchone()[0] > 0
    assert [h["id"] for h in cli.ok("search", "跑", "--json").json()] == [1]


_PAGED_QUERIES = ("的", "党", "服务", "志愿服务", "学生 服务", "党建 OR 暖心", "工作 -党建")


def _pages_agree_with_the_whole_list(conn: object) -> int:
    """Every query's pages of 3 (ties across page ends included) make up its unlimited list,
    best first; returns how many hits were compared."""
    compared = 0
    for query in _PAGED_QUERIES:
        whole = search(conn, query, limit=None)  # type: ignore[arg-type]
        paged = []
        for offset in range(0, len(whole) + 3, 3):
            paged += search(conn, query, limit=3, offset=offset)  # type: ignore[arg-type]
        assert [h.id for h in paged] == [h.id for h in whole], query
        assert [h.score for h in whole] == sorted((h.score for h in whole), reverse=True)
        compared += len(whole)
    return compared


def test_rum_and_the_gin_fallback_find_the_same_and_page_alike(pg_sample: Cli) -> None:
    """The index is RUM where the server has the extension (CI installs it) and GIN where it
    does not: both find exactly the same records, best first, and paging is consistent."""
    from caselib.store import postgres_backend as pg

    db = str(pg_sample.db)
    conn = connect(db)
    try:
        first = pg.index_method(conn)
        found = {q: {h.id for h in search(conn, q, limit=None)} for q in _PAGED_QUERIES}
        assert _pages_agree_with_the_whole_list(conn) > 20
        if first == "rum":  # a server without rum: the index GIN builds instead
            conn.execute(f"DROP INDEX {pg.RUM_INDEX}")
            conn.execute(f"CREATE INDEX {pg.GIN_INDEX} ON {pg.INDEX_TABLE} USING GIN (tsv)")
    finally:
        conn.close()
    conn = connect(db)
    try:
        assert pg.index_method(conn) == "gin"
        assert {q: {h.id for h in search(conn, q, limit=None)} for q in _PAGED_QUERIES} == found
        assert _pages_agree_with_the_whole_list(conn) > 20
    finally:
        conn.close()
    hits = pg_sample.ok("search", "行李箱", "--json").json()
    assert hits and "行李箱" in hits[0]["title"]
    if first == "rum":
        pg_sample.ok("reindex")  # takes RUM again
        conn = connect(db)
        try:
            assert pg.index_method(conn) == "rum"
        finally:
            conn.close()


def test_a_list_of_ids_longer_than_the_protocol_allows_is_sent_as_an_array(
    pg_sample: Cli,
) -> None:
    """``search`` without a limit lists every hit's id: more than 65,535 parameters would
    be refused by the server, so a long ``IN (?,…)`` goes as one array."""
    conn = connect(str(pg_sample.db))
    try:
        ids = list(range(1, 70_001))
        marks = ",".join("?" * len(ids))
        total = conn.execute("SELECT COUNT(*) FROM record").fetchone()[0]
        got = conn.execute(f"SELECT COUNT(*) FROM record WHERE id IN ({marks})", ids)
        assert got.fetchone()[0] == total
        got = conn.execute(
            f"SELECT COUNT(*) FROM record WHERE id NOT IN ({marks}) AND id > ?", [*ids, 0]
        )
        assert got.fetchone()[0] == 0
        got = conn.execute(
            f"SELECT COUNT(*) FROM record WHERE id IN (?, ?) OR id IN ({marks})", [1, 2, *ids]
        )
        assert got.fetchone()[0] == total
    finally:
        conn.close()


def test_a_long_term_is_ranked_by_its_rarest_bigram() -> None:
    """Bigrams among the most common count by their share of rows, others as rarer still."""
    from caselib.store.postgres_backend import PgConnection, rank_query

    conn = PgConnection(None, owned=False)
    conn.frequencies = {"志愿": 0.3, "愿服": 0.2, "服务": 0.5}
    assert rank_query(conn, [["志愿服务"], ["党", "暖心"]]) == "('愿服') & ('\ue080党' | ('暖心'))"
    conn.frequencies = {"志愿": 0.3, "服务": 0.5}
    assert rank_query(conn, [["志愿服务"]]) == "('愿服')"
