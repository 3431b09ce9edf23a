"""Plain-text files: encoding detection and splitting into lines."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from caselib.intake.readers.model import MAX_TEXT_BYTES, MB, Line, ReadError

_BINARY_MESSAGE = "不是文本文件（含有无法识别的二进制内容）"

# (BOM, codec used to decode, name reported). UTF-32 BOMs first: FF FE 00 00 starts with FF FE.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def read_text_file(path: Path, markdown: bool = False) -> tuple[list[Line], str, list[str]]:
    """Lines, encoding and warnings of a text or Markdown file (size checked before reading).

    Front matter another tool wrote at the top (---, aliases:, 网址:, ---) gives the title
    and date, never body lines."""
    size = path.stat().st_size
    if size == 0:
        raise ReadError("文件为空")
    if size > MAX_TEXT_BYTES:
        raise ReadError(
            f"文本文件过大（{size / MB:.1f} MB），超过 {MAX_TEXT_BYTES // MB} MB 的上限，请拆分后再导入"
        )
    text, encoding = read_text_bytes(path.read_bytes())
    warnings: list[str] = []
    if encoding not in ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-32"):
        warnings.append(f"文件编码为自动推测（{encoding}），请核对文字是否正确")
    from caselib.intake.readers import markdownfile

    if markdown:
        return markdownfile.markdown_lines(text), encoding, warnings
    meta, rest = markdownfile.split_front_matter(text)
    if meta:
        return markdownfile.head_lines(meta) + text_to_lines(rest), encoding, warnings
    return text_to_lines(text), encoding, warnings


def read_text_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOM, strict UTF-8, GB18030 (covers GBK/GB2312), then a guess.

    Returns ``(text, encoding)`` with newlines normalised to ``\\n``. Raises ``ReadError``
    for empty or binary data.
    """
    if not data:
        raise ReadError("文件为空")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise ReadError(f"文本文件编码损坏（按 {name} 无法解码）") from None
            return _finish(text, name)
    if b"\x00" in data:
        text16 = _try_bomless_utf16(data)
        if text16 is None:
            raise ReadError(_BINARY_MESSAGE)
        return _finish(text16, "utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _bad_ratio(text) > 0.01:
            raise ReadError(_BINARY_MESSAGE)
        return _finish(text, "utf-8")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _plausible_chinese(text):
            return _finish(text, "gb18030")
    guessed = _guess(data)
    if guessed is None:
        raise ReadError(_BINARY_MESSAGE)
    return _finish(*guessed)


def _finish(text: str, encoding: str) -> tuple[str, str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n").replace("\v", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n")
    if not text.strip():
        raise ReadError("文件中没有文字内容")
    return text, encoding


def _try_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows its NULs on one side (ASCII characters). Chinese text has
    few (the line ends, 一 = U+4E00): then the byte order whose text reads as Chinese (mostly
    GB2312 characters, as ``_plausible_chinese``; binary data decodes to rare ones). Else
    binary."""
    if len(data) % 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    if odd > even * 4:
        codecs = ["utf-16-le"]
    elif even > odd * 4:
        codecs = ["utf-16-be"]
    else:
        codecs = ["utf-16-le", "utf-16-be"]
    for codec in codecs:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _bad_ratio(text) <= 0.01 and (len(codecs) == 1 or _plausible_chinese(text)):
            return text
    return None


def _bad_ratio(text: str) -> float:
    """Share of characters no text file contains: controls, unassigned, private use."""
    if not text:
        return 0.0
    bad = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and ch not in _ALLOWED_CONTROLS) or cat in ("Cn", "Co", "Cs"):
            bad += 1
    return bad / len(text)


def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes many byte soups; real Chinese text uses mostly GB2312 characters."""
    if _bad_ratio(text) > 0.005:
        return False
    cjk = [ch for ch in text if ord(ch) > 0x7F]
    if not cjk:
        return True
    common = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(cjk) >= 0.7


def _guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # A guess with no language coherence at all is byte soup, not text.
    if best is None or best.encoding is None or best.coherence <= 0:
        return None
    text = str(best)
    if not text.strip() or _bad_ratio(text) > 0.01:
        return None
    return text, str(best.encoding)


_TOC_ENTRY = re.compile(r"^\S.{0,60}?(?:\t+\s*|\s*[.…·・]{4,}\s*)\d{1,3}\s*$")
_TOC_HEAD = re.compile(r"^\s*目\s*录\s*$")


def text_to_lines(text: str) -> list[Line]:
    """One ``Line`` per physical line; blank lines are dropped later by the structure pass.

    A table of contents ("目录", then entries ending in a tab or dot leader and a page
    number) is marked, and the lines above it are the cover, as in a Word file."""
    lines = [Line(raw) for raw in text.split("\n")]
    head = next((i for i, ln in enumerate(lines[:60]) if _TOC_HEAD.match(ln.text)), None)
    if head is None:
        return lines
    end = head
    for i in range(head + 1, len(lines)):
        if _TOC_ENTRY.match(lines[i].text):
            end = i
        elif lines[i].text.strip() and i - end > 1:
            break
    if end == head:
        return lines
    cover = [replace(ln, cover=True) for ln in lines[:head] if ln.text.strip()]
    return cover + lines[end + 1 :]
