"""Facts about a caselib library that the fast read path needs without SQLAlchemy:
the application name and schema version, the record kinds and statuses, and the plain-SQL
counts of what a library holds (``info``, and the ORM handle's ``counts``)."""

from __future__ import annotations

from typing import Any

from caselib.errors import LibraryError

APPLICATION = "caselib"
SCHEMA_VERSION = 4

# The unit of a record whose unit no rule could find: a real unit row, so that every record
# has one, shown as is and listed by ``list --incomplete`` until ``edit`` names the real unit.
UNKNOWN_UNIT = "待补单位"
MISSING_LABELS = {"unit": "单位", "title": "标题", "date": "日期"}

KINDS = ("case", "story")
KIND_LABELS = {"case": "经验案例", "story": "暖心故事"}
STATUSES = ("draft", "submitted", "reviewing", "shortlisted", "reported", "adopted", "declined")
# Statuses that say a record was reported (declined: reported, not adopted) or adopted, whether
# or not the report/adoption rows exist (a status read from an imported file).
REPORTED_STATUSES = ("reported", "adopted", "declined")
ADOPTED_STATUSES = ("adopted",)
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "reviewing": "评审中",
    "shortlisted": "入围",
    "reported": "已报送",
    "adopted": "已采用",
    "declined": "未采用",
}
# Statuses that say a record was reported (declined: reported, not adopted) or adopted, whether
# or not the report/adoption rows exist (a status read from an imported file).
REPORTED_STATUSES = ("reported", "adopted", "declined")
ADOPTED_STATUSES = ("adopted",)


def check_meta(rows: list[tuple[str, str]]) -> int:
    """The schema version from the ``meta`` table rows, or LibraryError if not ours/too new."""
    meta = dict(rows)
    if meta.get("application") != APPLICATION:
        raise LibraryError("该数据库不是 caselib 库")
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"该库由更新版本的 caselib 创建（库结构版本 {version}，本程序支持到 "
            f"{SCHEMA_VERSION}），请升级 caselib"
        )
    return version


COUNTS = {
    "records": "SELECT COUNT(*) FROM record WHERE deleted_at IS NULL",
    "trash": "SELECT COUNT(*) FROM record WHERE deleted_at IS NOT NULL",
    "units": "SELECT COUNT(*) FROM unit",
    "tags": "SELECT COUNT(*) FROM tag",
    "bulletins": "SELECT COUNT(*) FROM bulletin",
}


def counts(conn: Any) -> dict[str, int]:
    """Live records, records in the trash, units, tags and bulletins."""
    return {key: int(conn.execute(sql).fetchone()[0]) for key, sql in COUNTS.items()}


def schema_version(conn: Any) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0
