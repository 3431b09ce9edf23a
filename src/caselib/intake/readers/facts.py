"""From what the lines around an article say to its unit, date, metadata and sources.

Unit, in this order: a "单位：主题" title (标题前缀); a 来源/供稿/撰稿/通讯员/作者 line naming an
organisation (来源行) or a "（XX供稿）" note (供稿注); the signature of a 公文 (公文落款); the
发文机关标志 (发文机关标志); a unit signing under the title or at the end (署名行); the cover
(封面). Date: the signature's 成文日期 (落款); a dateline (日期行); the page's publication date
(发布时间); a note above the title citing it (按语); the cover (封面, a month only is read as its
first day, with a note); a full date in the first two paragraphs outside quotation marks (正文).
"""

from __future__ import annotations

import datetime
import re

from caselib.intake.readers.model import Fact, ParsedArticle
from caselib.text.dates import find_date

UNIT_ORDER = ("标题前缀", "来源行", "供稿注", "公文落款", "发文机关标志", "署名行", "封面")
DATE_ORDER = ("落款", "YAML 头", "日期行", "发布时间", "按语", "封面")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|\"[^\"]*\"")


def resolve(article: ParsedArticle, facts: list[Fact], warnings: list[str]) -> None:
    """Fill the article's unit, date, sources and metadata from the facts of its lines."""
    from caselib.intake.readers.lines import unit_from_title

    for fact in facts:
        if fact.key == "title":
            article.sources.setdefault("title", fact.source)
    if article.title is None:
        article.sources.pop("title", None)
    prefix = unit_from_title(article.title)
    units = [f for f in facts if f.key == "unit"]
    if prefix:
        article.unit, article.sources["unit"] = prefix, "标题前缀"
    else:
        best = _first_by(units, UNIT_ORDER)
        if best is not None:
            article.unit, article.sources["unit"] = best.value, best.source
    dates = [f for f in facts if f.key == "date"]
    best_date = _first_by(dates, DATE_ORDER)
    if best_date is not None:
        article.date = datetime.date.fromisoformat(best_date.value)
        article.sources["date"] = best_date.source
    else:
        month = next((f for f in facts if f.key == "month"), None)
        if month is not None:
            year, mon = (int(x) for x in month.value.split("-"))
            article.date = datetime.date(year, mon, 1)
            article.sources["date"] = month.source
            warnings.append(
                f"日期只写到月（{year}年{mon}月），已记为 {article.date.isoformat()}，请核对"
            )
        else:
            _date_from_body(article)
    for fact in facts:
        if fact.key in ("title", "unit", "date", "month"):
            continue
        if fact.key in article.metadata and fact.value not in article.metadata[fact.key]:
            article.metadata[fact.key] += "；" + fact.value
        else:
            article.metadata.setdefault(fact.key, fact.value)


def _first_by(facts: list[Fact], order: tuple[str, ...]) -> Fact | None:
    ranked = [f for f in facts if f.source in order]
    if not ranked:
        return facts[0] if facts else None
    return min(ranked, key=lambda f: order.index(f.source))


def _date_from_body(article: ParsedArticle) -> None:
    paragraphs = [b.text for b in article.blocks if b.type == "paragraph"][:2]
    for text in paragraphs:
        found = find_date(_QUOTED.sub("", text))
        if found is not None and found.year >= 1949 and found <= datetime.date.today():
            article.date, article.sources["date"] = found, "正文"
            return
