"""What went wrong with the library file, in one Chinese line.

SQLite reports a locked, read-only, full or damaged library with an error code; SQLAlchemy
wraps the same error with the SQL statement and a web address. Neither is for the user: every
database error that leaves the store goes through ``library_error``. Kept free of SQLAlchemy
(an SQLAlchemy error is recognised by its ``orig`` attribute) so the read path can use it.
"""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path

from caselib.errors import LibraryError

#: The first 16 bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"

# SQLite's primary result codes (the low byte of an extended code).
_PERM, _BUSY, _LOCKED, _NOMEM, _READONLY = 3, 5, 6, 7, 8
_IOERR, _CORRUPT, _FULL, _CANTOPEN = 10, 11, 13, 14
_CONSTRAINT, _NOTADB = 19, 26

LOCKED = "库正被另一位同事（或另一个程序）写入，等待超时，请稍后再试"
READ_ONLY = "库文件是只读的，无法写入"
READ_ONLY_FOLDER = "库所在的文件夹不可写，库只能读取，无法写入"
FULL = "磁盘空间已满，无法写入库；请腾出空间后再试"
IO_ERROR = "读写库文件时出错（磁盘已满或磁盘故障）；请检查磁盘后再试"
CANT_OPEN = "无法打开库文件，请检查路径与权限"
CONFLICT = "写入与库中已有的内容冲突（可能另一位同事刚刚写入），请重试"


def damaged(path: Path | None) -> str:
    """The line for a library file SQLite cannot read: damaged, and how to get it back."""
    if path is None:
        return "库文件已损坏：请换用备份；没有备份时可用 sqlite3 的 .recover 命令抢救出一个新库"
    rescued = path.with_name(f"{path.stem}-抢救{path.suffix}")
    return (
        f"库文件已损坏：{path}。请换用备份；没有备份时可用 sqlite3 抢救出一个新库："
        f"sqlite3 {shlex.quote(str(path))} .recover | sqlite3 {shlex.quote(str(rescued))}"
    )


def not_a_library(path: Path | None) -> str:
    return f"该文件不是 caselib 库：{path}" if path is not None else "该文件不是 caselib 库"


def looks_like_sqlite(path: Path | None) -> bool:
    """True when the file starts as an SQLite database does (so an unreadable one is damaged,
    not some other kind of file)."""
    if path is None:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return head == SQLITE_MAGIC or (
        0 < len(head) < len(SQLITE_MAGIC) and SQLITE_MAGIC.startswith(head)
    )


def error_code(exc: BaseException) -> int | None:
    """SQLite's primary result code behind ``exc`` (an sqlite3 or SQLAlchemy error), if any."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        exc = orig
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for needle, value in (
        ("locked", _BUSY),
        ("busy", _BUSY),
        ("readonly", _READONLY),
        ("read-only", _READONLY),
        ("disk is full", _FULL),
        ("disk i/o", _IOERR),
        ("malformed", _CORRUPT),
        ("not a database", _NOTADB),
        ("unable to open", _CANTOPEN),
        ("constraint", _CONSTRAINT),
    ):
        if needle in text:
            return value
    return None


#: PostgreSQL states worth running a transaction again for: serialization failure,
#: deadlock detected, lock not available.
_PG_TRANSIENT = ("40001", "40P01", "55P03")


def is_transient(exc: BaseException | None) -> bool:
    """True for a failure that running the same transaction again may not meet: SQLite's
    lock still held when the busy timeout ran out, PostgreSQL's serialization failure or
    deadlock. ``exc``: the database error (sqlite3, psycopg or SQLAlchemy's wrapper)."""
    if exc is None:
        return False
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) in _PG_TRANSIENT:
        return True
    return isinstance(orig, sqlite3.Error) and error_code(orig) in (_BUSY, _LOCKED)


def is_read_only(exc: BaseException) -> bool:
    return error_code(exc) == _READONLY


def is_damage(exc: BaseException) -> bool:
    return error_code(exc) in (_CORRUPT, _NOTADB)


def library_error(
    exc: BaseException, path: Path | None = None, *, read_only: str | None = None
) -> LibraryError:
    """One Chinese line for a database error (never its SQL or an English message).

    ``read_only`` is the line for a write refused by a library opened read-only (the folder
    cannot be written, say), when that is the reason rather than the file's own mode."""
    code = error_code(exc)
    if code in (_BUSY, _LOCKED):
        return LibraryError(LOCKED)
    if code == _READONLY:
        return LibraryError(read_only or READ_ONLY)
    if code == _FULL:
        return LibraryError(FULL)
    if code == _IOERR:
        return LibraryError(IO_ERROR)
    if code in (_CORRUPT, _NOTADB):
        return LibraryError(damaged(path) if looks_like_sqlite(path) else not_a_library(path))
    if code in (_CANTOPEN, _PERM):
        return LibraryError(CANT_OPEN)
    if code == _CONSTRAINT:
        return LibraryError(CONFLICT)
    if code == _NOMEM:
        return LibraryError("内存不足，无法完成操作")
    return LibraryError("数据库操作失败，请运行 caselib check 检查库文件")


def from_database_error(exc: BaseException, db: str | None) -> LibraryError | None:
    """The line for a database error that reached the command line untranslated (a damaged
    page met in the middle of a listing, say), or None when ``exc`` is no database error.
    ``db`` is the library as the user gave it."""
    if not isinstance(exc, sqlite3.Error) and not isinstance(
        getattr(exc, "orig", None), sqlite3.Error
    ):
        return None
    from caselib.store.location import resolve_url, sqlite_path

    return library_error(exc, sqlite_path(resolve_url(db)))
