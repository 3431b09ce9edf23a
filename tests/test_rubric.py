"""The rubric and ranking configuration: defaults, the library's TOML file, validation."""

from __future__ import annotations

import json
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

from .conftest import Cli


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
    assert sum(1 for ln in lines if ln.lstrip().startswith("#")) > 50


def test_the_defaults_are_explained_in_chinese() -> None:
    """The comments ``rubric --init`` writes are for the office staff who edit the file: in
    Chinese; the only Latin words are the file's own keys and names."""
    text = default_config_text()
    keys = set(re.findall(r"^\s*\[*([A-Za-z_.]+)\]*\s*=?", text, re.M))
    keys |= {part for key in keys for part in key.split(".")}
    allowed = keys | {"caselib", "db", "toml", "weights"}
    for line in text.splitlines():
        comment = line.partition("#")[2] if line.lstrip().startswith("#") else ""
        words = set(re.findall(r"[A-Za-z_]{2,}", comment))
        assert words <= allowed, (line, words - allowed)
        if re.search(r"\w", comment):
            assert re.search(r"[\u4e00-\u9fff]", comment), line


def test_the_defaults_pass_the_validator() -> None:
    """The defaults are built without pydantic; run through the validator of settings files
    they give the same configuration (the two descriptions of the settings agree)."""
    from caselib.store.config import build_config, default_config_data
    from caselib.store.config_schema import validate

    data = default_config_data()
    assert build_config(validate(data, default_config_text(), "rubric.toml")) == default_config()
    assert default_config().as_dict() == json.loads(json.dumps(validate(data, "", "")))


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


# --------------------------------------------------------------------------------------------
# caselib rubric


def test_rubric_init_writes_the_commented_defaults_next_to_the_library(cli: Cli) -> None:
    target = cli.db.with_suffix(".toml")
    run = cli.ok("rubric", "--init")
    assert run.stderr == f"已写出配置文件：{target}，修改后即生效\n"
    text = target.read_text("utf-8")
    assert text == default_config_text()
    assert "# 1.2：有凭据的成效是上级决定是否采用的依据；权重最高。" in text
    assert load_config(target) == default_config()
    assert cli.ok("rubric").stderr == f"配置文件：{target}\n"


def test_rubric_init_refuses_to_overwrite_an_edited_file(cli: Cli) -> None:
    target = cli.db.with_suffix(".toml")
    target.write_text("[weights]\nreviews = 6\n", "utf-8")
    run = cli("rubric", "--init")
    assert run.exit_code == 1
    assert run.stderr == f"错误：配置文件 {target} 已存在\n"
    assert target.read_text("utf-8") == "[weights]\nreviews = 6\n"


def test_rubric_shows_the_settings_in_use_as_a_table_and_as_json(cli: Cli) -> None:
    shown = cli.ok("rubric")
    assert "评分细则" in shown.stdout
    for name in ("真实性", "典型性", "创新性", "实效性", "可推广性"):
        assert name in shown.stdout
    assert shown.stderr == "使用默认配置（caselib rubric --init 可写出配置文件以便修改）\n"
    data = cli.ok("rubric", "--json").json()
    assert data["file"] is None
    assert [c["name"] for c in data["rubric"]["criteria"]] == [
        "真实性", "典型性", "创新性", "实效性", "可推广性",
    ]  # fmt: skip
    assert data["weights"]["reviews"] == 10
    target = cli.db.with_suffix(".toml")
    target.write_text(
        '[weights]\n# 评审结论更重要\nreviews = 12\n\n[adoption_points]\n"省级" = 30\n', "utf-8"
    )
    data = cli.ok("rubric", "--json").json()
    assert data["file"] == str(target)
    assert data["weights"]["reviews"] == 12 and data["weights"]["figures"] == 2
    assert data["adoption_points"] == {"省级": 30}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# 排序权重\n[weights]\nreviews = 10\nfigures = = 2\n",
            "第 4 行：TOML 格式错误（值的写法不对：文字加英文双引号，数字不加，列表写在 [ ] 中）",
        ),
        ("[weights\nreviews = 1\n", "第 1 行：TOML 格式错误（表名缺少右方括号“]”）"),
        ('[theme]\nroot = "共同缔造', "第 2 行：TOML 格式错误（引号没有闭合）"),
        (
            "[weights]\n评审 = 10\n",
            "第 2 行：TOML 格式错误（无法识别这一行：应为“设置项 = 值”或“[表名]”）",
        ),
        (
            "[weights]\nreviews = 10\nreviews = 8\n",
            "第 3 行：TOML 格式错误（同一个设置项写了两次）",
        ),
        ('[weights]\n# 评审\nreviews = "很高"\n', "第 3 行（weights.reviews）：必须是数字"),
    ],
)
def test_a_malformed_config_file_is_one_chinese_line_with_its_line_number(
    cli: Cli, text: str, message: str
) -> None:
    target = cli.db.with_suffix(".toml")
    target.write_text(text, "utf-8")
    for args in (["rubric"], ["rubric", "--json"], ["rank"]):
        run = cli(*args)
        assert run.exit_code == 1
        assert run.stderr == f"错误：配置文件 {target.name} {message}\n"
        assert run.stdout == ""
