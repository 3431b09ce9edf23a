"""The rubric and ranking configuration: criteria, scale, term weights, guideline lengths.

The configuration lives in a TOML file beside the library (``config_path``: caselib.db →
caselib.toml). Keys the file leaves out keep the bundled defaults (``data/rubric.toml``, where
every default is documented with its reason); tables merge key by key, lists and the
``[adoption_points]`` table replace the default as a whole. The merged result is validated by
pydantic; any error becomes an ``InvalidInputError`` naming the file and the line.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
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

from caselib.errors import ConflictError, InvalidInputError, suggest

DEFAULT_CONFIG_NAME = "rubric.toml"

# Tables replaced as a whole rather than merged key by key: listing adoption levels in the
# file means "these are the levels", so a default level must not linger.
_REPLACED_TABLES = {("adoption_points",)}


def config_path(db_file: Path) -> Path:
    """The configuration file of a library: the sibling ``<library>.toml`` (caselib.db →
    caselib.toml)."""
    return db_file.with_suffix(".toml")


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

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.criteria]

    @property
    def scale_label(self) -> str:
        return f"{_num(self.scale_min)}–{_num(self.scale_max)} 分"

    def check_scores(self, scores: Mapping[str, float]) -> dict[str, float]:
        """The scores as floats if they name at least one criterion, only known ones, each
        within the scale; otherwise ``InvalidInputError``. A reviewer may score a subset of
        the criteria (``review 12 --score 典型性=4 --score 创新性=5``): the review's value is the
        weighted mean over the criteria it scores."""
        known = self.names
        out: dict[str, float] = {}
        for name, raw in scores.items():
            if name not in known:
                hint = suggest(name, known) or f"（评分项：{'、'.join(known)}）"
                raise InvalidInputError(f"未知的评分项“{name}”{hint}")
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise InvalidInputError(f"评分项“{name}”的分数“{raw}”不是数字") from None
            if not math.isfinite(value):
                raise InvalidInputError(f"评分项“{name}”的分数“{raw}”不是有效数字")
            if not self.scale_min <= value <= self.scale_max:
                raise InvalidInputError(
                    f"评分项“{name}”的分数 {_num(value)} 超出范围（{self.scale_label}）"
                )
            out[name] = value
        if not out:
            raise InvalidInputError(f"请至少给出一个评分项（评分项：{'、'.join(known)}）")
        return out

    def weighted_mean(self, scores: Mapping[str, float]) -> float | None:
        """The weighted mean over the criteria present in ``scores`` (scores given under a
        criterion since removed from the rubric are ignored); None when none is present."""
        num: list[float] = []
        den: list[float] = []
        for c in self.criteria:
            value = scores.get(c.name)
            if value is not None:
                num.append(c.weight * float(value))
                den.append(c.weight)
        if not den:
            return None
        return math.fsum(num) / math.fsum(den)


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

    def for_kind(self, kind: str) -> tuple[int, int]:
        return self.story if kind == "story" else self.case


class KindEvidence(_Strict):
    """How many distinct figures / dates / headings earn a full term value (0: not expected)."""

    figures: int = Field(ge=0)
    dates: int = Field(ge=0)
    headings: int = Field(ge=0)


class EvidenceSettings(_Strict):
    case: KindEvidence
    story: KindEvidence

    def for_kind(self, kind: str) -> KindEvidence:
        return self.story if kind == "story" else self.case


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


class Config(_Strict):
    """Everything the review, ranking and statistics code reads from ``<library>.toml``."""

    rubric: Rubric
    weights: Weights
    length: LengthRange
    evidence: EvidenceSettings
    freshness: Freshness
    theme: Theme
    adoption_points: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @property
    def adoption_levels(self) -> list[str]:
        """Levels from the lowest to the highest points."""
        return sorted(self.adoption_points, key=lambda k: (self.adoption_points[k], k))


def default_config_text() -> str:
    """The bundled, commented default configuration (``data/rubric.toml``)."""
    return resources.files("caselib").joinpath("data", DEFAULT_CONFIG_NAME).read_text("utf-8")


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The bundled defaults, validated (cached: the file is read once per process)."""
    return Config.model_validate(tomllib.loads(default_config_text()))


