"""The data a bulletin is written from: articles and the issue's 报头/版记 details."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from caselib.text.blocks import Block

KIND_CASE = "case"
KIND_STORY = "story"
GROUP_TITLES = {KIND_CASE: "经验案例", KIND_STORY: "暖心故事"}
DISTRIBUTION_ORDER = ("报", "送", "发")


@dataclass
class Article:
    """One case or story as it appears in an export."""

    title: str
    unit: str
    kind: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class BulletinSpec:
    """The issue-level data of a 简报: 报头, 期号, 编印单位, date, 编者按 and 版记."""

    series: str
    number: int
    date: _dt.date
    office: str
    editor_note: str | None
    distribution: dict[str, list[str]]
    copies: int | None = None
