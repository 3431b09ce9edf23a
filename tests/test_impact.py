"""Impact lists (``caselib.store.impact``): the pages they answer equal FTS5's, through writes.

The thresholds are lowered so that a library of a few dozen records has lists; every check
compares the ids *and* scores of ``search`` with and without the lists, and counts how many
queries the lists answered, so that a test cannot pass by always falling back.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from caselib import search as search_module
from caselib.search import SearchFilters, quote_term, search
from caselib.store import impact
from caselib.store import tables as models
from caselib.store.library import Library
from tests.conftest import CASES_DIR, Cli

PHRASES = (
    "党建引领 共同缔造 迎新 暖心 志愿服务 决策共谋 发展共建 为民办实事 少跑腿 一网通办 "
    "红色教育基地 老党员 新生报到 绿色通道 三会一课 主题党日 结对帮扶 乡村振兴 第一书记 "
    "暖心驿站 最后一公里 立德树人 课程思政 辅导员 谈心谈话 党支部 党员先锋岗"
).split()
FILLERS = (
    "的 了 在 和 与 对 通过 进一步 全面 推动 围绕 坚持 深入开展 积极 工作 机制 群众 师生 "
    "党员 学院 支部 活动 落实 加强 提升 服务 特色 品牌 经验 做法 成效 2022年 8项 18人"
).split()
UNITS = ["机关党委", "计算机学院党委", "后勤集团党委", "图书馆党总支", "附属医院党委"]
QUERIES = list("党建心服务的新8工") + ["党建", "暖心", "服务", "工作", "党员", "志愿", "迎新"]
QUERIES += ["党建引领", "志愿服务", "党员先锋岗", "2022年", "工作机制", "的工作", "党建党建"]


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(PHRASES) if rng.random() < 0.3 else rng.choice(FILLERS)
        for _ in range(rng.randint(4, 12))
    ]
    return "".join(words) + rng.choice("。。！")


def write_cases(folder: Path, n: int, seed: int) -> Path:
    """``n`` generated Markdown cases (front matter and paragraphs) in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        body = "\n\n".join(
            "".join(sentence(rng) for _ in range(rng.randint(1, 5)))
            for _ in range(rng.randint(1, 6))
        )
        title = f"{rng.choice(UNITS)}：{rng.choice(PHRASES)}{rng.choice(['见实效', '暖人心'])}"
        (folder / f"{seed}-{i:03d}.md").write_text(
            f"---\nkind: case\ntitle: {title}\nunit: {rng.choice(UNITS)}\n"
            f"date: 2022-{1 + i % 12:02d}-{1 + i % 27:02d}\nsummary: {sentence(rng)}\n---\n\n"
            f"{body}\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def small_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impact, "MIN_RECORDS", 8)
    monkeypatch.setattr(impact, "LENGTH", 10)
    monkeypatch.setattr(impact, "ADDED_MAX", 4)


@pytest.fixture
def lists_library(small_lists: None, cli: Cli, tmp_path: Path) -> Cli:
    """60 generated cases and the bundled samples, imported (the import builds the lists)."""
    cli.ok("import", str(write_cases(tmp_path / "a", 60, 1)))
    cli.ok("import", str(CASES_DIR))
    return cli


def connect(cli: Cli) -> sqlite3.Connection:
    return sqlite3.connect(str(cli.db))


def listed_terms(conn: sqlite3.Connection) -> list[str]:
    """The query terms of every key with a list (a one-character key is ``X*``)."""
    keys = [r[0] for r in conn.execute("SELECT key FROM impact_key ORDER BY key")]
    return [k[:-1] if k.endswith("*") else k for k in keys if "\ue080" not in k]


def ranked(conn: sqlite3.Connection, query: str, **kw: Any) -> list[tuple[int, float]]:
    return [(h.id, h.score) for h in search(conn, query, **kw)]


def agree(cli: Cli, limit: int = 5, offset: int = 0) -> int:
    """Every query's page equals FTS5's (ids, order and scores); returns how many of them the
    lists answered."""
    conn = connect(cli)
    answered = 0
    top = impact.top
    try:
        for q in [*QUERIES, *map(quote_term, listed_terms(conn))]:
            with_lists = ranked(conn, q, limit=limit, offset=offset)
            term = search_module.parse_query(q).groups[0][0].text
            answered += top(conn, term, limit + offset) is not None
            impact.top = lambda *_a: None  # type: ignore[assignment]
            try:
                assert ranked(conn, q, limit=limit, offset=offset) == with_lists, q
            finally:
                impact.top = top  # type: ignore[assignment]
    finally:
        conn.close()
    return answered


def problems(cli: Cli) -> list[str]:
    conn = connect(cli)
    try:
        return impact.check(conn)
    finally:
        conn.close()


def test_small_library_has_no_lists(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import", str(CASES_DIR))
    conn = connect(cli)
    assert conn.execute("SELECT COUNT(*) FROM impact_key").fetchone()[0] == 0
    assert impact.top(conn, "党", 5) is None
    assert problems(cli) == []


def test_lists_give_the_same_pages_as_fts5(lists_library: Cli) -> None:
    conn = connect(lists_library)
    assert len(listed_terms(conn)) > 50
    assert conn.execute("SELECT COUNT(*) FROM impact_added").fetchone()[0] == 0
    assert agree(lists_library) > 30
    assert agree(lists_library, limit=3, offset=4) > 20
    assert problems(lists_library) == []
    # ties are ordered as FTS5's path orders them: newest first, then the highest id
    assert agree(lists_library, limit=10) > 0


def test_writes_keep_lists_exact(lists_library: Cli, library: Library, tmp_path: Path) -> None:
    cli = lists_library
    for i in range(3):  # new records that score high: the corner keeps the bound valid
        cli.ok(
            "add",
            "-t",
            f"党建引领党建服务暖心{i}",
            "-u",
            "机关党委",
            "-f",
            "-",
            input="党建党建党建，服务服务。\n暖心暖心党员。\n",
        )
        assert agree(cli) > 0
        assert problems(cli) == []

    def edit(session: Any) -> None:
        for record in session.exec(select(models.Record).limit(6)).all():
            record.summary = "党建党建党建服务暖心工作工作党员" * 2

    conn = connect(cli)
    assert conn.execute("SELECT COUNT(*) FROM impact_added").fetchone() == (3,)  # read by search
    conn.close()
    library.write(edit)
    conn = connect(cli)  # more than ADDED_MAX: the write folded them into the lists
    assert conn.execute("SELECT COUNT(*) FROM impact_added").fetchone() == (0,)
    conn.close()
    assert agree(cli) > 20
    assert problems(cli) == []

    conn = connect(cli)
    best = [rid for rid, _ in ranked(conn, "党建", limit=3)]
    conn.close()
    for rid in best:
        cli.ok("rm", str(rid))  # to the trash: still indexed, left out of the page
    assert agree(cli) > 0
    cli.ok("restore", str(best[0]))
    assert agree(cli) > 0
    cli.ok("rm", "--purge", "-y", str(best[1]))
    assert agree(cli) > 0
    assert problems(cli) == []

    cli.ok("import", str(write_cases(tmp_path / "b", 20, 2)))  # folds the new records in
    conn = connect(cli)
    assert conn.execute("SELECT COUNT(*) FROM impact_added").fetchone()[0] == 0
    conn.close()
    assert agree(cli) > 30
    assert agree(cli, limit=3, offset=2) > 20
    assert problems(cli) == []


def test_fallback_when_the_bound_fails(lists_library: Cli) -> None:
    cli = lists_library
    conn = connect(cli)
    assert impact.top(conn, "党", 5) is not None
    filtered = ranked(conn, "党", limit=5, filters=SearchFilters(kind="case"))
    with conn:  # a frontier no list can beat: the lists never answer for 党
        conn.execute("UPDATE impact_key SET frontier = '[[1000000.0, 1]]' WHERE key = '党*'")
    assert impact.top(conn, "党", 5) is None
    conn.close()
    assert agree(cli) > 0
    conn = connect(cli)
    assert ranked(conn, "党", limit=5, filters=SearchFilters(kind="case")) == filtered
    with conn:  # every entry of 暖心's list in the trash: too few left to fill a page
        conn.execute(
            "UPDATE record SET deleted_at = '2024-01-01' WHERE id IN "
            "(SELECT rid FROM impact_entry WHERE key = '暖心')"
        )
    assert impact.top(conn, "暖心", 5) is None
    assert impact.top(conn, "党建", impact.LENGTH + 1) is None  # a page beyond the list
    conn.close()
    assert agree(cli) > 0


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE impact_entry SET f = f + 1 WHERE key = '服务' AND rid = "
        "(SELECT MIN(rid) FROM impact_entry WHERE key = '服务')",
        "UPDATE impact_entry SET d = d - 1 WHERE key = '党*' AND rid = "
        "(SELECT MAX(rid) FROM impact_entry WHERE key = '党*')",
        "DELETE FROM impact_entry WHERE key = '党建' AND rid = "
        "(SELECT MIN(rid) FROM impact_entry WHERE key = '党建')",
        "UPDATE impact_key SET frontier = '[]' WHERE key = '工作'",
    ],
)
def test_check_finds_a_list_that_disagrees(lists_library: Cli, damage: str) -> None:
    cli = lists_library
    assert cli.ok("check").exit_code == 0
    conn = connect(cli)
    with conn:
        assert conn.execute(damage).rowcount == 1
    conn.close()
    run = cli("check")
    assert run.exit_code != 0
    assert "检索加速表与全文索引不符" in run.stderr + run.stdout
    cli.ok("check", "--repair")
    assert problems(cli) == []