def load_config(path: Path | None) -> Config:
    """The configuration from ``path`` merged over the defaults; the defaults alone when
    ``path`` is None or does not exist. Malformed TOML or an invalid value raises
    ``InvalidInputError`` naming the file and the line."""
    if path is None or not path.exists():
        return default_config()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"配置文件 {path.name} 不是 UTF-8 编码") from None
    return parse_config(text, path.name)


def parse_config(text: str, source: str = "配置") -> Config:
    """Parse and validate configuration text (merged over the defaults)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, detail = _toml_error_line(exc, text)
        raise InvalidInputError(
            f"配置文件 {source} 第 {line} 行：TOML 格式错误（{_toml_problem(detail)}）"
        ) from None
    merged = _merge(tomllib.loads(default_config_text()), data, ())
    try:
        return Config.model_validate(merged)
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


def write_default_config(path: Path) -> Path:
    """Write the commented defaults to ``path`` for editing; refuses to overwrite."""
    if path.exists():
        raise ConflictError(f"配置文件 {path} 已存在")
    path.write_text(default_config_text(), encoding="utf-8")
    return path


def _num(value: float) -> str:
    return f"{value:g}"


def _merge(base: dict[str, Any], over: Mapping[str, Any], at: tuple[str, ...]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        here = (*at, key)
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and here not in _REPLACED_TABLES
        ):
            out[key] = _merge(out[key], value, here)
        else:
            out[key] = value
    return out


_TOML_POS = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")


# tomllib's messages (English) by how they start, in the words of someone editing the file.
_TOML_PROBLEMS = (
    ("Invalid value", "值的写法不对：文字加英文双引号，数字不加，列表写在 [ ] 中"),
    ("Expected '=' after a key", "设置项后面缺少“=”"),
    ("Expected ']' at the end of a table", "表名缺少右方括号“]”"),
    ("Expected ']]' at the end of an array", "“[[”缺少对应的“]]”"),
    ("Expected newline or end of document", "一行只能写一个设置项"),
    ("Cannot declare", "同一个表或设置项写了两次"),
    ("Cannot overwrite a value", "同一个设置项写了两次"),
    ("Cannot redefine namespace", "同一个表写了两次"),
    ("Cannot mutate immutable namespace", "同一个表写了两次"),
    ("Duplicate inline table key", "花括号中的设置项写了两次"),
    ("Unclosed array", "列表缺少右方括号“]”"),
    ("Unclosed inline table", "花括号“{”没有闭合"),
    ("Unterminated string", "引号没有闭合"),
    ("Invalid statement", "无法识别这一行：应为“设置项 = 值”或“[表名]”"),
    ("Invalid initial character for a key", "设置项名称的写法不对（含中文的名称要加英文双引号）"),
    ("Illegal character", "含有不允许的字符"),
    ("Found invalid character", "含有不允许的字符"),
    ("Invalid date or datetime", "日期的写法不对"),
    ("Invalid hex value", "字符串中的转义写法不对"),
    ("Escaped character", "字符串中的转义写法不对"),
    ("Unescaped", "字符串中的反斜杠“\\”要写成“\\\\”"),
)


def _toml_problem(message: str) -> str:
    """tomllib's message in Chinese (it has no translations of its own)."""
    for start, chinese in _TOML_PROBLEMS:
        if message.startswith(start):
            return chinese
    return "格式不对"


def _toml_error_line(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int, str]:
    """(line, message without position). Python ≥ 3.14 has ``lineno``; earlier versions only
    put "(at line N, column M)" or "(at end of document)" in the message."""
    message = str(getattr(exc, "msg", None) or exc)
    lineno = getattr(exc, "lineno", None)
    match = _TOML_POS.search(message)
    if match:
        lineno = lineno or int(match.group(1))
        message = message[: match.start()]
    at_end = re.search(r"\s*\(at end of document\)\s*$", message)
    if at_end:
        message = message[: at_end.start()]
        lineno = lineno or max(1, len(text.splitlines()))
    return (int(lineno) if lineno else 1), message


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
