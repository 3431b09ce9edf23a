"""Writing files safely: names that survive Chinese titles and slashes, atomic replacement."""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from caselib.errors import CaselibError, ConflictError, InvalidInputError, os_reason

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


#: A temporary file of ours left this long without change belongs to an export that was
#: killed: the next export into the folder removes it.
STALE_AFTER_SECONDS = 15 * 60
TEMP_PREFIX = ".caselib-"


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], *, force: bool = False) -> None:
    """Write through a temporary file in the same folder, renamed into place when complete,
    so an interrupted write leaves any old file intact. A failure of the file system (no
    space, no permission, a read-only folder) is a one-line ``CaselibError``.

    The content is made in memory first, so a writer that builds a zip (DOCX, XLSX) never
    meets the full disk itself (it would complain again when collected). A new file gets the
    mode the umask gives, as other programs' files do; a replaced one keeps its mode.
    """
    check_writable(path, force)
    buffer = io.BytesIO()
    try:
        write(buffer)
    except OSError as exc:
        raise CaselibError(f"无法写入 {path}：{os_reason(exc)}") from exc
    place_file(stage_file(path, buffer.getvalue(), force=force), path)


def stage_file(path: Path, data: bytes, *, force: bool = False) -> Path:
    """``data`` written to a temporary file beside ``path``, not yet in its place: the first
    half of ``atomic_write``, for a file that may only appear once a transaction committed
    (``place_file`` then; on any failure the caller removes the temporary file)."""
    check_writable(path, force)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise CaselibError(f"无法写入 {path}：{os_reason(exc)}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CaselibError(f"无法写入 {path}：{os_reason(exc)}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def place_file(staged: Path, path: Path) -> None:
    """Rename a ``stage_file`` temporary file into place (removed if that fails)."""
    try:
        os.replace(staged, path)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise CaselibError(f"无法写入 {path}：{os_reason(exc)}") from exc
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary files an export killed half-way left in ``folder`` (``.caselib-*``,
    untouched for ``STALE_AFTER_SECONDS``; a running export keeps writing its own)."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for leftover in folder.glob(TEMP_PREFIX + "*"):
        try:
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # not ours to insist on


def atomic_write_text(
    path: Path, text: str, *, force: bool = False, encoding: str = "utf-8"
) -> None:
    data = text.encode(encoding)

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    atomic_write(path, write, force=force)
