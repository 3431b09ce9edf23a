"""The rubric and ranking configuration: defaults, the library's TOML file, validation."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from caselib.errors import ConflictError, InvalidInputError
from caselib.store.config import (
    config_path,
    default_config,
    default_config_text,
    load_config,
    parse_config,
    write_default_config,
)


def test_config_path_is_the_sibling_toml() -> None:
    assert config_path(Path("/data/caselib.db")) == Path("/data/caselib.toml")
    assert config_path(Path("lib/案例库.sqlite")) == Path("lib/案例库.toml")
    assert config_path(Path("library")) == Path("library.toml")


def test_defaults() -> None:
    cfg = default_config()
    assert cfg.rubric.names == ["真实性", "典型性", "创新性", "实效性", "可推广性"]
    assert (cfg.rubric.scale_min, cfg.rubric.scale_max) == (1, 5)
    assert cfg.length.case == (1500, 5000)
    assert cfg.length.story == (300, 1000)
    assert cfg.freshness.half_life_days == 180
    assert cfg.adoption_points == {"校级": 5, "市级": 10, "省级": 20, "国家级": 50}
    assert cfg.adoption_levels == ["校级", "市级", "省级", "国家级"]
    assert cfg.theme.parts == ("决策共谋", "发展共建", "建设共管", "效果共评", "成果共享")
    assert cfg.weights.duplicate < 0 and cfg.weights.reported < 0


def test_every_default_is_documented_with_a_reason() -> None:
    """Every setting in data/rubric.toml has a comment in the paragraph above it (criterion
    names and descriptions excepted: they are the criterion, not a default to justify)."""
    lines = default_config_text().splitlines()
    undocumented = []
    for i, line in enumerate(lines):
        m = re.match(r'^\s*("[^"]+"|[A-Za-z_]+)\s*=', line)
        if not m or m.group(1) in ("name", "description"):
            continue
        j = i - 1
        while j >= 0 and lines[j].strip() and not lines[j].lstrip().startswith("#"):
            j -= 1
        if j < 0 or not lines[j].lstrip().startswith("#"):
            undocumented.append(line)
    assert undocumented == []
    assert sum(1 for ln in lines if ln.lstrip().startswith("#")) > 60


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(None) == default_config()
    assert load_config(tmp_path / "caselib.toml") == default_config()


def test_partial_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "caselib.toml"
    path.write_text("[weights]\nreviews = 6\n\n[length]\nstory = [200, 800]\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.weights.reviews == 6
    assert cfg.weights.figures == default_config().weights.figures
    assert cfg.length.story == (200, 800)
    assert cfg.length.case == (1500, 5000)
    assert cfg.rubric == default_config().rubric


def test_criteria_and_adoption_levels_replace_the_defaults() -> None:
    cfg = parse_config(
        '[[rubric.criteria]]\nname = "思想性"\nweight = 1\n\n[adoption_points]\n"省级" = 30\n'
    )
    assert cfg.rubric.names == ["思想性"]
    assert cfg.adoption_points == {"省级": 30}


def test_the_bundled_file_is_a_valid_starting_point(tmp_path: Path) -> None:
    path = write_default_config(tmp_path / "caselib.toml")
    assert load_config(path) == default_config()
    with pytest.raises(ConflictError, match="已存在"):
        write_default_config(path)


def _error(text: str) -> str:
    with pytest.raises(InvalidInputError) as err:
        parse_config(text, "caselib.toml")
    message = str(err.value)
    assert "\n" not in message
    return message


def test_malformed_toml_names_the_line() -> None:
    text = "# 排序权重\n[weights]\nreviews = 10\nfigures = = 2\n"
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    assert _error(text).startswith("配置文件 caselib.toml 第 4 行：TOML 格式错误（")
    assert _error("[weights\nreviews = 1\n").startswith("配置文件 caselib.toml 第 1 行")
    assert "第 3 行" in _error('[theme]\nroot = "共同缔造"\nparts = ["决策共谋",\n')


def test_invalid_values_name_the_line_of_the_key() -> None:
    assert _error('[weights]\n# 评审\nreviews = "很高"\n') == (
        "配置文件 caselib.toml 第 3 行（weights.reviews）：必须是数字"
    )
    assert _error("[weights]\nreviews = 10\nduplicate = 5\n") == (
        "配置文件 caselib.toml 第 3 行（weights.duplicate）：不能大于 0（惩罚项的权重应为负数或 0）"
    )
    assert _error("[weights]\nrevews = 10\n") == (
        "配置文件 caselib.toml 第 2 行（weights.revews）：未知的设置项"
    )
    criteria = (
        "[rubric]\nscale_min = 1\nscale_max = 5\n\n"
        '[[rubric.criteria]]\nname = "真实性"\nweight = 1\n\n'
        '[[rubric.criteria]]\nname = "典型性"\nweight = 0\n'
    )
    assert (
        _error(criteria) == "配置文件 caselib.toml 第 11 行（rubric.criteria.weight）：必须大于 0"
    )
    assert _error("[rubric]\nscale_min = 5\nscale_max = 1\n") == (
        "配置文件 caselib.toml 第 3 行（rubric.scale_max）：评分下限 5 必须小于上限 1"
    )
    assert "第 2 行" in _error("[length]\ncase = [5000, 1500]\n")
    assert "第 3 行" in _error('[adoption_points]\n"校级" = 5\n"省级" = -20\n')
    assert "评分项重复：真实性" in _error(
        '[[rubric.criteria]]\nname = "真实性"\nweight = 1\n[[rubric.criteria]]\nname = "真实性"\nweight = 2\n'
    )
    assert _error("[freshness]\nhalf_life_days = 0\n").startswith("配置文件 caselib.toml 第 2 行")


def test_unreadable_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "caselib.toml"
    path.write_bytes("[weights]\nreviews = 10 # 评审\n".encode("gbk"))
    with pytest.raises(InvalidInputError, match="不是 UTF-8 编码"):
        load_config(path)


def test_check_scores() -> None:
    rubric = default_config().rubric
    good = {"真实性": 5, "典型性": 4, "创新性": 3.5, "实效性": 5, "可推广性": 4}
    assert rubric.check_scores(good) == {k: float(v) for k, v in good.items()}
    with pytest.raises(InvalidInputError, match="未知的评分项“创新”（您是否要找：创新性"):
        rubric.check_scores({**good, "创新": 3})
    with pytest.raises(InvalidInputError, match="分数 0 超出范围（1–5 分）"):
        rubric.check_scores({**good, "实效性": 0})
    with pytest.raises(InvalidInputError, match="不是数字"):
        rubric.check_scores({**good, "实效性": "优"})  # type: ignore[dict-item]
    assert rubric.check_scores({"典型性": 4, "创新性": 5}) == {"典型性": 4.0, "创新性": 5.0}
    with pytest.raises(
        InvalidInputError,
        match="请至少给出一个评分项（评分项：真实性、典型性、创新性、实效性、可推广性）",
    ):
        rubric.check_scores({})


def test_weighted_mean() -> None:
    rubric = default_config().rubric
    s = {"真实性": 5, "典型性": 4, "创新性": 3, "实效性": 5, "可推广性": 4}
    expected = (5 * 1.0 + 4 * 1.0 + 3 * 0.8 + 5 * 1.2 + 4 * 1.0) / 5.0
    assert rubric.weighted_mean(s) == pytest.approx(expected)
    assert rubric.weighted_mean({"真实性": 4, "旧标准": 1}) == 4.0  # removed criteria ignored
    assert rubric.weighted_mean({}) is None
