"""Writing files safely: names that survive Chinese titles and slashes, atomic replacement."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from caselib.errors import CaselibError, ConflictError, InvalidInputError

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
MAX_NAME_CHARS = 60


def safe_filename(text: str, suffix: str = "") -> str:
    """A file name from a title: path separators and characters Windows forbids become "_"."""
    name = _UNSAFE.sub("_", text).strip(" .")
    name = re.sub(r"\s+", " ", name)[:MAX_NAME_CHARS].rstrip(" .") or "untitled"
    return name + suffix


def check_writable(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise ConflictError(f"文件已存在：{path}（如需覆盖请加 --force）")
    if path.exists() and path.is_dir():
        raise InvalidInputError(f"目标是一个文件夹：{path}")


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], *, force: bool = False) -> None:
    """Write through a temporary file in the same folder, renamed into place when complete,
    so an interrupted write leaves any old file intact. A failure of the file system (no
    space, no permission, a read-only folder) is a one-line ``CaselibError``."""
    check_writable(path, force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".caselib-", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise CaselibError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CaselibError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(
    path: Path, text: str, *, force: bool = False, encoding: str = "utf-8"
) -> None:
    data = text.encode(encoding)

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    atomic_write(path, write, force=force)
