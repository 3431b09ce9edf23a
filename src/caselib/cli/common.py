"""Helpers shared by the command modules: state, output streams, input parsing."""

from __future__ import annotations

import codecs
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from datetime import date

    from caselib.store.config import Config
    from caselib.store.library import Library


MAX_NUMBER = 2**63 - 1  # the largest integer SQLite holds: no id or count can be larger

# Every command that takes record ids takes them through these: a number past what the
# library can hold is a usage error ("编号 超出范围"), never an OverflowError from SQLite.
RecordId = Annotated[
    int,
    typer.Argument(metavar="编号", help="记录编号。", min=1, max=MAX_NUMBER, show_default=False),
]
RecordIds = Annotated[
    list[int],
    typer.Argument(metavar="编号", help="记录编号，可多个。", min=1, max=MAX_NUMBER),
]


@dataclass
class State:
    """What the global options chose; the library is opened on first use."""

    db: str | None = None
    _library: Library | None = field(default=None, repr=False)

    def library(self) -> Library:
        if self._library is None:
            from caselib.store.library import Library

            self._library = Library.open(self.db)
        return self._library

    def config(self) -> Config:
        """The library's rubric and ranking settings (``<library>.toml``, else the defaults)."""
        from caselib.store.config import config_path, load_config
        from caselib.store.location import resolve_url, sqlite_path

        # found from the location alone: reading commands need no ORM to know their settings
        path = sqlite_path(resolve_url(self.db))
        return load_config(config_path(path) if path else None)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def fail(message: str) -> NoReturn:
    """One Chinese line on stderr, exit 1."""
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def note(message: str) -> None:
    """A message for the user (stderr, so stdout stays data)."""
    typer.echo(message, err=True)


def emit_json(data: Any) -> None:
    """JSON on stdout, Chinese as it is; \\u-escaped when stdout cannot encode it (a GBK or
    ASCII console), so the JSON stays exact rather than getting "?" for what it cannot show.

    Indented on a terminal. Into a pipe or a file, an array is written one compact element to a
    line (``recordjson.json_text``, the json module's C encoder: ``indent`` would switch to its
    pure-Python encoder, 0.6 s more for 10,000 records), which ``grep`` and ``head`` can use."""
    if isinstance(data, list) and not sys.stdout.isatty():
        from caselib.store.recordjson import json_text

        text = _lines([json_text(item) for item in data])
        if not _encodable(text):
            text = _lines([json_text(item, ascii_only=True) for item in data])
        sys.stdout.write(text + "\n")
        return
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if not _encodable(text):
        text = json.dumps(data, ensure_ascii=True, indent=2, default=str)
    sys.stdout.write(text + "\n")


def emit_json_lines(items: list[bytes]) -> None:
    """``emit_json`` of an array whose elements are UTF-8 JSON text already (``list --json``),
    written as they are when stdout takes UTF-8."""
    out = getattr(sys.stdout, "buffer", None)
    if (
        out is None
        or sys.stdout.isatty()
        or codecs.lookup(sys.stdout.encoding or "utf-8").name != "utf-8"
    ):
        emit_json([json.loads(item) for item in items])
        return
    sys.stdout.flush()
    out.write(b"[\n" + b",\n".join(items) + b"\n]\n" if items else b"[]\n")
    out.flush()


def _lines(items: list[str]) -> str:
    """A JSON array of JSON texts, one element to a line."""
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"


def _encodable(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def confirm(question: str) -> bool:
    """Ask a yes/no question on stderr (no unless answered y/是); asks again, in Chinese,
    after any other answer."""
    while True:
        answer = typer.prompt(f"{question}？[y/N]", default="", show_default=False, err=True)
        answer = answer.strip().lower()
        if answer in ("y", "yes", "是"):
            return True
        if answer in ("", "n", "no", "否"):
            return False
        note("请回答 y（是）或 n（否）")


def is_interactive() -> bool:
    """True when a person is at the terminal (prompts and the editor are allowed)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def parse_date_option(value: str | None) -> date | None:
    if value is None:
        return None
    from caselib.text.dates import parse_date

    return parse_date(value)


def choose_editor() -> str:
    """The editor to run: $VISUAL, else $EDITOR, else notepad on Windows, nano or vi elsewhere."""
    import os
    import shutil

    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    if sys.platform == "win32":
        return "notepad"
    for name in ("nano", "vi"):
        if shutil.which(name):
            return name
    fail("找不到文本编辑器：请设置环境变量 EDITOR（如 EDITOR=nano）")


def open_editor(text: str, suffix: str = ".md") -> str | None:
    """Let the user edit ``text`` in ``choose_editor()``; None when the file was left
    unchanged."""
    import os
    import subprocess
    import tempfile
    from pathlib import Path

    editor = choose_editor()
    fd, name = tempfile.mkstemp(prefix="caselib-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        before = path.stat().st_mtime_ns
        code = subprocess.call(f'{editor} "{path}"', shell=True)
        if code != 0:
            fail(f"编辑器 {editor} 异常退出（{code}）")
        if path.stat().st_mtime_ns == before and path.read_text("utf-8") == text:
            return None
        return path.read_text("utf-8")
    finally:
        path.unlink(missing_ok=True)
