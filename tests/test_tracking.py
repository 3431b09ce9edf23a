"""Shortlists, reports upward, adoptions, and a record's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from caselib.choose.history import history
from caselib.choose.ranking import rank
from caselib.choose.reviews import add_review
from caselib.choose.shortlists import (
    add_to_shortlist,
    create_shortlist,
    delete_shortlist,
    fill_from_ranking,
    list_shortlists,
    move_in_shortlist,
    remove_from_shortlist,
    reorder_shortlist,
    show_shortlist,
)
from caselib.choose.tracking import (
    add_adoption,
    add_report,
    list_adoptions,
    list_reports,
    mark_declined,
    remove_adoption,
    remove_report,
)
from caselib.errors import ConflictError, InvalidInputError, NotFoundError
from caselib.records import raw_connection
from caselib.store.config import default_config, parse_config
from caselib.store.tables import Bulletin, BulletinRecord, Shortlist
from tests.conftest import SEED, Cli
from tests.test_reviews import RUBRIC, STORY_TEXT, Lib, scores, seed_case_blocks

NAME = "2022年第四季度报送"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path / "caselib.db")
    yield library
    library.close()


@pytest.fixture
def ids(lib: Lib) -> dict[str, int]:
    return {
        "seed": lib.record(
            "机关党委：党建引领聚合力 “共同缔造”暖人心",
            "机关党委",
            body=seed_case_blocks(),
            tags=["共同缔造"],
            date=dt.date(2022, 10, 20),
        ),
        "story": lib.record(
            "机关党委：回迁路上的“红马甲”", "机关党委", kind="story", body=STORY_TEXT
        ),
        "jobs": lib.record(
            "计算机与信息工程学院党委：书记访企拓岗搭桥梁", "计算机与信息工程学院党委"
        ),
        "poem": lib.record("文学院党委：经典诵读进社区", "文学院党委"),
    }


# ---------------------------------------------------------------------------------------------
# Shortlists


def test_create_add_show_list(lib: Lib, ids: dict[str, int]) -> None:
    create_shortlist(lib.session, NAME)
    view = add_to_shortlist(lib.session, NAME, [ids["seed"], ids["jobs"]])
    assert view.record_ids == [ids["seed"], ids["jobs"]]
    assert [e.position for e in view.items] == [1, 2]
    assert view.items[0].title == "机关党委：党建引领聚合力 “共同缔造”暖人心"
    assert view.items[0].unit == "机关党委"
    assert view.items[0].status == "shortlisted"
    assert lib.status(ids["seed"]) == "shortlisted"
    add_to_shortlist(lib.session, NAME, [ids["story"]], position=1)
    assert show_shortlist(lib.session, NAME).record_ids == [ids["story"], ids["seed"], ids["jobs"]]
    summary = list_shortlists(lib.session)
    assert [(s.name, s.count) for s in summary] == [(NAME, 3)]
    assert show_shortlist(lib.session, NAME).to_json()["items"][0]["id"] == ids["story"]


def test_shortlist_names_are_unique_and_non_empty(lib: Lib) -> None:
    create_shortlist(lib.session, NAME)
    with pytest.raises(ConflictError, match="已存在"):
        create_shortlist(lib.session, f" {NAME} ")
    with pytest.raises(InvalidInputError, match="名称不能为空"):
        create_shortlist(lib.session, "  ")


def test_unknown_shortlist_suggests_close_names(lib: Lib, ids: dict[str, int]) -> None:
    create_shortlist(lib.session, NAME)
    with pytest.raises(NotFoundError, match="您是否要找：2022年第四季度报送"):
        show_shortlist(lib.session, "2022年第四季度")
    with pytest.raises(NotFoundError):
        add_to_shortlist(lib.session, "不存在的名单", [ids["seed"]])


def test_adding_twice_unknown_or_trashed_is_refused(lib: Lib, ids: dict[str, int]) -> None:
    create_shortlist(lib.session, NAME)
    add_to_shortlist(lib.session, NAME, [ids["seed"]])
    with pytest.raises(ConflictError, match="已在入围名单"):
        add_to_shortlist(lib.session, NAME, [ids["seed"]])
    with pytest.raises(NotFoundError, match="记录不存在：404"):
        add_to_shortlist(lib.session, NAME, [404])
    gone = lib.record("机关党委：已删除", "机关党委", trashed=True)
    with pytest.raises(InvalidInputError, match="回收站"):
        add_to_shortlist(lib.session, NAME, [gone])
    with pytest.raises(InvalidInputError, match="位置 5 超出范围"):
        add_to_shortlist(lib.session, NAME, [ids["jobs"]], position=5)
    assert show_shortlist(lib.session, NAME).record_ids == [ids["seed"]]


def test_remove_reorder_move(lib: Lib, ids: dict[str, int]) -> None:
    a, b, c, d = ids["seed"], ids["story"], ids["jobs"], ids["poem"]
    add_to_shortlist(lib.session, NAME, [a, b, c, d], create=True)
    assert reorder_shortlist(lib.session, NAME, [c, a]).record_ids == [c, a, b, d]
    assert reorder_shortlist(lib.session, NAME, [d, c, b, a]).record_ids == [d, c, b, a]
    assert move_in_shortlist(lib.session, NAME, a, 2).record_ids == [d, a, c, b]
    view = remove_from_shortlist(lib.session, NAME, [c])
    assert view.record_ids == [d, a, b]
    assert [e.position for e in view.items] == [1, 2, 3]
    with pytest.raises(NotFoundError, match="不在入围名单"):
        remove_from_shortlist(lib.session, NAME, [c])
    with pytest.raises(InvalidInputError, match="不能重复"):
        reorder_shortlist(lib.session, NAME, [a, a])
    with pytest.raises(InvalidInputError, match="超出范围"):
        move_in_shortlist(lib.session, NAME, a, 9)


def test_leaving_the_last_shortlist_restores_the_status(lib: Lib, ids: dict[str, int]) -> None:
    add_review(lib.session, ids["seed"], "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    add_to_shortlist(lib.session, NAME, [ids["seed"], ids["poem"]], create=True)
    add_to_shortlist(lib.session, "校级案例汇编", [ids["seed"]], create=True)
    remove_from_shortlist(lib.session, NAME, [ids["seed"], ids["poem"]])
    assert lib.status(ids["seed"]) == "shortlisted"  # still in 校级案例汇编
    assert lib.status(ids["poem"]) == "submitted"
    delete_shortlist(lib.session, "校级案例汇编")
    assert lib.status(ids["seed"]) == "reviewing"
    assert [s.name for s in list_shortlists(lib.session)] == [NAME]


def test_leaving_a_shortlist_restores_the_status_it_had(lib: Lib) -> None:
    """Statuses read from imported files (评审中 with no review in caselib, 草稿) come back
    when the record leaves its last shortlist, however many shortlists it was in."""
    reviewing = lib.record("图书馆党总支：考场座位共管", "图书馆党总支", status="reviewing")
    draft = lib.record("生命科学学院党委：实验室安全共评", "生命科学学院党委", status="draft")
    add_to_shortlist(lib.session, NAME, [reviewing, draft], create=True)
    add_to_shortlist(lib.session, "校级案例汇编", [reviewing], create=True)
    assert lib.status(reviewing) == lib.status(draft) == "shortlisted"
    remove_from_shortlist(lib.session, NAME, [reviewing, draft])
    assert lib.status(reviewing) == "shortlisted"  # still in 校级案例汇编
    assert lib.status(draft) == "draft"
    add_to_shortlist(lib.session, NAME, [reviewing])  # entered while already shortlisted
    delete_shortlist(lib.session, "校级案例汇编")
    remove_from_shortlist(lib.session, NAME, [reviewing])
    assert lib.status(reviewing) == "reviewing"
    # reviewed while shortlisted: the draft is under review now
    add_to_shortlist(lib.session, NAME, [draft])
    add_review(lib.session, draft, "张明", scores(3, 3, 3, 3, 3), None, RUBRIC)
    delete_shortlist(lib.session, NAME)
    assert lib.status(draft) == "reviewing"


def test_shortlisting_does_not_overwrite_a_later_status(lib: Lib, ids: dict[str, int]) -> None:
    add_report(lib.session, ids["jobs"], "省委教育工委", dt.date(2022, 9, 20))
    add_to_shortlist(lib.session, NAME, [ids["jobs"]], create=True)
    assert lib.status(ids["jobs"]) == "reported"


def test_fill_from_ranking(lib: Lib, ids: dict[str, int]) -> None:
    for key, s in (("seed", 5), ("story", 4), ("jobs", 3), ("poem", 2)):
        add_review(lib.session, ids[key], "张明", scores(s, s, s, s, s), None, RUBRIC)
    ranking = rank(
        lib.session, reference_date=dt.date(2022, 10, 31), config=default_config(), per_unit=1
    )
    chosen = [r.id for r in ranking.selected]
    assert ids["story"] not in chosen  # 机关党委 already has the seed case
    view = fill_from_ranking(lib.session, NAME, chosen)
    assert view.record_ids == chosen
    assert all(lib.status(i) == "shortlisted" for i in chosen)
    again = fill_from_ranking(lib.session, NAME, [*chosen, ids["story"]])  # repeats are skipped
    assert again.record_ids == [*chosen, ids["story"]]


# ---------------------------------------------------------------------------------------------
# Reports and adoptions


def test_report_then_adoption_moves_the_status(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["seed"]
    bulletin = Bulletin(
        series="湖北大学党员干部下基层察民情解民忧暖民心实践活动简报",
        number=13,
        year=2022,
        date=dt.date(2022, 10, 20),
        office="湖北大学党史学习教育领导小组办公室",
    )
    lib.session.add(bulletin)
    lib.session.flush()
    assert bulletin.id is not None
    lib.session.add(BulletinRecord(bulletin_id=bulletin.id, record_id=rid, position=1))
    lib.session.flush()
    report = add_report(
        lib.session, rid, "省委党史学习教育领导小组办公室", dt.date(2022, 10, 20), bulletin.id
    )
    assert report.created and report.row.id is not None and report.notes == []
    assert lib.status(rid) == "reported"
    adoption = add_adoption(
        lib.session, rid, "省委教育工委工作简报第8期", "省级", dt.date(2022, 11, 8)
    )
    assert adoption.created and adoption.row.level == "省级" and adoption.notes == []
    assert lib.status(rid) == "adopted"
    add_report(lib.session, rid, "教育部思政司", dt.date(2022, 11, 20))
    assert lib.status(rid) == "adopted"  # a later report does not undo the adoption
    assert [r.to for r in list_reports(lib.session, rid)] == [
        "省委党史学习教育领导小组办公室",
        "教育部思政司",
    ]
    assert [a.by for a in list_adoptions(lib.session)] == ["省委教育工委工作简报第8期"]


def test_adopting_a_record_never_reported_is_refused_unless_forced(
    lib: Lib, ids: dict[str, int]
) -> None:
    rid = ids["story"]
    with pytest.raises(InvalidInputError) as err:
        add_adoption(lib.session, rid, "武汉市委教育工委简报", "市级", dt.date(2022, 9, 10))
    assert str(err.value) == f"记录 {rid} 尚未报送，不能登记采用（确属采用请使用 --force）"
    assert list_adoptions(lib.session, rid) == []
    add_adoption(lib.session, rid, "武汉市委教育工委简报", "市级", dt.date(2022, 9, 10), force=True)
    assert lib.status(rid) == "adopted"


def test_adoption_before_the_first_report_is_refused_unless_forced(
    lib: Lib, ids: dict[str, int]
) -> None:
    rid = ids["jobs"]
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 10, 1))
    with pytest.raises(InvalidInputError, match="早于首次报送日期 2022-10-01"):
        add_adoption(lib.session, rid, "湖北日报", "省级", dt.date(2022, 9, 1))
    add_adoption(lib.session, rid, "湖北日报", "省级", dt.date(2022, 9, 1), force=True)


def test_bad_reports_and_adoptions(lib: Lib, ids: dict[str, int]) -> None:
    with pytest.raises(InvalidInputError, match="报送对象不能为空"):
        add_report(lib.session, ids["seed"], " ", dt.date(2022, 10, 1))
    with pytest.raises(NotFoundError, match="记录不存在：404"):
        add_report(lib.session, 404, "省委教育工委", dt.date(2022, 10, 1))
    with pytest.raises(NotFoundError, match="简报 #77 不存在"):
        add_report(lib.session, ids["seed"], "省委教育工委", dt.date(2022, 10, 1), 77)
    add_report(lib.session, ids["seed"], "省委教育工委", dt.date(2022, 10, 1))
    with pytest.raises(
        InvalidInputError, match="未知的采用级别“区级”（可用：校级、市级、省级、国家级）"
    ):
        add_adoption(lib.session, ids["seed"], "某区简报", "区级", dt.date(2022, 10, 9))
    custom = parse_config('[adoption_points]\n"区级" = 3\n"省级" = 20\n')
    add_adoption(lib.session, ids["seed"], "某区简报", "区级", dt.date(2022, 10, 9), config=custom)
    gone = lib.record("机关党委：已删除", "机关党委", trashed=True)
    with pytest.raises(InvalidInputError, match="回收站"):
        add_report(lib.session, gone, "省委教育工委", dt.date(2022, 10, 1))


def test_mark_declined(lib: Lib, ids: dict[str, int]) -> None:
    with pytest.raises(InvalidInputError, match="不是“已报送”"):
        mark_declined(lib.session, ids["poem"])
    add_report(lib.session, ids["poem"], "省委教育工委", dt.date(2022, 10, 1))
    assert mark_declined(lib.session, ids["poem"]).status == "declined"
    add_report(lib.session, ids["poem"], "武汉市委教育工委", dt.date(2022, 10, 15))
    assert lib.status(ids["poem"]) == "reported"


def test_history_in_date_order(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["seed"]
    utc = dt.UTC
    add_review(
        lib.session,
        rid,
        "张明",
        scores(3, 3, 3, 3, 3),
        "初评",
        RUBRIC,
        now=dt.datetime(2022, 10, 8, 9, tzinfo=utc),
    )
    add_review(
        lib.session,
        rid,
        "李华",
        scores(5, 5, 4, 5, 5),
        None,
        RUBRIC,
        now=dt.datetime(2022, 10, 9, 9, tzinfo=utc),
    )
    add_review(
        lib.session,
        rid,
        "张明",
        scores(4, 4, 4, 5, 4),
        "复评",
        RUBRIC,
        now=dt.datetime(2022, 10, 12, 9, tzinfo=utc),
    )
    lib.session.add(Shortlist(name=NAME, created_at=dt.datetime(2022, 10, 14, tzinfo=utc)))
    lib.session.flush()
    add_to_shortlist(lib.session, NAME, [rid])
    add_adoption(
        lib.session, rid, "省委教育工委工作简报第8期", "省级", dt.date(2022, 11, 8), force=True
    )
    add_report(lib.session, rid, "省委党史学习教育领导小组办公室", dt.date(2022, 10, 20))
    lib.session.flush()
    conn = raw_connection(lib.session)  # the read path's plain SQL, in the same transaction
    events = history(conn, rid, lambda: default_config().rubric)
    assert [(e.date.isoformat(), e.kind) for e in events] == [
        ("2022-10-08", "review"),
        ("2022-10-09", "review"),
        ("2022-10-12", "review"),
        ("2022-10-14", "shortlist"),
        ("2022-10-20", "report"),
        ("2022-11-08", "adoption"),
    ]
    assert events[0].text.endswith("（已被新评审取代）")
    assert events[0].text.startswith("张明 评审：真实性 3，典型性 3")
    assert events[3].text == f"列入入围名单“{NAME}”第 1 位"
    assert events[4].text == "报送省委党史学习教育领导小组办公室"
    assert events[5].text == "被省委教育工委工作简报第8期采用（省级）"
    assert events[2].to_json()["current"] is True
    assert history(conn, 404, lambda: default_config().rubric) == []


# ---------------------------------------------------------------------------------------------
# One fact, one row: repeats, undo, bulletins


def _bulletin(lib: Lib, number: int, *record_ids: int) -> Bulletin:
    bulletin = Bulletin(
        series="湖北大学党员干部下基层察民情解民忧暖民心实践活动简报",
        number=number,
        year=2022,
        date=dt.date(2022, 11, 10),
        office="湖北大学党史学习教育领导小组办公室",
    )
    lib.session.add(bulletin)
    lib.session.flush()
    assert bulletin.id is not None
    for position, rid in enumerate(record_ids, start=1):
        lib.session.add(BulletinRecord(bulletin_id=bulletin.id, record_id=rid, position=position))
    lib.session.flush()
    return bulletin


def test_reporting_the_same_fact_twice_records_it_once(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["seed"]
    first = add_report(lib.session, rid, "省委教育工委", dt.date(2022, 11, 12))
    again = add_report(lib.session, rid, " 省委教育工委 ", dt.date(2022, 11, 12))
    assert first.created and not again.created
    assert again.row.id == first.row.id
    assert again.notes == [f"记录 {rid} 已登记过 2022-11-12 报送省委教育工委，未重复登记"]
    assert len(list_reports(lib.session, rid)) == 1
    # another day or another superior is another fact
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 12, 1))
    add_report(lib.session, rid, "教育部思政司", dt.date(2022, 11, 12))
    assert len(list_reports(lib.session, rid)) == 3


def test_adopting_twice_by_the_same_outlet_records_it_once(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["seed"]
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 11, 12))
    outlet = "省委教育工委工作简报第8期"
    first = add_adoption(lib.session, rid, outlet, "省级", dt.date(2022, 12, 2))
    again = add_adoption(lib.session, rid, outlet, "省级", dt.date(2022, 12, 2))
    assert first.created and not again.created
    assert again.notes == [f"记录 {rid} 已登记过被{outlet}采用，未重复计入"]
    assert len(list_adoptions(lib.session, rid)) == 1
    with pytest.raises(
        ConflictError, match=r"已登记被省委教育工委工作简报第8期采用（省级，2022-12-02）"
    ):
        add_adoption(lib.session, rid, outlet, "国家级", dt.date(2022, 12, 2))
    with pytest.raises(ConflictError, match="--undo"):
        add_adoption(lib.session, rid, outlet, "省级", dt.date(2022, 12, 9))
    assert [(a.by, a.level) for a in list_adoptions(lib.session, rid)] == [(outlet, "省级")]
    # another outlet is another adoption, with its own points
    add_adoption(lib.session, rid, "中国教育报", "国家级", dt.date(2022, 12, 20))
    assert len(list_adoptions(lib.session, rid)) == 2


def test_a_forced_adoption_without_a_report_warns(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["story"]
    logged = add_adoption(
        lib.session, rid, "武汉市委教育工委简报", "市级", dt.date(2022, 9, 10), force=True
    )
    assert logged.created
    assert len(logged.notes) == 1 and "没有报送登记" in logged.notes[0]
    assert "caselib report" in logged.notes[0]


def test_undo_an_adoption_and_a_report_restores_the_status(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["seed"]
    add_review(lib.session, rid, "张明", scores(4, 4, 4, 4, 4), None, RUBRIC)
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 11, 12))
    add_adoption(lib.session, rid, "省委教育工委工作简报第8期", "省级", dt.date(2022, 12, 2))
    with pytest.raises(InvalidInputError, match="与给出的级别或日期不符"):
        remove_adoption(lib.session, rid, "省委教育工委工作简报第8期", level="国家级")
    with pytest.raises(NotFoundError, match="没有被湖北日报采用的登记；已登记：被省委教育工委"):
        remove_adoption(lib.session, rid, "湖北日报")
    removed = remove_adoption(lib.session, rid, "省委教育工委工作简报第8期", level="省级")
    assert removed.row.by == "省委教育工委工作简报第8期"
    assert list_adoptions(lib.session, rid) == []
    assert lib.status(rid) == "reported"
    remove_report(lib.session, rid, "省委教育工委")
    assert list_reports(lib.session, rid) == []
    assert lib.status(rid) == "reviewing"  # reviewed before it was reported
    with pytest.raises(NotFoundError, match="没有报送省委教育工委的登记"):
        remove_report(lib.session, rid, "省委教育工委")


def test_undo_a_report_needs_the_date_when_there_are_several(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["jobs"]
    add_to_shortlist(lib.session, NAME, [rid], create=True)
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 10, 1))
    add_report(lib.session, rid, "省委教育工委", dt.date(2022, 11, 1))
    with pytest.raises(InvalidInputError, match="2022-10-01、2022-11-01），请用 --date"):
        remove_report(lib.session, rid, "省委教育工委")
    remove_report(lib.session, rid, "省委教育工委", dt.date(2022, 10, 1))
    assert [r.date for r in list_reports(lib.session, rid)] == [dt.date(2022, 11, 1)]
    assert lib.status(rid) == "reported"
    remove_report(lib.session, rid, "省委教育工委", dt.date(2022, 11, 1))
    assert lib.status(rid) == "shortlisted"  # still in the shortlist


def test_undoing_the_last_report_of_an_adopted_record_warns(lib: Lib, ids: dict[str, int]) -> None:
    rid = ids["poem"]
    add_report(lib.session, rid, "武汉市委教育工委", dt.date(2022, 10, 1))
    add_adoption(lib.session, rid, "武汉教育电视台", "市级", dt.date(2022, 10, 9))
    removed = remove_report(lib.session, rid, "武汉市委教育工委")
    assert removed.notes == [f"注意：记录 {rid} 仍登记有采用，但已没有报送登记"]
    assert lib.status(rid) == "adopted"


def test_a_report_with_a_bulletin_that_did_not_carry_the_record_is_refused(
    lib: Lib, ids: dict[str, int]
) -> None:
    issue14 = _bulletin(lib, 14, ids["seed"], ids["story"])
    with pytest.raises(InvalidInputError) as err:
        add_report(lib.session, ids["jobs"], "省委教育工委", dt.date(2022, 11, 12), issue14.id)
    assert str(err.value) == (
        f"记录 {ids['jobs']} 不在湖北大学党员干部下基层察民情解民忧暖民心实践活动简报2022年第14期中，"
        "不能登记为随该期报送（请核对编号，或不加 --bulletin 登记）"
    )
    assert list_reports(lib.session, ids["jobs"]) == []
    assert lib.status(ids["jobs"]) == "submitted"
    add_report(lib.session, ids["story"], "省委教育工委", dt.date(2022, 11, 12), issue14.id)
    # the same report said to be in another issue contradicts the one on file
    issue15 = _bulletin(lib, 15, ids["story"])
    with pytest.raises(ConflictError, match="随湖北大学.*第14期"):
        add_report(lib.session, ids["story"], "省委教育工委", dt.date(2022, 11, 12), issue15.id)


# ---------------------------------------------------------------------------------------------
# The same through the command line


def test_cli_report_and_adopt_twice_then_undo(sample: Cli) -> None:
    report = ["report", "3", "--to", "省委教育工委", "--date", "2022-11-12"]
    adopt = ["adopt", "3", "--by", "省委教育工委工作简报第8期", "--level", "省级"]
    adopt += ["--date", "2022-12-02"]
    assert "已登记报送：3" in sample.ok(*report).stderr
    again = sample.ok(*report)
    assert "已登记过 2022-11-12 报送省委教育工委，未重复登记" in again.stderr
    assert "已登记报送" not in again.stderr
    sample.ok(*adopt)
    repeat = sample.ok(*adopt)
    assert "已登记过被省委教育工委工作简报第8期采用，未重复计入" in repeat.stderr
    row = next(r for r in sample.ok("stats", "--json").json() if r["key"] == "文学院党委")
    assert (row["reports"], row["adoptions"], row["points"]) == (1, 1, 20.0)
    shown = sample.ok("show", "3", "--json").json()
    assert [e["kind"] for e in shown["history"]].count("adoption") == 1

    undo = sample.ok("adopt", "3", "--by", "省委教育工委工作简报第8期", "--undo")
    assert "已撤销采用登记：记录 3，省委教育工委工作简报第8期（省级）" in undo.stderr
    assert sample.ok("show", "3", "--json").json()["status"] == "reported"
    sample.ok("report", "3", "--to", "省委教育工委", "--undo")
    assert sample.ok("show", "3", "--json").json()["status"] == "submitted"
    missing = sample("report", "3", "--to", "省委教育工委", "--undo")
    assert missing.exit_code == 1
    assert missing.stderr.strip().splitlines() == ["错误：记录 3 没有报送省委教育工委的登记"]
    assert sample("adopt", "3", "--by", "湖北日报").exit_code == 1  # no --level


def test_cli_report_refuses_a_record_not_in_the_bulletin(sample: Cli) -> None:
    if not SEED.exists():
        pytest.skip("the shared/ seed is absent (outside this repository's CI)")
    sample.ok("import", str(SEED))
    bulletin = sample.ok("bulletins", "--json").json()[0]
    ref = f"{bulletin['year']}-{bulletin['number']}"
    carried = sample.ok("bulletin", "show", ref, "--json").json()["records"][0]["id"]
    run = sample("report", str(carried), "1", "--to", "省委教育工委", "--bulletin", ref)
    assert run.exit_code == 1
    assert "记录 1 不在" in run.stderr and "不能登记为随该期报送" in run.stderr
    status = sample.ok("show", str(carried), "--json").json()["status"]
    assert status != "reported"  # nothing half-written: the whole command was refused
    sample.ok("report", str(carried), "--to", "省委教育工委", "--bulletin", ref)


def test_cli_shortlist_add_then_rm_gives_back_the_imported_status(sample: Cli) -> None:
    assert sample.ok("show", "5", "--json").json()["status"] == "reviewing"  # from its file
    sample.ok("shortlist", "add", NAME, "5")
    assert sample.ok("show", "5", "--json").json()["status"] == "shortlisted"
    sample.ok("shortlist", "rm", NAME, "5")
    assert sample.ok("show", "5", "--json").json()["status"] == "reviewing"
