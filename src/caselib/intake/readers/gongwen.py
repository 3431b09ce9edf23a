"""The parts of a 公文 (GB/T 9704: 通知, 报告, 请示, 意见) that are not its body.

版头: the 发文机关标志 ("XXXX人民政府文件", often in a text box), the 份号/密级 marks (★), the
文号 ("鄂大党发〔2022〕18号", with 签发人 in an upward document). Before the body: the 主送
line ("各二级党组织："). After it: 附件 lines, the signature (发文机关 and 成文日期 in any
numeral form), and the 版记 (抄送, "XXXX 2020年2月19日印发"). None of them is body text;
the 发文机关 is the unit, the 成文日期 the date and the 文号 goes to the metadata.
"""

from __future__ import annotations

import re

from caselib.intake.readers.model import Fact
from caselib.text.dates import find_date

_CN = "〇○零一二两三四五六七八九十"
_DOC_NUMBER = re.compile(
    r"^(?P<no>[\u4e00-\u9fffA-Za-z]{0,16}\s*[〔\[［（(]\s*(?:\d{4}|[\dX]{4})\s*[〕\]］）)]"
    r"\s*[\dXx第]*\s*号)(?:\s+签发人\s*[：:]\s*(?P<signer>\S.*))?$"
)
_SIGNER = re.compile(r"^签发人\s*[：:]\s*(?P<signer>\S.*)$")
_ISSUER_MARK = re.compile(r"^(?P<unit>[\u4e00-\u9fffA-Z（）()、]{2,30}?)\s*文件$")
_MARKS = re.compile(r"^[★☆＊*\s]+$|^(?:特急|加急|平急|特提|秘密|机密|绝密)(?:\s*★.*)?$|^\d{6}$")
_DATE_LINE = re.compile(
    rf"^(?:[\dX{_CN}]{{2,4}}\s*年\s*[\dX{_CN}]{{1,3}}\s*月\s*[\dX{_CN}]{{1,3}}\s*[日号]"
    r"|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2})$"
)
_PRINTED = re.compile(r"印发$|^(?:抄送|抄报|分送)\s*[：:]|^[（(]?\s*共印\s*\d+\s*份")
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[：:.．、]?\s*(?:\S.{0,80})?$")
_RECIPIENTS = re.compile(r"^[^。！？!?；;]{2,80}[：:]$")
_STAMP = re.compile(
    r"^[（(]\s*(?:盖章|印章|公章|此件[^（）()]{0,24})\s*[）)]$"
)  # and 附注 （此件公开发布）


def doc_number(text: str) -> tuple[str, str | None] | None:
    """(文号, 签发人) of a 文号 line, else None."""
    m = _DOC_NUMBER.match(text)
    if not m:
        return None
    return re.sub(r"\s+", "", m["no"]), (m["signer"] or None)


def head_facts(text: str) -> tuple[Fact, ...] | None:
    """Facts of a 版头 line (文号, 签发人, 发文机关标志, ★); None when it is none of them."""
    found = doc_number(text)
    if found is not None:
        number, signer = found
        facts = [Fact("文号", number, "文号")] if re.search(r"\d", number) else []
        if signer and not set(signer) <= set("□ X"):
            facts.append(Fact("签发人", signer, "文号"))
        return tuple(facts)
    signer_m = _SIGNER.match(text)
    if signer_m:
        return (Fact("签发人", signer_m["signer"], "文号"),)
    issuer = _ISSUER_MARK.match(text)
    if issuer and len(text) <= 32:
        return (Fact("unit", issuer["unit"], "发文机关标志"),)
    if _MARKS.match(text):
        return ()
    return None


def is_date_line(text: str) -> bool:
    """A line that is only a date (成文日期, dateline), placeholders (20XX年XX月XX日) too."""
    return _DATE_LINE.match(text.strip()) is not None


def date_facts(text: str, source: str) -> tuple[Fact, ...]:
    found = find_date(text)
    return (Fact("date", found.isoformat(), source),) if found else ()


def is_printed_line(text: str) -> bool:
    """版记 lines: 抄送：…, "XXXX办公室 2020年2月19日印发", （共印 30 份）."""
    return _PRINTED.search(text) is not None


def is_attachment_line(text: str) -> bool:
    """附件：《…》 / 附件 1. … / 附件 naming what is attached (not the attachment's text)."""
    return len(text) <= 90 and _ATTACHMENT.match(text) is not None and "。" not in text


def is_recipients(text: str) -> bool:
    """A 主送 line: 各党总支、直属党支部：, [此处输入主送机关]：."""
    if not _RECIPIENTS.match(text):
        return False
    return text.startswith(("各", "[", "【", "全体", "校属", "市属", "区属")) or bool(
        re.search(r"[、，,]|党组织|党委|党支部|部门|单位|机关|学院|同志|总队", text)
    )


def is_stamp(text: str) -> bool:
    return _STAMP.match(text) is not None
