"""Reviews: scoring against the rubric, supersession, refusals.

Also home of ``Lib``, the small builder the review/ranking/tracking/stats tests share: a temp
SQLite library made by ``Library.init`` and realistic Chinese records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlmodel import Session, select

from caselib.choose.reviews import add_review, list_reviews
from caselib.errors import InvalidInputError, NotFoundError
from caselib.store.config import default_config
from caselib.store.library import Library
from caselib.store.tables import Record, RecordTag, Review, Tag, Unit
from caselib.text.blocks import Block, blocks_to_json
from tests.conftest import Cli, need_seed

FIVE_PARTS = ("决策共谋", "发展共建", "建设共管", "效果共评", "成果共享")
SEED_HEADINGS = (
    "身入心至下基层，提升党建引领力",
    "把脉问诊促发展，提升党建服务力",
    "解难纾困暖民心，提升党建凝聚力",
)


def seed_case_blocks() -> list[Block]:
    """The seed bulletin's case (机关党委：党建引领聚合力 “共同缔造”暖人心) as blocks: its three
    section headings and its paragraphs, PDF line breaks after "，" joined."""
    lines = [ln.strip() for ln in need_seed().read_text("utf-8").splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("机关党委：")) + 1
    end = next(i for i, ln in enumerate(lines) if ln.startswith("报："))
    blocks: list[Block] = []
    pending = ""
    for ln in lines[start:end]:
        if ln in SEED_HEADINGS:
            blocks.append(Block.heading(ln))
            continue
        pending += ln
        if not ln.endswith("，"):
            blocks.append(Block.paragraph(pending))
            pending = ""
    if pending:
        blocks.append(Block.paragraph(pending))
    return blocks


STORY_TEXT = (
    "8月26日清晨，阳逻校区学生回迁的第一天，机关党委60余名党员干部早早来到宿舍区。"
    "财务处的李老师和同事们帮一位腿脚受伤的同学把4箱行李搬上了6楼，又陪他去医务室换药。"
    "8月27日，志愿者们在迎新现场核查健康码、维护秩序，累计服务新生和家长1200余人次。"
    "9月3日，这位同学所在的生命科学学院专程送来感谢信，信中写道：“你们让我们感受到了家的温暖。”"
    "机关党委还把这次服务中发现的3个问题列入问题清单，推动宿舍区增设了2处行李临时存放点。"
)


class Lib:
    """A fresh library in a temp SQLite file, made by caselib itself (``Library.init``: its
    schema, index and connection settings, foreign keys enforced); rows are created directly,
    as the tests need."""

    def __init__(self, path: Path) -> None:
        self.library, _ = Library.init(str(path))
        self.engine = self.library.engine
        self.session = Session(self.engine)
        # Tests check logic, not durability: without fsync a library is built in milliseconds
        # even when the disk is busy.
        self.session.connection().exec_driver_sql("PRAGMA synchronous = OFF")
        self._units: dict[str, Unit] = {}
        self._tags: dict[str, Tag] = {}
        root = self.tag("共同缔造")
        for part in FIVE_PARTS:
            self.tag(part, parent=root.name)
        for strength in ("党建引领力", "党建服务力", "党建凝聚力"):
            self.tag(strength)

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()

    def unit(self, name: str) -> Unit:
        if name not in self._units:
            unit = Unit(name=name)
            self.session.add(unit)
            self.session.flush()
            self._units[name] = unit
        return self._units[name]

    def tag(self, name: str, parent: str | None = None) -> Tag:
        if name not in self._tags:
            parent_id = self.tag(parent).id if parent else None
            tag = Tag(name=name, parent_id=parent_id)
            self.session.add(tag)
            self.session.flush()
            self._tags[name] = tag
        return self._tags[name]

    def record(
        self,
        title: str,
        unit: str,
        *,
        kind: str = "case",
        date: dt.date | None = dt.date(2022, 9, 1),
        body: Sequence[Block] | str = (),
        tags: Sequence[str] = (),
        status: str = "submitted",
        trashed: bool = False,
    ) -> int:
        blocks = [Block.paragraph(body)] if isinstance(body, str) else list(body)
        record = Record(
            kind=kind,
            title=title,
            unit_id=self.unit(unit).id,  # type: ignore[arg-type]
            body=blocks_to_json(blocks),
            date=date,
            status=status,
            deleted_at=dt.datetime(2022, 11, 1, tzinfo=dt.UTC) if trashed else None,
        )
        self.session.add(record)
        self.session.flush()
        assert record.id is not None
        for name in tags:
            self.session.add(RecordTag(record_id=record.id, tag_id=self.tag(name).id))  # type: ignore[arg-type]
        self.session.flush()
        return record.id

    def status(self, record_id: int) -> str:
        record = self.session.get(Record, record_id)
        assert record is not None
        self.session.refresh(record)
        return record.status


def scores(*values: float) -> dict[str, float]:
    """Scores in rubric order: 真实性, 典型性, 创新性, 实效性, 可推广性."""
    names = default_config().rubric.names
    assert len(values) == len(names)
    return dict(zip(names, values, strict=True))


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path / "caselib.db")
    yield library
    library.close()


RUBRIC = default_config().rubric


def test_seed_case_blocks_are_realistic() -> None:
    blocks = seed_case_blocks()
    assert [b.text for b in blocks if b.type == "heading"] == list(SEED_HEADINGS)
    assert any("问题清单 282 项" in b.text for b in blocks)
    assert any(
        b.text.startswith("湖北大学机关党委将实践活动") and "成果共享为抓手" in b.text
        for b in blocks
    )


def test_add_review_stores_scores_and_moves_record_to_reviewing(lib: Lib) -> None:
    rid = lib.record(
        "机关党委：党建引领聚合力 “共同缔造”暖人心", "机关党委", body=seed_case_blocks()
    )
    review = add_review(
        lib.session, rid, "张明", scores(5, 4, 3, 5, 4), "数据翔实，可报省级", RUBRIC
    )
    assert review.id is not None
    assert review.scores == scores(5, 4, 3, 5, 4)
    assert review.comment == "数据翔实，可报省级"
    assert review.superseded_at is None
    assert lib.status(rid) == "reviewing"


def test_several_reviewers_each_have_one_current_review(lib: Lib) -> None:
    rid = lib.record("机关党委：“办事少跑腿”清单化推进", "机关党委")
    add_review(lib.session, rid, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    add_review(lib.session, rid, "李华", scores(3, 3, 3, 3, 3), None, RUBRIC)
    add_review(lib.session, rid, "王芳", scores(5, 5, 4, 5, 5), "", RUBRIC)
    current = list_reviews(lib.session, rid)
    assert [r.reviewer for r in current] == ["张明", "李华", "王芳"]
    assert current[2].comment is None  # an empty comment is no comment


def test_re_review_supersedes_and_keeps_history(lib: Lib) -> None:
    rid = lib.record("计算机与信息工程学院党委：书记访企拓岗搭桥梁", "计算机与信息工程学院党委")
    t1 = dt.datetime(2022, 10, 8, 9, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2022, 10, 12, 15, 30, tzinfo=dt.UTC)
    first = add_review(lib.session, rid, "张明", scores(3, 3, 3, 3, 3), "初评", RUBRIC, now=t1)
    second = add_review(
        lib.session, rid, "张明", scores(4, 4, 3, 5, 4), "补充材料后复评", RUBRIC, now=t2
    )
    lib.session.refresh(first)
    assert first.superseded_at == t2
    assert second.superseded_at is None
    assert [r.id for r in list_reviews(lib.session, rid)] == [second.id]
    history = list_reviews(lib.session, rid, include_history=True)
    assert [r.comment for r in history] == ["初评", "补充材料后复评"]
    current = lib.session.exec(
        select(Review).where(Review.record_id == rid, Review.superseded_at == None)  # noqa: E711
    ).all()
    assert len(current) == 1


def test_reviewer_name_is_trimmed_so_re_review_matches(lib: Lib) -> None:
    rid = lib.record("文学院党委：经典诵读进社区", "文学院党委")
    add_review(lib.session, rid, "张明", scores(3, 3, 3, 3, 3), None, RUBRIC)
    add_review(lib.session, rid, " 张明 ", scores(4, 4, 4, 4, 4), None, RUBRIC)
    assert len(list_reviews(lib.session, rid)) == 1


def test_review_of_unknown_record_is_refused(lib: Lib) -> None:
    with pytest.raises(NotFoundError, match="记录不存在：999"):
        add_review(lib.session, 999, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    with pytest.raises(NotFoundError, match="记录不存在：999"):
        list_reviews(lib.session, 999)


def test_unknown_criterion_is_refused_with_a_suggestion(lib: Lib) -> None:
    rid = lib.record("机关党委：党建引领聚合力", "机关党委")
    bad = {**scores(4, 4, 4, 4, 4), "新颖性": 4.0}
    with pytest.raises(InvalidInputError) as err:
        add_review(lib.session, rid, "张明", bad, None, RUBRIC)
    assert str(err.value).startswith("未知的评分项“新颖性”")
    assert "\n" not in str(err.value)
    assert list_reviews(lib.session, rid) == []


@pytest.mark.parametrize("value", [0, 5.5, 6, -1])
def test_out_of_scale_score_is_refused(lib: Lib, value: float) -> None:
    rid = lib.record("机关党委：党建引领聚合力", "机关党委")
    with pytest.raises(InvalidInputError, match="超出范围（1–5 分）"):
        add_review(lib.session, rid, "张明", scores(4, 4, value, 4, 4), None, RUBRIC)


def test_scale_ends_and_half_points_are_accepted(lib: Lib) -> None:
    rid = lib.record("机关党委：党建引领聚合力", "机关党委")
    review = add_review(lib.session, rid, "张明", scores(1, 5, 3.5, 4.5, 2), None, RUBRIC)
    assert review.scores["创新性"] == 3.5


def test_partial_scores_and_bad_numbers(lib: Lib) -> None:
    rid = lib.record("机关党委：党建引领聚合力", "机关党委")
    partial = scores(4, 4, 4, 4, 4)
    del partial["可推广性"]
    review = add_review(lib.session, rid, "张明", partial, None, RUBRIC)
    assert set(review.scores) == {"真实性", "典型性", "创新性", "实效性"}
    with pytest.raises(InvalidInputError, match="请至少给出一个评分项"):
        add_review(lib.session, rid, "张明", {}, None, RUBRIC)
    with pytest.raises(InvalidInputError, match="不是有效数字"):
        add_review(lib.session, rid, "张明", scores(4, 4, float("nan"), 4, 4), None, RUBRIC)
    with pytest.raises(InvalidInputError, match="评审人不能为空"):
        add_review(lib.session, rid, "  ", scores(4, 4, 4, 4, 4), None, RUBRIC)


def test_reviewing_a_trashed_record_is_refused(lib: Lib) -> None:
    rid = lib.record("文学院党委：已删除的案例", "文学院党委", trashed=True)
    with pytest.raises(InvalidInputError, match="在回收站中，不能评审"):
        add_review(lib.session, rid, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)


def test_review_does_not_move_a_record_back(lib: Lib) -> None:
    rid = lib.record("机关党委：党建引领聚合力", "机关党委", status="reported")
    add_review(lib.session, rid, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    assert lib.status(rid) == "reported"


def test_custom_rubric_criteria_are_used(lib: Lib) -> None:
    from caselib.store.config import parse_config

    cfg = parse_config(
        "[rubric]\nscale_min = 0\nscale_max = 10\n"
        '[[rubric.criteria]]\nname = "思想性"\nweight = 2\n'
        '[[rubric.criteria]]\nname = "实效性"\nweight = 1\n'
    )
    rid = lib.record("机关党委：党建引领聚合力", "机关党委")
    review = add_review(lib.session, rid, "张明", {"思想性": 9, "实效性": 6}, None, cfg.rubric)
    assert cfg.rubric.weighted_mean(review.scores) == pytest.approx(8.0)
    with pytest.raises(InvalidInputError, match="未知的评分项“真实性”"):
        add_review(lib.session, rid, "张明", {"思想性": 9, "真实性": 6}, None, cfg.rubric)


def test_a_second_review_by_the_same_reviewer_merges_per_criterion(lib: Lib) -> None:
    """张明 first scores all five criteria with a comment; after the unit sends more figures he
    re-scores only 实效性 and 典型性. The other three scores and his comment stay; the first
    review is kept, superseded, in the history."""
    rid = lib.record("后勤集团党委：“菜单共定”让师生吃得更舒心", "后勤集团党委")
    t1 = dt.datetime(2022, 10, 8, 9, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2022, 10, 12, 15, 30, tzinfo=dt.UTC)
    first = add_review(
        lib.session, rid, "张明", scores(5, 3, 4, 3, 4), "做法实在，成效数据偏少", RUBRIC, now=t1
    )
    second = add_review(lib.session, rid, "张明", {"实效性": 5, "典型性": 4}, None, RUBRIC, now=t2)
    assert second.scores == scores(5, 4, 4, 5, 4)
    assert second.comment == "做法实在，成效数据偏少"
    assert RUBRIC.weighted_mean(second.scores) == pytest.approx(
        (5 * 1 + 4 * 1 + 4 * 0.8 + 5 * 1.2 + 4 * 1) / 5.0
    )
    history = list_reviews(lib.session, rid, include_history=True)
    assert [(r.id, r.superseded_at) for r in history] == [(first.id, t2), (second.id, None)]
    assert history[0].scores == scores(5, 3, 4, 3, 4)  # the first review as it was given
    third = add_review(lib.session, rid, "张明", {"创新性": 3}, "补充材料后复评", RUBRIC)
    assert third.scores == scores(5, 4, 3, 5, 4) and third.comment == "补充材料后复评"
    cleared = add_review(lib.session, rid, "张明", {"创新性": 3}, "", RUBRIC)
    assert cleared.comment is None  # an empty comment clears the earlier one
    assert len(list_reviews(lib.session, rid)) == 1


def test_cli_re_review_says_what_it_kept(cli: Cli) -> None:
    body = "10月20日，文学院党委组织经典诵读志愿队走进社区，为120名居民开展诵读活动。"
    cli.ok("add", "--title", "文学院党委：经典诵读进社区", "--unit", "文学院党委", input=body)
    cli.ok("review", "1", "-r", "王老师", "-s", "真实性=5", "-s", "典型性=4", "-c", "故事生动")
    run = cli.ok("review", "1", "-r", "王老师", "-s", "典型性=5")
    assert "沿用上次评审的评分项 真实性与评语" in run.stderr
    current = cli.ok("reviews", "1", "--json").json()
    assert len(current) == 1
    assert current[0]["scores"] == {"真实性": 5.0, "典型性": 5.0}
    assert current[0]["comment"] == "故事生动"
    assert len(cli.ok("reviews", "1", "--history", "--json").json()) == 2
