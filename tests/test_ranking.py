"""Ranking by example: text evidence, the explained score, penalties, filters, quotas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from caselib.choose.ranking import RankFilter, load_inputs, rank
from caselib.choose.reviews import add_review
from caselib.choose.scoring import (
    TERM_LABELS,
    TERM_NAMES,
    RankInput,
    ReviewInput,
    freshness,
    rank_records,
    review_percentiles,
    score_records,
    select_records,
)
from caselib.errors import InvalidInputError, NotFoundError
from caselib.store.config import default_config, parse_config
from caselib.store.tables import NearDuplicate, Report
from caselib.text import evidence
from caselib.text.blocks import Block
from tests.test_reviews import (
    FIVE_PARTS,
    RUBRIC,
    STORY_TEXT,
    Lib,
    scores,
    seed_case_blocks,
)

CONFIG = default_config()
REF = dt.date(2022, 10, 31)
SEED_TITLE = "机关党委：党建引领聚合力 “共同缔造”暖人心"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path / "caselib.db")
    yield library
    library.close()


# ---------------------------------------------------------------------------------------------
# Evidence


def test_quantities_in_the_seed_case() -> None:
    text = "\n".join(b.text for b in seed_case_blocks())
    assert evidence.find_quantities(text) == ["282项", "217项", "280项", "5个", "3次", "60余名"]


def test_quantities_with_units_percent_money_and_full_width_digits() -> None:
    text = (
        "新拓岗位620余个，去向落实率达92.3%，发放补助1.2万元，累计1,860余件；"
        "满意率提高了17个百分点，共有１２名教师参加，８５％的学生满意。"
    )
    assert evidence.find_quantities(text) == [
        "620余个",
        "92.3%",
        "1.2万元",
        "1,860余件",
        "17个百分点",
        "12名",
        "85%",
    ]


def test_dates_ordinals_and_chinese_numerals_are_not_quantities() -> None:
    text = "第13期简报、第 3 次会议于2022年10月20日召开，“三个清单”“六个一”项目，2022.10 起实施。"
    assert evidence.find_quantities(text) == []


def test_concrete_dates() -> None:
    text = (
        "2022 年 10 月 20 日印发。8月26日，60余名干部参加劳动；8月27日和9月3日两次下沉。"
        "截至2022-06-30，完成58项；13月5日与2月30日不是日期，2月29日可能是。"
    )
    assert evidence.find_dates(text) == [
        "2022年10月20日",
        "8月26日",
        "8月27日",
        "9月3日",
        "2月29日",
        "2022年6月30日",
    ]


def test_headings_explicit_or_recognised_in_bare_paragraphs() -> None:
    assert evidence.count_headings(seed_case_blocks()) == 3
    bare = [Block.paragraph(b.text) for b in seed_case_blocks()]
    assert evidence.count_headings(bare) == 3  # short lines without final punctuation
    numbered = [
        Block.paragraph("一、问需于师生，共谋改什么"),
        Block.paragraph("3月22日，机关党委召开专项行动动员会，19个机关党支部逐一认领联系学院。"),
        Block.paragraph("（一）走出去摸清堵点"),
        Block.paragraph("行动启动后一个月内，机关党员干部先后走访14个学院。"),
    ]
    assert evidence.count_headings(numbered) == 2
    assert evidence.count_headings([Block.paragraph(STORY_TEXT)]) == 0


def test_length_fit_is_one_inside_the_guideline_and_falls_off_outside() -> None:
    assert evidence.length_fit(3000, 1500, 5000) == 1.0
    assert evidence.length_fit(1500, 1500, 5000) == 1.0
    assert evidence.length_fit(750, 1500, 5000) == 0.5
    assert evidence.length_fit(10000, 1500, 5000) == 0.5
    assert evidence.length_fit(0, 1500, 5000) == 0.0
    assert evidence.text_length("党建 引领\n聚合力\u3000") == 7


def test_theme_coverage_by_tags_and_text() -> None:
    seed_text = "\n".join(b.text for b in seed_case_blocks())
    assert evidence.theme_parts_covered([], seed_text, FIVE_PARTS) == FIVE_PARTS
    assert evidence.theme_parts_covered(["共同缔造"], "开展经典诵读", FIVE_PARTS) == ()
    assert evidence.theme_parts_covered(["决策共谋", "就业"], "成果共享", FIVE_PARTS) == (
        "决策共谋",
        "成果共享",
    )


# ---------------------------------------------------------------------------------------------
# The explained score


def _seed_library(lib: Lib) -> dict[str, int]:
    ids = {
        "seed": lib.record(
            SEED_TITLE,
            "机关党委",
            body=seed_case_blocks(),
            tags=["共同缔造", "党建引领力"],
            date=dt.date(2022, 10, 20),
        ),
        "story": lib.record(
            "机关党委：回迁路上的“红马甲”",
            "机关党委",
            kind="story",
            body=STORY_TEXT,
            tags=["成果共享"],
            date=dt.date(2022, 8, 26),
        ),
        "thin": lib.record(
            "文学院党委：经典诵读进社区",
            "文学院党委",
            body="文学院党委组织师生走进社区开展经典诵读活动，受到居民欢迎。",
            tags=["党建凝聚力"],
            date=dt.date(2021, 3, 1),
        ),
        "jobs": lib.record(
            "计算机与信息工程学院党委：书记访企拓岗搭桥梁 校企共建促就业",
            "计算机与信息工程学院党委",
            body=[
                Block.heading("一、领导带头，把访企拓岗作为“一把手工程”"),
                Block.paragraph(
                    "5月18日，学院党委召开就业工作专题会，班子成员每人联系1个专业、包保2个毕业班。"
                    "3月至8月，学院领导班子带队走访企业47家，新开拓就业岗位620余个。"
                ),
                Block.heading("二、支部联建，校企携手共建育人平台"),
                Block.paragraph(
                    "学院党委推动7个教工党支部、5个学生党支部与12家企业党组织签订共建协议，"
                    "在发展共建中共建实习实践基地9个，2022届毕业生去向落实率达92.3%。"
                ),
            ],
            tags=["发展共建", "党建服务力"],
            date=dt.date(2022, 5, 18),
        ),
    }
    for key, s in (
        ("seed", (5, 5, 4, 5, 5)),
        ("story", (4, 4, 3, 4, 4)),
        ("jobs", (4, 3, 3, 4, 3)),
    ):
        add_review(lib.session, ids[key], "张明", scores(*s), None, RUBRIC)
    add_review(lib.session, ids["seed"], "李华", scores(3, 3, 3, 3, 3), None, RUBRIC)
    add_review(lib.session, ids["jobs"], "李华", scores(2, 2, 2, 2, 2), None, RUBRIC)
    return ids


def test_every_term_is_shown_and_contributions_sum_to_the_score(lib: Lib) -> None:
    _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG)
    assert len(ranking) == 4
    for rec in ranking:
        assert tuple(t.name for t in rec.terms) == TERM_NAMES
        for t in rec.terms:
            assert 0.0 <= t.value <= 1.0
            assert t.weight == getattr(CONFIG.weights, t.name)
            assert t.contribution == pytest.approx(t.value * t.weight)
        assert abs(sum(t.contribution for t in rec.terms) - rec.score) < 1e-6
    assert set(TERM_LABELS) == set(TERM_NAMES)


def test_seed_case_terms(lib: Lib) -> None:
    ids = _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG)
    seed = next(r for r in ranking if r.id == ids["seed"])
    assert seed.rank == 1
    assert seed.term("figures").value == pytest.approx(6 / 8)  # 282/217/280 项, 5个, 3次, 60余名
    assert seed.term("dates").value == pytest.approx(3 / 4)  # 8月26日, 8月27日, 9月3日
    assert seed.term("structure").value == 1.0  # three headings
    assert seed.term("length").value == 1.0
    assert seed.term("theme").value == 1.0  # all five 共 named in the text
    assert seed.term("freshness").value == pytest.approx(0.5 ** (11 / 180))
    # Top of 张明's three reviews (5/6) and top of 李华's two (3/4).
    assert seed.term("reviews").value == pytest.approx((5 / 6 + 3 / 4) / 2)
    assert seed.review_count == 2
    top = RUBRIC.weighted_mean(scores(5, 5, 4, 5, 5))
    assert top is not None
    assert seed.review_mean == pytest.approx((top + 3) / 2)
    assert seed.term("reviews").explain() == "评审 0.79 × 10 = +7.92"


def test_to_json_shape(lib: Lib) -> None:
    _seed_library(lib)
    data = rank(lib.session, reference_date=REF, config=CONFIG, top=2).to_json()
    first = data["records"][0]
    for key in ("id", "title", "unit", "score", "selected", "reason", "terms"):
        assert key in first
    assert first["title"] == SEED_TITLE
    assert first["unit"] == "机关党委"
    assert first["selected"] is True
    assert set(first["terms"][0]) == {"name", "value", "weight", "contribution"}
    assert data["warnings"] == []


def test_unreviewed_records_rank_on_the_other_terms_and_are_marked(lib: Lib) -> None:
    ids = _seed_library(lib)
    thin = next(
        r for r in rank(lib.session, reference_date=REF, config=CONFIG) if r.id == ids["thin"]
    )
    assert thin.unreviewed
    assert thin.term("reviews").value == 0.0
    assert thin.review_mean is None
    assert thin.score == pytest.approx(
        sum(t.contribution for t in thin.terms if t.name != "reviews")
    )


def test_weights_come_from_the_config(lib: Lib) -> None:
    ids = _seed_library(lib)
    text_only = parse_config("[weights]\nreviews = 0\nfreshness = 0\n")
    ranking = rank(lib.session, reference_date=REF, config=text_only)
    assert all(r.term("reviews").contribution == 0 for r in ranking)
    # On text evidence alone the structured job case beats the one-line note.
    order = [r.id for r in ranking]
    assert order.index(ids["jobs"]) < order.index(ids["thin"])


def test_freshness_is_deterministic_and_bounded() -> None:
    ref = dt.date(2022, 10, 31)
    assert freshness(ref, ref, 180) == 1.0
    assert freshness(dt.date(2022, 12, 1), ref, 180) == 1.0  # after the reference date
    assert freshness(ref - dt.timedelta(days=180), ref, 180) == pytest.approx(0.5)
    assert freshness(ref - dt.timedelta(days=360), ref, 180) == pytest.approx(0.25)
    assert freshness(None, ref, 180) == 0.0


def test_reported_before_is_penalised(lib: Lib) -> None:
    ids = _seed_library(lib)
    before = {r.id: r for r in rank(lib.session, reference_date=REF, config=CONFIG)}
    lib.session.add(Report(record_id=ids["seed"], to="省委教育工委", date=dt.date(2022, 10, 25)))
    lib.session.flush()
    after = {r.id: r for r in rank(lib.session, reference_date=REF, config=CONFIG)}
    assert after[ids["seed"]].term("reported").value == 1.0
    assert after[ids["seed"]].score == pytest.approx(before[ids["seed"]].score - 3.0)
    assert after[ids["story"]].term("reported").value == 0.0


def test_only_the_lower_copy_of_a_near_duplicate_is_penalised(lib: Lib) -> None:
    ids = _seed_library(lib)
    copy = lib.record(
        "机关党委：党建引领聚合力 “共同缔造”暖人心（重报）",
        "机关党委",
        body=seed_case_blocks(),
        tags=["共同缔造"],
        date=dt.date(2022, 10, 20),
    )
    lib.session.add(NearDuplicate(record_id=copy, other_id=ids["seed"], similarity=0.93))
    lib.session.flush()
    ranking = {r.id: r for r in rank(lib.session, reference_date=REF, config=CONFIG)}
    assert ranking[ids["seed"]].term("duplicate").value == 0.0
    assert ranking[copy].term("duplicate").value == pytest.approx(0.93)
    assert ranking[copy].term("duplicate").contribution == pytest.approx(-4.65)
    assert ranking[copy].rank > ranking[ids["seed"]].rank


def test_ties_break_by_date_then_id() -> None:
    cfg = parse_config(
        "[weights]\nreviews = 0\nfigures = 0\ndates = 0\nstructure = 0\nlength = 0\n"
        "theme = 0\nfreshness = 0\n"
    )
    inputs = [
        RankInput(3, "甲", "机关党委", dt.date(2022, 5, 1)),
        RankInput(1, "乙", "文学院党委", dt.date(2022, 5, 1)),
        RankInput(2, "丙", "文学院党委", dt.date(2022, 9, 1)),
        RankInput(4, "丁", "文学院党委", None),
    ]
    ranked = score_records(inputs, cfg, REF)
    assert [r.id for r in ranked] == [2, 1, 3, 4]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_single_review_or_identical_scores_fall_back_to_the_midpoint() -> None:
    reviews = [
        (1, ReviewInput("张明", scores(5, 5, 5, 5, 5))),  # 张明's only review
        (2, ReviewInput("李华", scores(2, 2, 2, 2, 2))),
        (3, ReviewInput("李华", scores(2, 2, 2, 2, 2))),  # 李华 never varies
        (4, ReviewInput("王芳", scores(2, 2, 2, 2, 2))),
        (5, ReviewInput("王芳", scores(4, 4, 4, 4, 4))),
    ]
    p = review_percentiles(reviews, CONFIG)
    assert [p[i][0][0] for i in (1, 2, 3, 4, 5)] == [0.5, 0.5, 0.5, 0.25, 0.75]


def test_reviews_outside_the_filter_still_calibrate_the_reviewer(lib: Lib) -> None:
    ids = _seed_library(lib)
    whole = {r.id: r for r in rank(lib.session, reference_date=REF, config=CONFIG)}
    only_cases = {
        r.id: r for r in rank(lib.session, reference_date=REF, config=CONFIG, kind="case")
    }
    assert ids["story"] not in only_cases
    for rid in only_cases:
        assert only_cases[rid].term("reviews").value == whole[rid].term("reviews").value


# ---------------------------------------------------------------------------------------------
# Filters and loading


def test_filters(lib: Lib) -> None:
    ids = _seed_library(lib)
    gone = lib.record("机关党委：已删除的案例", "机关党委", trashed=True, tags=["决策共谋"])

    def ranked(**kw: object) -> set[int]:
        return {r.id for r in rank(lib.session, reference_date=REF, config=CONFIG, **kw)}  # type: ignore[arg-type]

    assert gone not in ranked()
    assert ranked(kind="story") == {ids["story"]}
    assert ranked(unit="机关党委") == {ids["seed"], ids["story"]}
    # 共同缔造 includes the tags under it (成果共享, 发展共建).
    assert ranked(tag="共同缔造") == {ids["seed"], ids["story"], ids["jobs"]}
    assert ranked(since=dt.date(2022, 6, 1)) == {ids["seed"], ids["story"]}
    assert ranked(until=dt.date(2021, 12, 31)) == {ids["thin"]}
    assert ranked(statuses=("submitted",)) == {ids["thin"]}


def test_bad_filters(lib: Lib) -> None:
    _seed_library(lib)
    with pytest.raises(NotFoundError, match="单位不存在：机关党（您是否要找：机关党委"):
        rank(lib.session, reference_date=REF, config=CONFIG, unit="机关党")
    with pytest.raises(NotFoundError, match="标签不存在：决策共某"):
        rank(lib.session, reference_date=REF, config=CONFIG, tag="决策共某")
    with pytest.raises(InvalidInputError, match="未知的类型“news”"):
        rank(lib.session, reference_date=REF, config=CONFIG, kind="news")
    with pytest.raises(InvalidInputError, match="晚于截止日期"):
        rank(
            lib.session,
            reference_date=REF,
            config=CONFIG,
            since=dt.date(2022, 10, 1),
            until=dt.date(2022, 1, 1),
        )


def test_loading_uses_a_fixed_number_of_queries(lib: Lib) -> None:
    """No N+1: the query count does not grow with the number of records."""

    def count_queries(n_extra: int) -> int:
        for i in range(n_extra):
            rid = lib.record(
                f"生命科学学院党委：实验室安全共建共管（{i}）",
                "生命科学学院党委",
                body="2022年9月，学院党委组织12个党支部开展实验室安全检查。",
                tags=["建设共管"],
            )
            add_review(lib.session, rid, "张明", scores(3, 4, 3, 4, 3), None, RUBRIC)
            lib.session.add(Report(record_id=rid, to="省委教育工委", date=dt.date(2022, 10, 1)))
        lib.session.flush()
        statements: list[str] = []
        # the loader runs plain SQL on the session's own sqlite3 connection: trace that
        raw = lib.session.connection().connection.driver_connection
        raw.set_trace_callback(statements.append)
        try:
            inputs, _ = load_inputs(lib.session, RankFilter())
        finally:
            raw.set_trace_callback(None)
        assert inputs
        return len(statements)

    _seed_library(lib)
    small = count_queries(1)
    large = count_queries(40)
    assert 5 <= small == large <= 7


# ---------------------------------------------------------------------------------------------
# Selection under quotas


def test_per_unit_quota_skips_with_a_chinese_reason(lib: Lib) -> None:
    ids = _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG, per_unit=1)
    by_id = {r.id: r for r in ranking}
    assert by_id[ids["seed"]].selected
    assert by_id[ids["seed"]].reason == "入选（第 1 项）"
    assert not by_id[ids["story"]].selected
    assert by_id[ids["story"]].reason == "跳过：机关党委已达名额（1）"
    assert by_id[ids["jobs"]].selected and by_id[ids["thin"]].selected


def test_per_tag_quota_counts_every_tag_of_a_record() -> None:
    inputs = [
        RankInput(1, "甲", "机关党委", dt.date(2022, 9, 3), tags=("决策共谋", "党建服务力")),
        RankInput(2, "乙", "文学院党委", dt.date(2022, 9, 2), tags=("党建服务力",)),
        RankInput(3, "丙", "历史文化学院党委", dt.date(2022, 9, 1), tags=("决策共谋", "就业")),
        RankInput(4, "丁", "生命科学学院党委", dt.date(2022, 8, 1), tags=("就业",)),
    ]
    ranking = rank_records(inputs, CONFIG, REF, per_tag=1)
    reasons = {r.id: r.reason for r in ranking}
    assert reasons == {
        1: "入选（第 1 项）",
        2: "跳过：标签“党建服务力”已达名额（1）",
        3: "跳过：标签“决策共谋”已达名额（1）",
        4: "入选（第 2 项）",
    }


def test_top_n(lib: Lib) -> None:
    _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG, top=2)
    assert [r.selected for r in ranking] == [True, True, False, False]
    assert ranking[3].reason == "跳过：已选满 2 项"
    assert ranking.warnings == []
    assert [r.id for r in ranking.selected] == [ranking[0].id, ranking[1].id]


def test_top_larger_than_the_pool_returns_all_with_a_warning(lib: Lib) -> None:
    _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG, top=10)
    assert all(r.selected for r in ranking)
    assert ranking.warnings == ["候选记录只有 4 条，少于要求的 10 条，已全部参与选择"]


def test_quotas_leaving_top_short_are_reported(lib: Lib) -> None:
    _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG, top=4, per_unit=1)
    assert len(ranking.selected) == 3
    assert ranking.warnings == ["受名额限制，只选出 3 项（要求 4 项）"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"top": 0}, "入选数量必须是正整数（收到 0）"),
        ({"per_unit": 0}, "每个单位的名额必须是正整数（收到 0）"),
        ({"per_tag": -2}, "每个标签的名额必须是正整数（收到 -2）"),
    ],
)
def test_zero_or_negative_quota_is_refused(lib: Lib, kw: dict[str, int], message: str) -> None:
    _seed_library(lib)
    with pytest.raises(InvalidInputError) as err:
        rank(lib.session, reference_date=REF, config=CONFIG, **kw)  # type: ignore[arg-type]
    assert str(err.value) == message
    with pytest.raises(InvalidInputError):
        select_records([], **kw)


def test_no_limits_selects_everything(lib: Lib) -> None:
    _seed_library(lib)
    ranking = rank(lib.session, reference_date=REF, config=CONFIG)
    assert all(r.selected for r in ranking)
    assert ranking.warnings == []


def test_empty_library_ranks_to_nothing(lib: Lib) -> None:
    ranking = rank(lib.session, reference_date=REF, config=CONFIG, top=3)
    assert len(ranking) == 0
    assert ranking.warnings == ["候选记录只有 0 条，少于要求的 3 条，已全部参与选择"]
