"""Full-text search: tokenising, query parsing, ranking, filters, snippets, index upkeep."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import caselib.store.tables  # noqa: F401  (registers the tables)
from caselib.errors import InvalidInputError, NotFoundError
from caselib.search import (
    KIND_LABELS,
    STATUS_LABELS,
    SearchFilters,
    Term,
    count_hits,
    filter_clause,
    parse_query,
    quote_term,
    search,
    search_ids,
)
from caselib.store import tables as models
from caselib.store.library import Library
from caselib.store.sqlite_backend import (
    _FAST,
    END,
    FTS_TABLE,
    SRC_TABLE,
    _code_normalized,
    _code_raw,
    _estimated_size,
    check_index,
    column_tokens,
    configure_connection,
    index_size_bytes,
    phrase_match,
    rebuild_index,
    record_segments,
    reindex_records,
    segment_tokens,
)
from caselib.text.normalize import find_normalized, normalize, normalize_with_offsets

# --------------------------------------------------------------------------------------------
# A small library in memory


class Lib:
    """Builds records with plain SQL, on a plain connection (as ``list`` and ``search`` read)
    to a library made by caselib itself (``Library.init``: tables, index, settings)."""

    def __init__(self, path: Path) -> None:
        library, _ = Library.init(str(path))
        library.engine.dispose()
        self.conn = sqlite3.connect(path)
        configure_connection(self.conn)
        self.units: dict[str, int] = {}
        self.tags: dict[str, int] = {}

    def unit(self, name: str, aliases: Sequence[str] = ()) -> int:
        if name not in self.units:
            uid = self.conn.execute("INSERT INTO unit(name) VALUES (?)", (name,)).lastrowid
            assert uid is not None
            self.units[name] = uid
            for alias in aliases:
                self.conn.execute(
                    "INSERT INTO unit_alias(alias, unit_id) VALUES (?, ?)", (alias, uid)
                )
        return self.units[name]

    def tag(self, name: str, parent: str | None = None, aliases: Sequence[str] = ()) -> int:
        if name not in self.tags:
            pid = self.tags[parent] if parent else None
            tid = self.conn.execute(
                "INSERT INTO tag(name, parent_id) VALUES (?, ?)", (name, pid)
            ).lastrowid
            assert tid is not None
            self.tags[name] = tid
            for alias in aliases:
                self.conn.execute(
                    "INSERT INTO tag_alias(alias, tag_id) VALUES (?, ?)", (alias, tid)
                )
        return self.tags[name]

    def add(
        self,
        title: str,
        body: Sequence[str] = (),
        *,
        unit: str = "机关党委",
        tags: Sequence[str] = (),
        summary: str | None = None,
        date: str | None = "2022-10-20",
        kind: str = "case",
        status: str = "submitted",
        deleted: bool = False,
    ) -> int:
        blocks: list[dict[str, Any]] = []
        for text in body:
            if text[:2] in ("一、", "二、", "三、"):
                blocks.append({"type": "heading", "text": text, "level": 1})
            else:
                blocks.append({"type": "paragraph", "text": text})
        now = "2024-01-01 00:00:00.000000"
        rid = self.conn.execute(
            "INSERT INTO record(kind, title, unit_id, summary, body, date, status, created_at, "
            "updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                kind,
                title,
                self.unit(unit),
                summary,
                json.dumps(blocks, ensure_ascii=False),
                date,
                status,
                now,
                now,
                now if deleted else None,
            ),
        ).lastrowid
        assert rid is not None
        for position, name in enumerate(tags):
            self.conn.execute(
                "INSERT INTO record_tag(record_id, tag_id, position) VALUES (?, ?, ?)",
                (rid, self.tag(name), position),
            )
        reindex_records(self.conn, [rid])
        return rid

    def ids(self, query: str, filters: SearchFilters | None = None) -> list[int]:
        return [h.id for h in search(self.conn, query, filters, limit=None)]

    def scan(self, phrase: str) -> set[int]:
        """Records whose scanned text contains ``phrase`` (the definition of recall)."""
        wanted = normalize(phrase)
        found = set()
        for rid, segments in all_segments(self.conn):
            if any(wanted in seg for seg in segments):
                found.add(rid)
        return found


def all_segments(conn: sqlite3.Connection) -> Iterator[tuple[int, list[str]]]:
    """(id, normalised segments) of every record not in the trash."""
    rows = conn.execute(
        "SELECT r.id, r.title, r.summary, r.body, u.name FROM record r "
        "JOIN unit u ON u.id = r.unit_id WHERE r.deleted_at IS NULL"
    ).fetchall()
    for rid, title, summary, body, unit in rows:
        tags = [
            r[0]
            for r in conn.execute(
                "SELECT t.name FROM record_tag rt JOIN tag t ON t.id = rt.tag_id "
                "WHERE rt.record_id = ?",
                (rid,),
            )
        ]
        blocks = [b["text"] for b in json.loads(body)]
        raw = [title, summary or "", *blocks, unit, *tags]
        yield rid, [normalize(s) for s in raw if s]


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path / "search.db")
    library.unit("机关党委", aliases=["机关"])
    library.unit("计算机学院党委", aliases=["计算机学院"])
    library.tag("共同缔造", aliases=["美好环境与幸福生活共同缔造"])
    for child in ("决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"):
        library.tag(child, parent="共同缔造")
    library.tag("迎新")
    library.tag("暖心服务", aliases=["暖心"])
    library.tag("关心关爱", parent="暖心服务")
    yield library
    library.conn.close()


@pytest.fixture
def sample(lib: Lib) -> dict[str, int]:
    """A handful of realistic records."""
    ids = {}
    ids["jiguan"] = lib.add(
        "机关党委：党建引领“少跑腿”，办事效率大提升",
        [
            "一、基本情况",
            "机关党委坚持党建引领，围绕“为民办实事”，共梳理服务事项282项，实现“一网通办”。",
            "二、主要做法",
            "党员先锋岗每天8:00到岗，2022年共接待师生1.6万人次。",
        ],
        tags=["决策共谋"],
        summary="机关党委以党建引领优化服务流程。",
        date="2022-10-20",
    )
    ids["yingxin"] = lib.add(
        "计算机学院：迎新季里的暖心故事",
        [
            "九月，新生报到。迎新志愿者在绿色通道为家庭经济困难学生办理手续，",
            "老党员张老师自掏腰包为三名新生买了被褥，暖心之举感动了大家。",
        ],
        unit="计算机学院党委",
        tags=["迎新", "关心关爱"],
        kind="story",
        status="adopted",
        date="2023-09-01",
    )
    ids["gongtong"] = lib.add(
        "社区治理：共同缔造美好家园",
        [
            "学校家属区开展美好环境与幸福生活共同缔造活动，",
            "通过居民议事会决策共谋，发展共建。",
        ],
        tags=["共同缔造", "成果共享"],
        date="2021-05-12",
        status="reported",
    )
    ids["english"] = lib.add(
        "课程思政：Python编程课里的思政元素",
        ["ＰＹＴＨＯＮ课程组把“立德树人”融入２０２２年秋季学期的教学。"],
        unit="计算机学院党委",
        date="2022-12-01",
    )
    ids["trashed"] = lib.add(
        "已删除的记录：党建引领",
        ["这条记录在回收站里，暖心故事不应被搜到。"],
        deleted=True,
        date="2024-01-01",
    )
    ids["undated"] = lib.add("没有日期的记录", ["党员志愿服务队走进社区。"], date=None)
    return ids


# --------------------------------------------------------------------------------------------
# Tokenising


def test_segment_tokens_are_bigrams_with_an_end_marker() -> None:
    assert segment_tokens("党建引领") == f"党建 建引 引领 领{END}"
    assert segment_tokens("党") == f"党{END}"
    assert segment_tokens("") == ""
    # Latin and digits are bigrammed too (after normalising), so 82项 finds 282项.
    assert segment_tokens("282项") == f"28 82 2项 项{END}"
    assert segment_tokens("ＡＢ") == f"ab b{END}"


def test_tokens_never_contain_ascii_separators() -> None:
    text = 'a "b" *c: ^d (e) f-g, h.i\tj\nk\x00l “引号” ‘单’ 全角，标点！ 　空格'
    for token in segment_tokens(text).split(" "):
        assert token
        assert all(ch.isalnum() or ord(ch) > 127 for ch in token), token


def test_fast_coding_equals_coding_the_normalised_text() -> None:
    for o in list(range(0x20, 0x7F)) + list(range(0x3000, 0x3020)) + list(range(0xFF01, 0xFF5F)):
        ch = chr(o)
        if _FAST.fullmatch(ch):
            assert _code_raw(ch) == _code_normalized(normalize(ch)), hex(o)
    for o in range(0x4E00, 0xA000, 97):
        assert _code_raw(chr(o)) == chr(o)
    text = "ＰＹＴＨＯＮ课程（２０２２年）“立德树人”，Hello World! 100% 1.6万"
    assert _code_raw(text) == _code_normalized(normalize(text))


def test_private_use_characters_in_text_are_escaped() -> None:
    tricky = "\ue000\ue080\ue081x"
    units = _code_normalized(tricky)
    assert isinstance(units, list) and len(units) == 4
    assert len(set(units)) == 4
    assert _code_normalized("\x00") != _code_normalized("\ue000")


@pytest.mark.parametrize("char", list("\"*:^()+-{}[]',.;!?&|~`@#$%=<>/\\ \t\n\x00"))
def test_phrase_match_is_safe_for_every_special_character(char: str) -> None:
    for term in (char, f"党{char}建", f"{char}{char}", f"AND{char}NEAR"):
        expr = phrase_match(normalize(term))
        inner = expr.rstrip("*")
        assert inner.startswith('"') and inner.endswith('"')
        assert '"' not in inner[1:-1]
        assert all(ch == " " or ch.isalnum() or ord(ch) > 127 for ch in inner[1:-1])


def test_column_tokens_keep_segments_apart() -> None:
    assert column_tokens(["党建", "引领"]) == f"党建 建{END} 引领 领{END}"


def test_one_to_one_characters_normalise_by_table() -> None:
    """The table (``normalize``'s fast path) gives what NFKC, quote folding and case folding
    give, character by character and for a text made of all of them."""
    import unicodedata

    from caselib.text.normalize import _ONE_TO_ONE, _ONE_TO_ONE_TABLE, _QUOTE_FOLD

    def slow(text: str) -> str:
        return unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD).casefold()

    chars = [chr(o) for o in range(0x20, 0x10000) if _ONE_TO_ONE.fullmatch(chr(o))]
    assert len(chars) > 20000
    for ch in chars:
        assert slow(ch) == ch.translate(_ONE_TO_ONE_TABLE), hex(ord(ch))
    text = "\n".join(chars) + "\t\r\n"
    assert normalize(text) == slow(text)


def test_normalize_with_offsets_maps_back_to_the_original() -> None:
    text = "ＡＢ…党建“x”ß"
    normed, origin = normalize_with_offsets(text)
    assert normed == normalize(text) == 'ab...党建"x"ss'
    assert len(origin) == len(normed) + 1
    assert text[origin[normed.index("党")]] == "党"
    assert origin[-1] == len(text)


def test_find_normalized_gives_offsets_into_the_raw_text() -> None:
    text = "全角２０２２年，“党建引领”……ＰＹＴＨＯＮ"
    hits = find_normalized(text, ["2022年", '"党建', "python", "引领"])
    found = {text[s:e] for s, e, _ in hits}
    assert found == {"２０２２年", "“党建", "ＰＹＴＨＯＮ", "引领"}
    text2 = "党建……党建"  # the ellipsis expands under NFKC
    assert [text2[s:e] for s, e, _ in find_normalized(text2, ["党建"])] == ["党建", "党建"]


# --------------------------------------------------------------------------------------------
# Query parsing


def texts(groups: tuple[tuple[Term, ...], ...]) -> list[list[str]]:
    return [[t.text for t in g] for g in groups]


def test_parse_spaces_mean_and() -> None:
    q = parse_query("党建 迎新")
    assert texts(q.groups) == [["党建"], ["迎新"]]
    assert q.excluded == ()


def test_parse_phrases_keep_spaces_and_fold_quotes() -> None:
    assert texts(parse_query('"党建 引领"').groups) == [["党建 引领"]]
    assert texts(parse_query("“党建 引领”").groups) == [["党建 引领"]]
    assert texts(parse_query('"说""好"').groups) == [['说"好']]
    assert texts(parse_query(quote_term("“最多跑一次”")).groups) == [['"最多跑一次"']]


def test_parse_exclusion_and_or() -> None:
    q = parse_query('党建 迎新 OR 暖心 -"志愿 服务" -疫情')
    assert texts(q.groups) == [["党建"], ["迎新", "暖心"]]
    assert [t.text for t in q.excluded] == ["志愿 服务", "疫情"]
    assert texts(parse_query("a OR b OR c").groups) == [["a", "b", "c"]]


def test_parse_lone_operators_are_literal() -> None:
    assert texts(parse_query("OR").groups) == [["or"]]
    assert texts(parse_query("党建 OR").groups) == [["党建"], ["or"]]
    assert texts(parse_query("OR 党建").groups) == [["or"], ["党建"]]
    assert texts(parse_query("a OR OR b").groups) == [["a"], ["or"], ["or"], ["b"]]
    assert texts(parse_query("a or b").groups) == [["a"], ["or"], ["b"]]
    assert texts(parse_query("-").groups) == [["-"]]
    assert texts(parse_query("2022-10").groups) == [["2022-10"]]
    assert texts(parse_query('党建"引领').groups) == [['党建"引领']]
    for word in ("AND", "NOT", "NEAR", "NEAR(a", "a*", "^a", "title:a", "(a)", "{a}", "+a"):
        assert texts(parse_query(word).groups) == [[normalize(word)]]


def test_parse_errors_are_one_line_chinese_messages() -> None:
    for bad in ('"党建', '党建 "引领 创新', '-"党建', '"a""'):
        with pytest.raises(InvalidInputError) as err:
            parse_query(bad)
        assert "\n" not in str(err.value) and "引号" in str(err.value)
    with pytest.raises(InvalidInputError, match="OR"):
        parse_query("党建 OR -迎新")


def test_parse_empty_and_normalised() -> None:
    assert parse_query("").is_empty
    assert parse_query('   ""  ').is_empty
    assert texts(parse_query("ＰＹＴＨＯＮ　２０２２").groups) == [["python"], ["2022"]]


# --------------------------------------------------------------------------------------------
# Searching


def test_substring_search_is_exact(lib: Lib, sample: dict[str, int]) -> None:
    for phrase in ("党建", "党", "暖心", "迎新", "282项", "82项", "2项", "2022年", "8:00",
                   "1.6万", "python", "ＰＹＴＨＯＮ", "Python编程", "“为民办实事”",
                   '"为民办实事"', "，", "一网通办”。", "决策共谋", "机关党委", "关心关爱",
                   "新生", "万人次", "鑫"):  # fmt: skip
        expected = lib.scan(phrase)
        assert set(lib.ids(quote_term(phrase))) == expected, phrase
    assert sample["trashed"] not in lib.ids("党建")


def test_phrases_do_not_cross_blocks_or_fields(lib: Lib, sample: dict[str, int]) -> None:
    # "…办理手续，" ends one block and "老党员…" starts the next.
    assert lib.ids(quote_term("手续，老党员")) == []
    assert lib.ids(quote_term("手续，")) == [sample["yingxin"]]
    # The title ends with 提升, the unit is 机关党委: no match across fields.
    assert lib.ids(quote_term("提升机关")) == []


def test_single_characters_and_latin(lib: Lib, sample: dict[str, int]) -> None:
    assert set(lib.ids("鑫")) == set()
    assert sample["english"] in lib.ids("Ｐ")
    assert lib.ids("ython编") == [sample["english"]]
    assert lib.ids("２０２２年秋") == [sample["english"]]
    assert lib.ids("2022年秋") == [sample["english"]]


def test_and_or_exclusion(lib: Lib, sample: dict[str, int]) -> None:
    assert set(lib.ids("党建 282项")) == {sample["jiguan"]}
    assert set(lib.ids("迎新 OR 共同缔造")) == {sample["yingxin"], sample["gongtong"]}
    assert set(lib.ids("党员 -党建")) == lib.scan("党员") - lib.scan("党建")
    everything = {r for r, _ in all_segments(lib.conn)}
    assert set(lib.ids("-党建")) == everything - lib.scan("党建")
    assert set(lib.ids("-党")) == set()  # every unit is a 党委
    assert set(lib.ids('"党建 引领"')) == set()


def test_fts_syntax_in_user_input_never_breaks(lib: Lib, sample: dict[str, int]) -> None:
    for query in ("NEAR(党建 引领)", "党建 AND 迎新", "党建 NOT 迎新", "title:党建", "^党建",
                  "党建*", "(党建)", "{title}: 党建", "a + b", "8:00", '"8:00"', "OR OR",
                  "*", ":", "^", "(", ")", "-", "--", "- 党建", "'", "党建''", "\\", "\x00"):  # fmt: skip
        hits = lib.ids(query)
        parsed = parse_query(query)
        expected = {r for r, _ in all_segments(lib.conn)}
        for group in parsed.groups:
            expected &= set().union(*(lib.scan(t.text) for t in group))
        for term in parsed.excluded:
            expected -= lib.scan(term.text)
        assert set(hits) == expected, query


def test_title_hits_rank_above_body_hits(lib: Lib) -> None:
    body_only = lib.add(
        "社区志愿服务纪实",
        ["本学期我们坚持以暖心驿站为平台开展服务，群众很满意。"],
        date="2024-05-01",
    )
    in_title = lib.add("暖心驿站开张了", ["学院开设服务点，为师生提供便利。"], date="2020-01-01")
    assert lib.ids("暖心驿站") == [in_title, body_only]
    hits = search(lib.conn, "暖心驿站", limit=None)
    assert hits[0].score > hits[1].score > 0


def test_tags_rank_above_body(lib: Lib) -> None:
    lib.tag("鹊桥计划")
    body_only = lib.add("学院简讯", ["鹊桥计划正在推进，师生踊跃参加。"], date="2024-05-01")
    tagged = lib.add(
        "学院简讯", ["项目正在推进，师生踊跃参加。"], tags=["鹊桥计划"], date="2020-01-01"
    )
    assert lib.ids("鹊桥计划") == [tagged, body_only]


def test_ties_are_broken_by_date_newest_first(lib: Lib) -> None:
    ids = [
        lib.add("同题报道", ["红烛映初心，教师节慰问退休老同志。"], date=d)
        for d in ("2021-09-10", "2023-09-10", "2022-09-10")
    ]
    hits = search(lib.conn, "红烛映初心", limit=None)
    assert [h.id for h in hits] == [ids[1], ids[2], ids[0]]
    assert len({h.score for h in hits}) == 1


def test_pagination_follows_the_full_order_even_with_many_ties(lib: Lib) -> None:
    ids = [
        lib.add(
            "同题报道", ["红烛映初心，教师节慰问。"], date=f"20{10 + i % 13:02d}-0{1 + i % 9}-15"
        )
        for i in range(60)
    ]
    lib.add("红烛映初心", ["标题命中。"], date="2000-01-01")
    full = lib.ids("红烛映初心")
    assert len(full) == 61 and set(ids) < set(full)
    paged: list[int] = []
    for offset in range(0, 61, 7):
        paged += [h.id for h in search(lib.conn, "红烛映初心", limit=7, offset=offset)]
    assert paged == full
    assert count_hits(lib.conn, "红烛映初心") == 61
    assert search(lib.conn, "红烛映初心", limit=0) == []


def test_count_hits_agrees_with_search(lib: Lib, sample: dict[str, int]) -> None:
    for query, filters in [
        ("党建", None),
        ("-党建", None),
        ("迎新 OR 共同缔造", SearchFilters(kind="case")),
        ("", SearchFilters(tags=["共同缔造"])),
        ("暖心", SearchFilters(trash=True)),
    ]:
        assert count_hits(lib.conn, query, filters) == len(lib.ids(query, filters))


def test_search_ids_are_the_ids_of_search_in_its_order(lib: Lib, sample: dict[str, int]) -> None:
    for query, filters in [
        ("党建", None),
        ("-党建", None),
        ("迎新 OR 共同缔造", SearchFilters(kind="case")),
        ("", SearchFilters(tags=["共同缔造"])),
    ]:
        every = [h.id for h in search(lib.conn, query, filters, limit=None)]
        assert every and search_ids(lib.conn, query, filters) == every
        assert search_ids(lib.conn, query, filters, limit=2, offset=1) == every[1:3]


def test_without_a_query_filters_sort_by_date(lib: Lib, sample: dict[str, int]) -> None:
    hits = search(lib.conn, "", limit=None)
    assert [h.id for h in hits] == [
        sample["yingxin"],
        sample["english"],
        sample["jiguan"],
        sample["gongtong"],
        sample["undated"],
    ]
    assert all(h.score == 0.0 for h in hits)
    assert count_hits(lib.conn, "") == 5


# --------------------------------------------------------------------------------------------
# Filters


def test_tag_filter_includes_descendants_and_aliases(lib: Lib, sample: dict[str, int]) -> None:
    both = {sample["jiguan"], sample["gongtong"]}
    assert set(lib.ids("", SearchFilters(tags=["共同缔造"]))) == both
    assert set(lib.ids("", SearchFilters(tags=["美好环境与幸福生活共同缔造"]))) == both
    assert set(lib.ids("", SearchFilters(tags=["决策共谋"]))) == {sample["jiguan"]}
    assert set(lib.ids("党建", SearchFilters(tags=["共同缔造"]))) == {sample["jiguan"]}
    assert set(lib.ids("", SearchFilters(tags=["暖心"]))) == {sample["yingxin"]}


def test_several_tags_mean_all_and_any_tags_mean_either(lib: Lib, sample: dict[str, int]) -> None:
    assert lib.ids("", SearchFilters(tags=["迎新", "暖心服务"])) == [sample["yingxin"]]
    assert lib.ids("", SearchFilters(tags=["迎新", "共同缔造"])) == []
    either = lib.ids("", SearchFilters(any_tags=["迎新", "决策共谋"]))
    assert set(either) == {sample["yingxin"], sample["jiguan"]}


def test_unit_kind_status_and_dates(lib: Lib, sample: dict[str, int]) -> None:
    cs = {sample["yingxin"], sample["english"]}
    assert set(lib.ids("", SearchFilters(unit="计算机学院"))) == cs
    assert set(lib.ids("", SearchFilters(unit="计算机学院党委"))) == cs
    assert lib.ids("", SearchFilters(kind="story")) == [sample["yingxin"]]
    assert lib.ids("", SearchFilters(kind="暖心故事")) == [sample["yingxin"]]
    assert lib.ids("", SearchFilters(status="已采用")) == [sample["yingxin"]]
    assert lib.ids("", SearchFilters(status="reported")) == [sample["gongtong"]]
    window = SearchFilters(since=dt.date(2022, 1, 1), until=dt.date(2022, 12, 31))
    assert set(lib.ids("", window)) == {sample["jiguan"], sample["english"]}
    assert lib.ids("党建", window) == [sample["jiguan"]]
    assert lib.ids("", SearchFilters(trash=True)) == [sample["trashed"]]
    assert lib.ids("暖心", SearchFilters(trash=True)) == [sample["trashed"]]


def test_unknown_names_raise_with_suggestions(lib: Lib, sample: dict[str, int]) -> None:
    with pytest.raises(NotFoundError, match="共同缔造"):
        search(lib.conn, "党建", SearchFilters(tags=["共同缔"]))
    with pytest.raises(NotFoundError, match="单位"):
        search(lib.conn, "", SearchFilters(unit="不存在的单位"))
    with pytest.raises(InvalidInputError, match="类型"):
        search(lib.conn, "", SearchFilters(kind="报告"))
    with pytest.raises(InvalidInputError):
        search(lib.conn, "", SearchFilters(since=dt.date(2023, 1, 1), until=dt.date(2022, 1, 1)))


def test_tag_and_unit_names_are_matched_after_normalising(lib: Lib, sample: dict[str, int]) -> None:
    lib.tag("AI赋能")
    rid = lib.add("智能助手", ["学院用大模型答疑。"], tags=["AI赋能"])
    assert lib.ids("", SearchFilters(tags=["ａｉ赋能"])) == [rid]


def test_filter_clause_is_plain_sql_for_list(lib: Lib, sample: dict[str, int]) -> None:
    where, params = filter_clause(lib.conn, SearchFilters(tags=["共同缔造"], kind="case"))
    rows = lib.conn.execute(
        f"SELECT r.id FROM record r WHERE {where} ORDER BY r.date DESC", params
    ).fetchall()
    assert [r[0] for r in rows] == [sample["jiguan"], sample["gongtong"]]


def test_labels_match_the_models() -> None:
    assert KIND_LABELS == models.KIND_LABELS
    assert STATUS_LABELS == models.STATUS_LABELS


# --------------------------------------------------------------------------------------------
# Results and snippets


def test_hit_fields_and_json(lib: Lib, sample: dict[str, int]) -> None:
    (hit,) = search(lib.conn, "绿色通道")
    assert hit.id == sample["yingxin"]
    assert hit.kind == "story" and hit.status == "adopted"
    assert hit.unit == "计算机学院党委"
    assert hit.date == dt.date(2023, 9, 1)
    assert hit.tags == ["迎新", "关心关爱"]  # in the order given
    data = hit.to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["snippet"]["field"] == "body"


def test_snippet_offsets(lib: Lib, sample: dict[str, int]) -> None:
    (hit,) = search(lib.conn, "２８２项 一网通办", snippet_chars=30)
    body = "\n".join(
        [
            "一、基本情况",
            "机关党委坚持党建引领，围绕“为民办实事”，共梳理服务事项282项，实现“一网通办”。",
            "二、主要做法",
            "党员先锋岗每天8:00到岗，2022年共接待师生1.6万人次。",
        ]
    )
    assert hit.snippet_field == "body"
    marked = {normalize(hit.snippet[s:e]) for s, e in hit.highlights}
    assert marked == {"282项", "一网通办"}
    assert {body[s:e] for s, e in hit.field_highlights} == {"282项", "一网通办"}
    for (s, e), (fs, fe) in zip(hit.highlights, hit.field_highlights, strict=True):
        assert hit.snippet[s:e] == body[fs:fe].replace("\n", " ")
    assert hit.snippet.startswith("…")
    assert body[hit.snippet_start : hit.snippet_start + 5] == hit.snippet[1:6]


def test_title_highlights_and_title_snippet(lib: Lib, sample: dict[str, int]) -> None:
    (hit,) = search(lib.conn, "少跑腿")
    assert [hit.title[s:e] for s, e in hit.title_highlights] == ["少跑腿"]
    assert hit.snippet_field == "title"
    hits = search(lib.conn, "计算机学院党委")
    unit_hit = next(h for h in hits if h.id == sample["yingxin"])
    assert unit_hit.snippet_field == "unit"


def test_snippet_without_query_is_the_start_of_the_text(lib: Lib, sample: dict[str, int]) -> None:
    hits = search(lib.conn, "", SearchFilters(unit="机关"))
    jiguan = next(h for h in hits if h.id == sample["jiguan"])
    assert jiguan.snippet_field == "summary"
    assert jiguan.snippet == "机关党委以党建引领优化服务流程。"
    assert jiguan.highlights == []


# --------------------------------------------------------------------------------------------
# Keeping the index in step


def test_reindex_follows_edits_and_deletes(lib: Lib, sample: dict[str, int]) -> None:
    rid = sample["gongtong"]
    body = json.dumps([{"type": "paragraph", "text": "改写后的正文：红色教育基地。"}])
    lib.conn.execute("UPDATE record SET body = ? WHERE id = ?", (body, rid))
    assert check_index(lib.conn) != []
    reindex_records(lib.conn, [rid])
    assert lib.ids("红色教育基地") == [rid]
    assert rid not in lib.ids("居民议事会")
    assert rid in lib.ids("共同缔造")  # still in the title and tags
    lib.conn.execute("DELETE FROM record_tag WHERE record_id = ?", (rid,))
    lib.conn.execute("DELETE FROM record WHERE id = ?", (rid,))
    reindex_records(lib.conn, [rid])
    assert rid not in lib.ids("共同缔造")
    assert check_index(lib.conn) == []


def test_renamed_tag_is_searchable_after_reindex(lib: Lib, sample: dict[str, int]) -> None:
    lib.conn.execute("UPDATE tag SET name = '新时代迎新' WHERE name = '迎新'")
    reindex_records(lib.conn, [sample["yingxin"]])
    assert lib.ids("新时代迎新") == [sample["yingxin"]]


def test_reindex_skips_unchanged_records(lib: Lib, sample: dict[str, int]) -> None:
    before = lib.conn.execute(f"SELECT block FROM {FTS_TABLE}_data").fetchall()
    reindex_records(lib.conn, list(sample.values()))
    after = lib.conn.execute(f"SELECT block FROM {FTS_TABLE}_data").fetchall()
    assert before == after


def test_check_index_finds_damage_and_rebuild_fixes_it(lib: Lib, sample: dict[str, int]) -> None:
    conn = lib.conn
    assert check_index(conn) == []
    # Missing: the source row of one record is gone.
    conn.execute(f"DELETE FROM {SRC_TABLE} WHERE id = ?", (sample["jiguan"],))
    # Stale: a record changed behind the index's back.
    conn.execute("UPDATE record SET title = '改过的标题' WHERE id = ?", (sample["english"],))
    # Orphan: an index row for a record that does not exist.
    conn.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, title, tags, unit, summary, body) VALUES (999, ?, '', '', '', '')",
        (segment_tokens("幽灵"),),
    )
    problems = check_index(conn)
    text = "\n".join(problems)
    assert "缺少" in text and str(sample["jiguan"]) in text
    assert "过期" in text and str(sample["english"]) in text
    assert "999" in text
    assert problems[-1].endswith("reindex 重建全文索引")
    assert rebuild_index(conn) == len(sample)
    assert check_index(conn) == []
    assert lib.ids("改过的标题") == [sample["english"]]
    assert lib.ids("幽灵") == []


def test_check_index_finds_a_corrupted_fts_table(lib: Lib, sample: dict[str, int]) -> None:
    conn = lib.conn
    conn.execute(
        f"UPDATE {FTS_TABLE}_docsize SET sz = x'0101010101' WHERE id = ?", (sample["jiguan"],)
    )
    problems = check_index(conn)
    assert any(str(sample["jiguan"]) in p for p in problems)
    conn.execute(f"DELETE FROM {FTS_TABLE}_data WHERE id > 10")
    assert any("损坏" in p for p in check_index(conn))
    rebuild_index(conn)
    assert check_index(conn) == []
    assert set(lib.ids("党建")) == lib.scan("党建")


def test_check_index_on_a_library_without_an_index(lib: Lib) -> None:
    lib.conn.execute(f"DROP TABLE {FTS_TABLE}")
    assert "reindex" in check_index(lib.conn)[0]
    with pytest.raises(Exception, match="reindex"):
        search(lib.conn, "党建")


def test_rebuild_is_atomic_on_a_plain_connection(tmp_path: Any) -> None:
    path = tmp_path / "lib.db"
    library, _ = Library.init(str(path))
    library.engine.dispose()
    conn = sqlite3.connect(path)  # no pragmas, no ORM: rebuilding must still be atomic
    try:
        with conn:
            assert rebuild_index(conn) == 0
        assert check_index(conn) == []
        assert not conn.in_transaction  # check_index leaves no transaction open
    finally:
        conn.close()


def test_index_size(lib: Lib, sample: dict[str, int]) -> None:
    size = index_size_bytes(lib.conn)
    assert size > 0
    names = [f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize", SRC_TABLE]
    assert _estimated_size(lib.conn, names) > 0


def test_record_segments_define_the_scanned_text() -> None:
    body = json.dumps([{"type": "paragraph", "text": "Ａ１"}, {"type": "heading", "text": "“b”"}])
    assert record_segments("标题", ["乙", "甲", ""], "单位", None, body) == (
        ["标题"],
        ["乙", "甲"],  # sorted: the order of tags does not matter to the index
        ["单位"],
        [],
        ["a1", '"b"'],
    )


def test_search_module_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, caselib.search, caselib.store.sqlite_backend\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', "
        "'pydantic', 'typer', 'rich')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
