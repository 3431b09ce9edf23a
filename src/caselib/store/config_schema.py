"""The validator of a library's settings file: pydantic models of the configuration.

Imported only when a settings file exists (``config.load_config``): the bundled defaults are
built as plain dataclasses (``config.Config``) without pydantic. ``validate`` checks the merged
settings against these models and returns them as plain data, or raises ``InvalidInputError``
naming the file, the line and the key. ``tests/test_rubric.py`` checks that the bundled
defaults pass these models unchanged, so that the two descriptions cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from caselib.errors import InvalidInputError


def validate(merged: dict[str, Any], text: str, source: str) -> dict[str, Any]:
    """``merged`` (the file over the defaults) checked against ``ConfigModel``, as plain data
    (tuples as lists, numbers as the models' types); the first error as ``InvalidInputError``
    with the line of ``text`` where the key is written."""
    try:
        return ConfigModel.model_validate(merged).model_dump()
    except ValidationError as exc:
        # A misspelt key also shows as a missing one: report the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = tuple(err["loc"])
        line = _line_of(text, loc)
        key = ".".join(str(p) for p in loc if not isinstance(p, int)) or "配置"
        raise InvalidInputError(
            f"配置文件 {source} 第 {line} 行（{key}）：{_explain(err)}"
        ) from None


def _num(value: float) -> str:
    return f"{value:g}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Criterion(_Strict):
    """One criterion reviewers score (真实性, 典型性…), its weight in the reviewer's mean."""

    name: str = Field(min_length=1)
    weight: float = Field(gt=0)
    description: str = ""


class Rubric(_Strict):
    """The criteria and the score scale (inclusive)."""

    scale_min: float = 1.0
    scale_max: float = 5.0
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @field_validator("scale_max")
    @classmethod
    def _scale(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("scale_min")
        if low is not None and low >= value:
            raise ValueError(f"评分下限 {_num(low)} 必须小于上限 {_num(value)}")
        return value

    @model_validator(mode="after")
    def _check(self) -> Rubric:
        names = [c.name for c in self.criteria]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"评分项重复：{'、'.join(dupes)}")
        return self


class Weights(_Strict):
    """Points per ranking term; every term value is in 0–1. Penalties are ≤ 0."""

    reviews: float = Field(ge=0)
    figures: float = Field(ge=0)
    dates: float = Field(ge=0)
    structure: float = Field(ge=0)
    length: float = Field(ge=0)
    theme: float = Field(ge=0)
    freshness: float = Field(ge=0)
    duplicate: float = Field(le=0)
    reported: float = Field(le=0)


class LengthRange(_Strict):
    """Guideline length per kind, in characters without whitespace: [min, max]."""

    case: tuple[int, int]
    story: tuple[int, int]

    @field_validator("case", "story")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if low <= 0 or low >= high:
            raise ValueError(f"篇幅范围 [{low}, {high}] 无效：应为 [下限, 上限]，0 < 下限 < 上限")
        return value


class KindEvidence(_Strict):
    """How many distinct figures / dates / headings earn a full term value (0: not expected)."""

    figures: int = Field(ge=0)
    dates: int = Field(ge=0)
    headings: int = Field(ge=0)


class EvidenceSettings(_Strict):
    case: KindEvidence
    story: KindEvidence


class Freshness(_Strict):
    half_life_days: float = Field(gt=0)


class Theme(_Strict):
    root: str = Field(min_length=1)
    parts: tuple[str, ...] = Field(min_length=1)

    @field_validator("parts")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value) or any(not p for p in value):
            raise ValueError("主题组成部分不能为空或重复")
        return value


class ConfigModel(_Strict):
    """Everything the review, ranking and statistics code reads from ``<library>.toml``."""

    rubric: Rubric
    weights: Weights
    length: LengthRange
    evidence: EvidenceSettings
    freshness: Freshness
    theme: Theme
    adoption_points: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)


def _split_key(key: str) -> list[str]:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+)""", key)
    return [a or b or c for a, b, c in parts]


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line where the key at ``loc`` (a pydantic error location) is written: the key's own
    line, else the line of its nearest enclosing table or key, else 1. Good enough for the
    files people write by hand (no multi-line strings holding "key = value" lines)."""
    lines: dict[tuple[int | str, ...], int] = {}
    current: tuple[int | str, ...] = ()
    counters: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if m := _ARRAY_TABLE.match(raw):
            path = tuple(_split_key(m.group(1)))
            index = counters.get(path, -1) + 1
            counters[path] = index
            current = (*path, index)
            lines.setdefault(path, number)
            lines[current] = number
        elif m := _TABLE.match(raw):
            current = tuple(_split_key(m.group(1)))
            lines.setdefault(current, number)
        elif m := _KEY.match(raw):
            lines.setdefault((*current, *_split_key(m.group(1))), number)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的设置项",
    "finite_number": "必须是有限的数字",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "string_type": "必须是文本",
    "dict_type": "必须是表（[表名]）",
    "model_type": "必须是表（[表名]）",
    "tuple_type": "必须是数组",
    "list_type": "必须是数组",
}


def _explain(err: Any) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    bound = ctx.get("gt", ctx.get("ge", ctx.get("le", ctx.get("lt"))))
    bound_text = _num(bound) if isinstance(bound, int | float) else str(bound)
    if kind == "greater_than":
        return f"必须大于 {bound_text}"
    if kind == "greater_than_equal":
        return f"不能小于 {bound_text}"
    if kind == "less_than_equal":
        return f"不能大于 {bound_text}（惩罚项的权重应为负数或 0）"
    if kind == "less_than":
        return f"必须小于 {bound_text}"
    if kind == "too_short":
        return "不能为空"
    if kind in ("too_long", "tuple_too_long"):
        return "元素过多"
    return f"无效（{err.get('msg', kind)}）"
