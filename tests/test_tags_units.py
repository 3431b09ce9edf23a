"""The tag tree, tag and unit maintenance, and the default vocabulary."""

from __future__ import annotations

import pytest

from caselib.errors import ConflictError, InvalidInputError, NotFoundError
from caselib.records import raw_connection
from caselib.store.library import Library
from caselib.tags import add_alias, clean_tag_name, merge_tags, move_tag, resolve_tag
from caselib.taxonomy import tag_tree

from .conftest import Cli

pytestmark = pytest.mark.backends

FIVE = ["决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"]


def test_default_vocabulary(library: Library) -> None:
    with library.session() as session:
        tree = {node.name: node for node in tag_tree(raw_connection(session))}
    assert [c.name for c in tree["共同缔造"].children] == sorted(FIVE)
    assert {c.name for c in tree["党建三力"].children} == {"党建引领力", "党建服务力", "党建凝聚力"}
    with library.session() as session:
        assert resolve_tag(session, "引领力").name == "党建引领力"


def test_tag_names_are_normalised_and_spaces_rejected() -> None:
    assert clean_tag_name(" 共同缔造 ") == "共同缔造"
    assert clean_tag_name("ＡＩ赋能") == "AI赋能"
    for bad in ["共同 缔造", "", "+暖心", "-暖心", "a,b"]:
        with pytest.raises(InvalidInputError):
            clean_tag_name(bad)


def test_tags_tree_counts_include_descendants(sample: Cli) -> None:
    tree = {n["name"]: n for n in sample.ok("tags", "--json").json()}
    parent = tree["共同缔造"]
    children = {c["name"]: c for c in parent["children"]}
    assert set(children) == set(FIVE)
    records = sample.ok("list", "--json").json()
    tagged = {r["id"] for r in records if set(r["tags"]) & ({"共同缔造"} | set(FIVE))}
    assert parent["total"] == len(tagged) > parent["count"]
    assert "共同缔造" in sample.ok("tags").stdout


def test_tags_add_rename_alias_merge_move(cli: Cli) -> None:
    cli.ok("tags", "add", "六个一", "--parent", "下基层")
    assert cli("tags", "add", "六个一").exit_code == 1  # duplicate tag
    rid = int(
        cli.ok(
            "add", "--title", "题", "--unit", "机关党委", "--tag", "六个一", input="正文。"
        ).stdout
    )
    cli.ok("tags", "rename", "六个一", "六个一项目")
    assert cli.ok("show", str(rid), "--json").json()["tags"] == ["六个一项目"]
    cli.ok("tags", "alias", "六个一项目", "六个一")
    assert [r["id"] for r in cli.ok("list", "--tag", "六个一", "--json").json()] == [rid]
    cli.ok("tags", "add", "三个清单")
    cli.ok("tags", "merge", "六个一项目", "三个清单")
    assert cli.ok("show", str(rid), "--json").json()["tags"] == ["三个清单"]
    assert [r["id"] for r in cli.ok("list", "--tag", "六个一项目", "--json").json()] == [rid]
    cli.ok("tags", "move", "三个清单", "下基层")
    tree = {n["name"]: n for n in cli.ok("tags", "--json").json()}
    assert "三个清单" in [c["name"] for c in tree["下基层"]["children"]]


def test_tags_bad_input(cli: Cli) -> None:
    for args, message in [
        (["tags", "rename", "不存在的标签", "新"], "标签不存在"),
        (["tags", "rename", "暖心", "迎新"], "标签已存在"),
        (["tags", "alias", "暖心", "迎新"], "标签已存在"),
        (["tags", "merge", "共同缔造", "决策共谋"], "下级"),
        (["tags", "move", "共同缔造", "决策共谋"], "下级"),
    ]:
        run = cli(*args)
        assert run.exit_code == 1 and message in run.stderr, (args, run.stderr)


def test_merge_api_keeps_records(library: Library) -> None:
    with library.session() as session:
        add_alias(session, "暖心", "暖心服务")
        merge_tags(session, "暖心", "暖民心")
    with library.session() as session:
        assert resolve_tag(session, "暖心").name == "暖民心"
        assert resolve_tag(session, "暖心服务").name == "暖民心"
        with pytest.raises(NotFoundError):
            move_tag(session, "不存在", None)
        with pytest.raises(ConflictError):
            add_alias(session, "迎新", "暖民心")


def test_units_list_rename_merge_alias(sample: Cli) -> None:
    units = {u["name"]: u for u in sample.ok("units", "--json").json()}
    assert len(units) >= 5
    count = units["机关党委"]["count"]
    sample.ok("units", "rename", "机关党委", "湖北大学机关党委")
    sample.ok("units", "alias", "湖北大学机关党委", "机关党委")
    assert len(sample.ok("list", "--unit", "机关党委", "--json").json()) == count
    sample.ok("units", "merge", "图书馆党总支", "湖北大学机关党委")
    merged = {u["name"]: u for u in sample.ok("units", "--json").json()}
    assert "图书馆党总支" not in merged
    assert merged["湖北大学机关党委"]["count"] == count + units["图书馆党总支"]["count"]
    assert "图书馆党总支" in merged["湖北大学机关党委"]["aliases"]
    assert "机关党委" in sample.ok("units").stdout


def test_unknown_unit_or_tag_filter_suggests(sample: Cli) -> None:
    run = sample("list", "--unit", "机关党伟")
    assert run.exit_code == 1 and "机关党伟" in run.stderr and "机关党委" in run.stderr
    run = sample("list", "--tag", "共同缔")
    assert run.exit_code == 1 and "共同缔" in run.stderr and "共同缔造" in run.stderr
    assert sample("units", "rename", "机关党委", "文学院党委").exit_code == 1
