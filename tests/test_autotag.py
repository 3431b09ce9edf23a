"""Tag suggestions: names and aliases counted in the normalised text, longest match first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, create_engine

from caselib.intake.autotag import (
    MAX_AUTO_TAGS,
    TagSuggestion,
    auto_tags,
    suggest_tags,
    suggest_tags_for_parts,
    suggest_tags_for_record,
)
from caselib.store.library import Library
from caselib.store.tables import Record, Tag, TagAlias
from tests.conftest import Cli

from .conftest import SEED, need_seed

# name → (parent, aliases): the campaign's vocabulary, plus tags the seed never mentions.
VOCABULARY: dict[str, tuple[str | None, list[str]]] = {
    "共同缔造": (None, ["美好环境与幸福生活共同缔造", "五共"]),
    "决策共谋": ("共同缔造", []),
    "发展共建": ("共同缔造", []),
    "建设共管": ("共同缔造", []),
    "效果共评": ("共同缔造", []),
    "成果共享": ("共同缔造", []),
    "党建三力": (None, []),
    "党建引领力": ("党建三力", ["引领力"]),
    "党建服务力": ("党建三力", ["服务力"]),
    "党建凝聚力": ("党建三力", ["凝聚力"]),
    "服务师生": (None, []),
    "迎新": ("服务师生", ["开学迎新"]),
    "志愿服务": ("服务师生", ["志愿者"]),
    "乡村振兴": (None, []),
    "就业": (None, ["就业创业"]),
    "党": (None, ["民"]),  # one character: never suggested
}


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    # caselib's own library, without its default vocabulary: the tests bring their own
    library, _ = Library.init(str(tmp_path / "autotag.db"))
    with library.session() as s:
        add_vocabulary(s, VOCABULARY)
        yield s
    library.engine.dispose()


def add_vocabulary(session: Session, vocabulary: dict[str, tuple[str | None, list[str]]]) -> None:
    ids: dict[str, int] = {}
    for name, (parent, aliases) in vocabulary.items():
        tag = Tag(name=name, parent_id=ids[parent] if parent else None)
        session.add(tag)
        session.flush()
        assert tag.id is not None
        ids[name] = tag.id
        for alias in aliases:
            session.add(TagAlias(alias=alias, tag_id=tag.id))
    session.flush()


def counts(suggestions: list[TagSuggestion]) -> dict[str, int]:
    return {s.name: s.count for s in suggestions}


# -- the seed bulletin --------------------------------------------------------------------------


def test_the_seed_suggests_its_themes(session: Session) -> None:
    need_seed()
    found = counts(suggest_tags(session, SEED.read_text("utf-8")))
    expected = {
        "共同缔造",
        "决策共谋",
        "发展共建",
        "建设共管",
        "效果共评",
        "成果共享",
        "党建引领力",
        "党建服务力",
        "党建凝聚力",
        "迎新",
        "志愿服务",
    }
    assert expected <= set(found)
    assert not {"乡村振兴", "就业", "党", "党建三力"} & set(found)
    assert found["服务师生"] == 1  # 深入基层服务师生
    # 党建引领力 twice (the list of three strengths and a heading); its alias 引领力 occurs
    # only inside those two, so it adds nothing.
    assert found["党建引领力"] == found["党建服务力"] == found["党建凝聚力"] == 2
    assert found["共同缔造"] == 3
    assert found["决策共谋"] == 2  # the editor's note and the body
    assert found["志愿服务"] == 3  # 志愿服务 ×2 and 学生志愿服务团队
    assert found["迎新"] == 2  # 开学迎新 (alias) and 迎新工作现场


def test_the_seed_with_the_default_vocabulary(tmp_path: Path) -> None:
    need_seed()
    from caselib.tags import load_default_vocabulary

    engine = create_engine(f"sqlite:///{tmp_path / 'default.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        load_default_vocabulary(session)
        found = suggest_tags(session, SEED.read_text("utf-8"))
    names = [s.name for s in found]
    for name in (
        "共同缔造",
        "决策共谋",
        "党建引领力",
        "党建服务力",
        "党建凝聚力",
        "迎新",
        "志愿服务",
    ):
        assert name in names
    assert [s.count for s in found] == sorted((s.count for s in found), reverse=True)
    engine.dispose()


# -- matching rules -----------------------------------------------------------------------------


def test_a_longer_match_hides_the_terms_inside_it(session: Session) -> None:
    found = suggest_tags(session, "着力提升党建引领力。")
    assert found == [TagSuggestion("党建引领力", 1, ["党建引领力"])]
    found = suggest_tags(session, "提升党建引领力，增强引领力")
    assert found == [TagSuggestion("党建引领力", 2, ["党建引领力", "引领力"])]
    # the alias 开学迎新 contains the name 迎新: one occurrence, not two
    assert counts(suggest_tags(session, "开学迎新")) == {"迎新": 1}


def test_a_longer_tag_hides_a_different_shorter_tag(session: Session) -> None:
    add_vocabulary(session, {"服务": (None, []), "志愿": (None, [])})
    assert counts(suggest_tags(session, "开展志愿服务")) == {"志愿服务": 1}
    assert counts(suggest_tags(session, "志愿者热情服务")) == {"志愿服务": 1, "服务": 1}


def test_occurrences_do_not_overlap(session: Session) -> None:
    add_vocabulary(session, {"哈哈": (None, [])})
    assert counts(suggest_tags(session, "哈哈哈")) == {"哈哈": 1}
    assert counts(suggest_tags(session, "哈哈哈哈")) == {"哈哈": 2}
    assert counts(suggest_tags(session, "迎新迎新迎新")) == {"迎新": 3}


def test_text_is_normalised_and_whitespace_ignored(session: Session) -> None:
    add_vocabulary(session, {"AI助教": (None, ["ＧＰＴ"])})
    text = "“共同\n缔造”  ａｉ助教 gpt 党建 凝聚力"
    assert counts(suggest_tags(session, text)) == {"共同缔造": 1, "AI助教": 2, "党建凝聚力": 1}
    [ai] = [s for s in suggest_tags(session, text) if s.name == "AI助教"]
    assert ai.matched == ["AI助教", "ＧＰＴ"]  # as written in the vocabulary


def test_single_characters_are_ignored(session: Session) -> None:
    assert suggest_tags(session, "党员干部深入基层，了解民情") == []


def test_order_and_min_count(session: Session) -> None:
    text = "迎新，志愿者，志愿服务，迎新，共同缔造，五共，美好环境与幸福生活共同缔造"
    found = suggest_tags(session, text)
    assert [(s.name, s.count) for s in found] == [("共同缔造", 3), ("志愿服务", 2), ("迎新", 2)]
    assert found[0].matched == ["共同缔造", "五共", "美好环境与幸福生活共同缔造"]
    assert [s.name for s in suggest_tags(session, text, min_count=3)] == ["共同缔造"]
    assert suggest_tags(session, "") == []
    assert found[0].to_json() == {
        "name": "共同缔造",
        "count": 3,
        "matched": ["共同缔造", "五共", "美好环境与幸福生活共同缔造"],
    }


def test_a_record_is_read_field_by_field(session: Session) -> None:
    record = Record(
        title="机关党委：迎新路上的暖心身影",
        unit_id=1,
        summary="党员干部开展志愿服务",
        body=[
            {"type": "heading", "text": "提升党建服务力", "level": 1},
            {"type": "paragraph", "text": "8月27日，党员干部下沉到迎新工作现场。共同"},
            {"type": "paragraph", "text": "缔造美好校园。"},  # not joined across blocks
        ],
    )
    found = counts(suggest_tags_for_record(session, record))
    assert found == {"迎新": 2, "志愿服务": 1, "党建服务力": 1}


# -- automatic tagging: what the text is about ------------------------------------------------


def test_auto_tags_on_the_seed_keep_what_it_is_about(tmp_path: Path) -> None:
    """The seed case (1,681 characters) mentions 24 tags of the default vocabulary; auto-tagging
    keeps five: 共同缔造 (in the title), 党建三力 (its three strengths are the three headings,
    each named twice: 6 mentions of three different parts), 下基层 (named twice, 解民忧 twice,
    暖民心 once), 基层党建 (4 mentions) and 志愿服务 (3). 服务师生, 校园建设 and 党的建设 are
    implied by their parts too, but a part of each qualifies by itself and is kept instead."""
    from caselib.intake.autotag import auto_tags
    from caselib.tags import load_default_vocabulary
    from tests.test_reviews import seed_case_blocks

    blocks = seed_case_blocks()
    engine = create_engine(f"sqlite:///{tmp_path / 'default.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        load_default_vocabulary(session)
        title = "机关党委：党建引领聚合力 “共同缔造”暖人心"
        texts = [b.text for b in blocks]
        assert len(suggest_tags_for_parts(session, [title, *texts])) == 24  # tag suggest
        chosen = auto_tags(session, title, texts)
    engine.dispose()
    assert chosen == ["共同缔造", "党建三力", "下基层", "基层党建", "志愿服务"]
    assert len(chosen) == MAX_AUTO_TAGS


def test_a_tag_in_the_title_is_chosen_even_if_named_once(session: Session) -> None:
    body = ["8月26日，机关党委60余名党员干部来到宿舍区，帮新生搬运行李。"]
    assert auto_tags(session, "机关党委：开学迎新暖人心", body) == ["迎新"]
    assert auto_tags(session, "机关党委：宿舍区的一个早晨", body) == []


def test_mentioned_repeatedly_depends_on_the_length(session: Session) -> None:
    story = ["志愿者帮新生搬行李。", "晚上，志愿者又送来了热水。"]  # a short story: twice is enough
    assert auto_tags(session, "回迁路上", story) == ["志愿服务"]
    case = [*story, "学院组织党员开展理论学习，" * 80]  # a case of over 1,000 characters
    assert auto_tags(session, "回迁路上", case) == []
    assert auto_tags(session, "回迁路上", [*case, "志愿服务队第三次出发。"]) == ["志愿服务"]


def test_a_parent_is_implied_by_several_of_its_parts(session: Session) -> None:
    parts = ["社区居民决策共谋，定下改造方案。", "施工中，师生发展共建、建设共管。"]
    assert auto_tags(session, "小区改造记", parts) == ["共同缔造"]
    # one part named twice qualifies by itself: the specific tag is kept, not its parent
    parts = ["居民决策共谋，", "再次决策共谋，", "最后发展共建。"]
    assert auto_tags(session, "小区改造记", parts) == ["决策共谋"]
    # a single part, however often, does not imply the parent on its own
    assert auto_tags(session, "小区改造记", ["决策共谋"] * 3) == ["决策共谋"]


def test_at_most_a_handful_in_order_title_first_then_mentions(session: Session) -> None:
    texts = [
        "乡村振兴，乡村振兴，乡村振兴。",
        "就业，就业，就业，就业。",
        "志愿者，志愿者。",
        "凝聚力，凝聚力。",
        "引领力，引领力，引领力。",
        "开学迎新，迎新。",
    ]
    chosen = auto_tags(session, "共同缔造在身边", texts)
    assert len(chosen) == MAX_AUTO_TAGS
    # 服务师生 is implied by 志愿服务 and 迎新 (and 就业 is not under it here), but they qualify
    # themselves; 党建三力 likewise by 党建凝聚力 and 党建引领力.
    assert chosen == ["共同缔造", "就业", "乡村振兴", "党建引领力", "党建凝聚力"]


def test_cli_import_auto_tag_applies_a_handful_and_suggest_lists_all(
    cli: Cli, tmp_path: Path
) -> None:
    from tests.test_reviews import seed_case_blocks

    body = "\n".join(("## " if b.type == "heading" else "") + b.text for b in seed_case_blocks())
    text = (
        "---\nkind: case\ntitle: 机关党委：党建引领聚合力 “共同缔造”暖人心\nunit: 机关党委\n"
        "date: 2022-10-20\n---\n\n" + body + "\n"
    )
    path = tmp_path / "机关党委案例.md"
    path.write_text(text, encoding="utf-8")
    cli.ok("import", str(path), "--auto-tag")
    record = cli.ok("show", "1", "--json").json()
    assert record["tags"] == ["共同缔造", "党建三力", "下基层", "基层党建", "志愿服务"]
    suggested = cli.ok("tag", "suggest", "1", "--json").json()
    assert len(suggested) == 24
    # every applied tag but 党建三力 is mentioned by name; 党建三力 only through its parts
    applied = {s["tag"] for s in suggested if s["applied"]}
    assert applied == set(record["tags"]) - {"党建三力"}
    assert "党建三力" not in {s["tag"] for s in suggested}