def test_upgrade_builds_the_lists(small_lists: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("import", str(write_cases(tmp_path / "a", 40, 3)))
    conn = connect(cli)
    with conn:
        for table in ("impact_key", "impact_entry", "impact_added"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    Library.open(str(cli.db)).engine.dispose()
    assert agree(cli) > 20
    assert problems(cli) == []


def test_reindex_builds_the_lists(lists_library: Cli) -> None:
    conn = connect(lists_library)
    before = listed_terms(conn)
    with conn:
        conn.execute("DELETE FROM impact_entry")
    conn.close()
    assert problems(lists_library) != []
    lists_library.ok("reindex")
    conn = connect(lists_library)
    assert listed_terms(conn) == before
    conn.close()
    assert problems(lists_library) == []
    assert agree(lists_library) > 30


def test_a_term_that_becomes_frequent_gets_a_list(lists_library: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    for i in range(12):
        (folder / f"k{i}.md").write_text(
            f"---\ntitle: 鲲鹏计划第{i}期\nunit: 机关党委\ndate: 2023-03-{i + 1:02d}\n---\n\n"
            f"鲲鹏计划{'助力鲲鹏' * (i % 4)}。{sentence(random.Random(i))}\n",
            encoding="utf-8",
        )
    conn = connect(lists_library)
    assert "鲲鹏" not in listed_terms(conn)
    conn.close()
    lists_library.ok("import", str(folder))
    conn = connect(lists_library)
    assert {"鲲鹏", "鲲"} <= set(listed_terms(conn))
    assert impact.top(conn, "鲲鹏", 5) is not None
    conn.execute("BEGIN")  # inside a transaction the lists are not used
    assert impact.top(conn, "鲲鹏", 5) is None
    conn.rollback()
    conn.close()
    assert agree(lists_library) > 30
    assert problems(lists_library) == []


def test_terms_are_found_in_segments_as_stored_only_when_normalising_keeps_them() -> None:
    """``_counts_in_text`` searches a segment as stored when ``found_as_is`` says normalising
    neither moves nor makes an occurrence of the term: then the term's occurrences and the
    segment's length are those of the normalised segment."""
    from caselib.text.normalize import found_as_is, normalize

    def spots(term: str, text: str) -> list[int]:
        return [k for k in range(len(text)) if text.startswith(term, k)]

    term = "一党建"
    kept = ["一党建ＡＢＣ一党建", "“一党建”DEF 8项\t一党建一党建", "２０２２年一党建！"]
    # the Kangxi radical 一, a compatibility ideograph, a ligature, a no-break space
    moved = ["\u2f00党建活动", "\uf900一党建", "\ufb01一党建", "一党建\u00a0一党建"]
    for segment in kept:
        assert found_as_is(term, segment)
        assert len(segment) == len(normalize(segment))
        assert spots(term, segment) == spots(term, normalize(segment))
        assert not found_as_is("abc", segment)  # ＡＢＣ, ABC: abc after folding alone
    for segment in moved:
        assert not found_as_is(term, segment)
    assert spots(term, normalize(moved[0])) == [0] and spots(term, moved[0]) == []
