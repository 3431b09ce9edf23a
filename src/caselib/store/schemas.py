"""Validated input for records (pydantic), with one-line Chinese messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from caselib.errors import InvalidInputError
from caselib.store.meta import KINDS, STATUS_LABELS, STATUSES
from caselib.text.blocks import Block
from caselib.text.dates import parse_date

KIND_ALIASES = {"案例": "case", "经验案例": "case", "故事": "story", "暖心故事": "story"}
# A file may give the status as shown to users (status: 已采用): the Chinese labels are accepted.
STATUS_ALIASES = {label: code for code, label in STATUS_LABELS.items()}
FIELD_LABELS = {
    "kind": "类型",
    "title": "标题",
    "unit": "单位",
    "tags": "标签",
    "date": "日期",
    "end_date": "结束日期",
    "submitted": "报送日期",
    "author": "作者",
    "contact": "联系方式",
    "status": "状态",
    "summary": "摘要",
    "body": "正文",
}
MAX_TITLE_LENGTH = 200


def _parse_optional_date(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(str(value))


class RecordIn(BaseModel):
    """Everything that describes a record, as given by a user, a file or the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = "case"
    title: str
    unit: str
    tags: list[str] = []
    date: dt.date | None = None
    end_date: dt.date | None = None
    submitted: dt.date | None = None
    author: str | None = None
    contact: str | None = None
    status: str = "submitted"
    summary: str | None = None
    body: list[Block] = []
    source_name: str | None = None
    source_hash: str | None = None
    source_path: str | None = None
    source_info: dict[str, str] = {}
    missing: list[str] = []

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> str:
        text = str(value).strip()
        text = KIND_ALIASES.get(text, text)
        if text not in KINDS:
            raise ValueError(f"类型只能是 case（经验案例）或 story（暖心故事），而不是“{value}”")
        return text

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        text = str(value).strip()
        text = STATUS_ALIASES.get(text, text)
        if text not in STATUSES:
            raise ValueError(f"状态“{value}”无效，可选：{'、'.join(STATUSES)}")
        return text

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value:
            raise ValueError("标题不能为空")
        if len(value) > MAX_TITLE_LENGTH:
            raise ValueError(f"标题过长（最多 {MAX_TITLE_LENGTH} 字）")
        return value

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        if not value:
            raise ValueError("单位不能为空")
        return value

    @field_validator("date", "end_date", "submitted", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _parse_optional_date(value)

    @field_validator("author", "contact", "summary", mode="before")
    @classmethod
    def _optional_text(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            raise ValueError("标签应为列表，例如 [共同缔造, 决策共谋]")
        return [str(v) for v in value]

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: Any) -> Any:
        blocks = []
        for item in value or []:
            if isinstance(item, Block):
                blocks.append(item)
            elif isinstance(item, dict):
                blocks.append(Block.from_json(item))
            else:
                raise ValueError("正文块格式无效")
        return blocks


def validate_record(data: dict[str, Any]) -> RecordIn:
    """A RecordIn from a plain dict, or InvalidInputError with one Chinese line."""
    try:
        record = RecordIn.model_validate(data)
    except InvalidInputError:
        raise
    except ValidationError as exc:
        raise InvalidInputError(_first_message(exc)) from exc
    if record.end_date and record.date and record.end_date < record.date:
        raise InvalidInputError("结束日期早于开始日期")
    if not any(b.text.strip() for b in record.body):
        raise InvalidInputError("正文不能为空")
    return record


def _first_message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error.get("loc", ())
    field = str(loc[0]) if loc else ""
    label = FIELD_LABELS.get(field, field)
    if error.get("type") == "extra_forbidden":
        return f"未知字段：{field}"
    if error.get("type") == "missing":
        return f"缺少必填字段：{label}"
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, Exception):
        return str(ctx_error)
    return f"字段“{label}”的值无效"
