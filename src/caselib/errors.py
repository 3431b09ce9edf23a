"""caselib's exceptions. The CLI turns every ``CaselibError`` into one Chinese line and exit 1."""

from __future__ import annotations


class CaselibError(Exception):
    """Base class: ``str(error)`` is the one-line message shown to the user (Chinese)."""


class NotFoundError(CaselibError):
    """A record, tag, unit, bulletin or shortlist that does not exist."""


class InvalidInputError(CaselibError):
    """Input that fails validation: empty title, malformed date, bad tag name…"""


class ConflictError(CaselibError):
    """The operation would duplicate something that must be unique."""


class LibraryError(CaselibError):
    """The library file itself: not a caselib library, too new, read-only, locked."""


_OS_REASONS = {
    "ENOSPC": "磁盘空间已满",
    "EDQUOT": "磁盘配额已用完",
    "EFBIG": "文件超出允许的大小（磁盘已满或有大小限制）",
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "EROFS": "所在的文件系统是只读的",
    "ENOENT": "文件或文件夹不存在",
    "ENOTDIR": "路径中有一段不是文件夹",
    "EISDIR": "这是一个文件夹",
    "EEXIST": "文件已存在",
    "ENAMETOOLONG": "文件名过长",
    "EIO": "磁盘读写错误",
    "EBUSY": "文件正被占用",
    "ETXTBSY": "文件正被占用",
    "EMFILE": "打开的文件过多",
    "ENFILE": "打开的文件过多",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (``strerror`` is English on most systems)."""
    import errno

    if exc.errno is None:
        return "文件操作失败"
    name = errno.errorcode.get(exc.errno, "")
    return _OS_REASONS.get(name) or f"系统错误（错误号 {exc.errno}）"


def suggest(name: str, candidates: list[str], n: int = 3) -> str:
    """A '（您是否要找：…）' hint naming the closest existing names, or ''."""
    import difflib

    close = difflib.get_close_matches(name, candidates, n=n, cutoff=0.3)
    if not close:
        close = [c for c in candidates if name in c or c in name][:n]
    return f"（您是否要找：{'、'.join(close)}）" if close else ""
