"""Facts about a caselib library that the fast read path needs without SQLAlchemy:
the application name and schema version, the record kinds and statuses, and a way to open
a SQLite library with the standard ``sqlite3`` module."""

from __future__ import annotations

import sqlite3

from caselib.errors import LibraryError

APPLICATION = "caselib"
SCHEMA_VERSION = 1

KINDS = ("case", "story")
KIND_LABELS = {"case": "经验案例", "story": "暖心故事"}
STATUSES = ("draft", "submitted", "reviewing", "shortlisted", "reported", "adopted", "declined")
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "reviewing": "评审中",
    "shortlisted": "入围",
    "reported": "已报送",
    "adopted": "已采用",
    "declined": "未采用",
}


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


def connect_sqlite(db: str | None) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the library, for read-only commands.

    A library written by an older caselib is first upgraded through ``Library.open`` (the only
    case that loads SQLAlchemy here)."""
    from caselib import sqlite_backend
    from caselib.location import resolve_url, sqlite_path

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is None:
        raise LibraryError("该命令目前只支持 SQLite 库")
    if not path.exists():
        raise LibraryError(f"库不存在：{path}（请先运行 caselib init）")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        sqlite_backend.configure_connection(conn)
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.DatabaseError as exc:
        raise LibraryError("该文件不是 caselib 库") from exc
    if check_meta(rows) < SCHEMA_VERSION:
        conn.close()
        from caselib.db import Library

        Library.open(db)
        return connect_sqlite(db)
    return conn
