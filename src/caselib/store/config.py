"""The rubric and ranking configuration: criteria, scale, term weights, guideline lengths.

The configuration lives in a TOML file beside the library (``config_path``: caselib.db →
caselib.toml). Keys the file leaves out keep the bundled defaults (``data/rubric.toml``, where
every default is documented with its reason); tables merge key by key, lists and the
``[adoption_points]`` table replace the default as a whole.

The configuration is plain frozen dataclasses. The bundled defaults are trusted and built
without validation; a settings file is validated by pydantic (``config_schema``, imported only
then), and any error becomes an ``InvalidInputError`` naming the file and the line. So read
commands of a library without a settings file never load pydantic.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from caselib.errors import ConflictError, InvalidInputError, suggest

DEFAULT_CONFIG_NAME = "rubric.toml"

# Tables replaced as a whole rather than merged key by key: listing adoption levels in the
# file means "these are the levels", so a default level must not linger.
_REPLACED_TABLES = {("adoption_points",)}


def config_path(db_file: Path) -> Path:
    """The configuration file of a library: the sibling ``<library>.toml`` (caselib.db →
    caselib.toml)."""
    return db_file.with_suffix(".toml")


@dataclass(frozen=True)
class Criterion:
    """One criterion reviewers score (真实性, 典型性…), its weight in the reviewer's mean."""

    name: str
    weight: float
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Rubric:
    """The criteria and the score scale (inclusive)."""

    scale_min: float = 1.0
    scale_max: float = 5.0
    criteria: tuple[Criterion, ...]

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


@dataclass(frozen=True)
class Weights:
    """Points per ranking term; every term value is in 0–1. Penalties are ≤ 0."""

    reviews: float
    figures: float
    dates: float
    structure: float
    length: float
    theme: float
    freshness: float
    duplicate: float
    reported: float


@dataclass(frozen=True)
class LengthRange:
    """Guideline length per kind, in characters without whitespace: [min, max]."""

    case: tuple[int, int]
    story: tuple[int, int]

    def for_kind(self, kind: str) -> tuple[int, int]:
        return self.story if kind == "story" else self.case


@dataclass(frozen=True)
class KindEvidence:
    """How many distinct figures / dates / headings earn a full term value (0: not expected)."""

    figures: int
    dates: int
    headings: int


@dataclass(frozen=True)
class EvidenceSettings:
    case: KindEvidence
    story: KindEvidence

    def for_kind(self, kind: str) -> KindEvidence:
        return self.story if kind == "story" else self.case


@dataclass(frozen=True)
class Freshness:
    half_life_days: float


@dataclass(frozen=True)
class Theme:
    root: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """Everything the review, ranking and statistics code reads from ``<library>.toml``."""

    rubric: Rubric
    weights: Weights
    length: LengthRange
    evidence: EvidenceSettings
    freshness: Freshness
    theme: Theme
    adoption_points: dict[str, float]

    @property
    def adoption_levels(self) -> list[str]:
        """Levels from the lowest to the highest points."""
        return sorted(self.adoption_points, key=lambda k: (self.adoption_points[k], k))

    def as_dict(self) -> dict[str, Any]:
        """Plain data (tuples as lists), as ``rubric --json`` prints it."""
        data: dict[str, Any] = _lists(asdict(self))
        return data


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def build_config(data: Mapping[str, Any]) -> Config:
    """The configuration from complete, valid plain data (the bundled defaults, or a settings
    file once ``config_schema.validate`` has checked it)."""
    r = data["rubric"]
    return Config(
        rubric=Rubric(
            criteria=tuple(
                Criterion(str(c["name"]), float(c["weight"]), str(c.get("description", "")))
                for c in r["criteria"]
            ),
            scale_min=float(r.get("scale_min", 1.0)),
            scale_max=float(r.get("scale_max", 5.0)),
        ),
        weights=Weights(**{k: float(v) for k, v in data["weights"].items()}),
        length=LengthRange(
            case=_pair(data["length"]["case"]), story=_pair(data["length"]["story"])
        ),
        evidence=EvidenceSettings(
            case=KindEvidence(**{k: int(v) for k, v in data["evidence"]["case"].items()}),
            story=KindEvidence(**{k: int(v) for k, v in data["evidence"]["story"].items()}),
        ),
        freshness=Freshness(float(data["freshness"]["half_life_days"])),
        theme=Theme(str(data["theme"]["root"]), tuple(str(p) for p in data["theme"]["parts"])),
        adoption_points={str(k): float(v) for k, v in data["adoption_points"].items()},
    )


def _pair(value: Any) -> tuple[int, int]:
    low, high = value
    return int(low), int(high)


def default_config_text() -> str:
    """The bundled, commented default configuration (``data/rubric.toml``)."""
    return resources.files("caselib").joinpath("data", DEFAULT_CONFIG_NAME).read_text("utf-8")


def default_config_data() -> dict[str, Any]:
    """The bundled defaults as parsed TOML."""
    return tomllib.loads(default_config_text())


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The bundled defaults (cached: the file is read once per process). They are not run
    through the validator: the test suite checks that they pass it."""
    return build_config(default_config_data())


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
    from caselib.store.config_schema import validate  # pydantic: only for a settings file

    return build_config(validate(_merge(default_config_data(), data, ()), text, source))


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
