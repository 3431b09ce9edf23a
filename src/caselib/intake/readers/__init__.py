"""Reading what units send: Word files, old Word/WPS files, PDFs, text copies of bulletins and
web pages, and Markdown written by other tools.

``read_document`` turns one file into a ``ParsedDocument``: its articles (cases and stories,
each a title, unit, kind and list of blocks) and, for a 简报, the bulletin frame (series,
number, date, office, 编者按, 报/送/发). Every failure is a ``ReadError`` with a one-line
Chinese message; no other exception escapes.

Limits (see ``caselib.intake.readers.model``): text and Markdown files up to 20 MB (refused before reading);
.docx files up to 100 MB on disk, 256 MB uncompressed in total and 48 MB for any XML part
(checked on the zip directory before python-docx parses anything); .doc/.wps/.pdf up to
100 MB; converters are killed after 120 s (``CASELIB_CONVERT_TIMEOUT``).

python-docx and charset-normalizer are imported only when a file needs them.
"""

from __future__ import annotations

from pathlib import Path

from caselib.intake.readers.model import (
    MAX_CONVERT_BYTES,
    MAX_DOCX_BYTES,
    MAX_DOCX_UNCOMPRESSED,
    MAX_TEXT_BYTES,
    MAX_XML_PART_BYTES,
    MB,
    Line,
    ParsedArticle,
    ParsedBulletin,
    ParsedDocument,
    ReadError,
)

__all__ = [
    "MAX_CONVERT_BYTES",
    "MAX_DOCX_BYTES",
    "MAX_DOCX_UNCOMPRESSED",
    "MAX_TEXT_BYTES",
    "MAX_XML_PART_BYTES",
    "SUPPORTED_SUFFIXES",
    "ParsedArticle",
    "ParsedBulletin",
    "ParsedDocument",
    "ReadError",
    "read_document",
    "read_text_bytes",
]

SUPPORTED_SUFFIXES = frozenset({".docx", ".txt", ".md", ".markdown", ".doc", ".wps", ".pdf"})

_FORMAT_NAMES = {
    ".doc": "旧版 Word（.doc）文件",
    ".wps": "WPS（.wps）文件",
    ".docx": "旧版 Word 格式的文件",
    ".pdf": "PDF 文件",
}


def read_text_bytes(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; returns ``(text, encoding)``.

    Order: BOM (utf-8-sig, utf-16 LE/BE), strict UTF-8, GB18030 (covers GBK and GB2312),
    then charset-normalizer. Binary data raises ``ReadError``.
    """
    from caselib.intake.readers.textfile import read_text_bytes as decode

    return decode(data)


def read_document(path: Path) -> ParsedDocument:
    """Read one .docx, .doc, .wps, .pdf, .txt or .md file; raises ``ReadError`` on any failure.

    A .md file is read as Markdown from another tool (``markdownfile``); caselib's own
    Markdown records are read by ``caselib.text.markdown`` instead."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "无扩展名"
        raise ReadError(
            f"不支持的文件类型（{shown}），可导入 .docx、.doc、.wps、.pdf、.txt、.md 文件"
        )
    if not path.exists():
        raise ReadError(f"找不到文件：{path.name}")
    if not path.is_file():
        raise ReadError(f"不是文件：{path.name}")
    try:
        return _read(path, suffix)
    except ReadError:
        raise
    except PermissionError:
        raise ReadError("没有读取该文件的权限") from None
    except MemoryError:
        raise ReadError("文件过大，内存不足，无法读取") from None
    except OSError as exc:
        raise ReadError(f"读取文件失败：{exc.strerror or type(exc).__name__}") from None
    except Exception as exc:  # a reader bug or an input nobody foresaw: still one line
        raise ReadError(f"无法解析该文件（{type(exc).__name__}）") from exc


def _read(path: Path, suffix: str) -> ParsedDocument:
    from caselib.intake.readers import convert, wordfile

    size = path.stat().st_size
    if size == 0:
        raise ReadError("文件为空")
    if suffix in (".txt", ".md", ".markdown"):
        from caselib.intake.readers.textfile import read_text_file

        lines, encoding, warnings = read_text_file(path, markdown=suffix != ".txt")
        return _assemble(lines, encoding, warnings)
    if size > MAX_CONVERT_BYTES:
        raise ReadError(f"文件过大（{size / MB:.1f} MB），超过 {MAX_CONVERT_BYTES // MB} MB 的上限")
    kind = wordfile.sniff(path)
    if suffix == ".pdf" and kind != "pdf":
        raise ReadError("不是有效的 PDF 文件")
    if kind == "pdf":  # also a PDF someone renamed to .doc/.docx
        return _read_pdf(path)
    if kind == "zip":
        return _read_docx(path, [])
    what = _FORMAT_NAMES[suffix]
    if kind == "ole":
        if wordfile.ole_is_encrypted(path):
            raise ReadError("文件已加密，无法读取")
        with convert.soffice_to_docx(path, what, as_suffix=".doc") as converted:
            return _read_docx(converted, ["已用 LibreOffice 转换旧版格式后读取，请核对格式"])
    if kind == "rtf":
        with convert.soffice_to_docx(path, "RTF 格式的文件", as_suffix=".rtf") as converted:
            return _read_docx(converted, ["已用 LibreOffice 转换 RTF 格式后读取，请核对格式"])
    if suffix == ".docx":
        raise ReadError("不是有效的 Word 文档（压缩包损坏）")
    with convert.soffice_to_docx(path, what) as converted:
        return _read_docx(converted, ["已用 LibreOffice 转换后读取，请核对格式"])


def _read_pdf(path: Path) -> ParsedDocument:
    from caselib.intake.readers import convert
    from caselib.intake.readers.textfile import text_to_lines

    no_text = "PDF 中没有可提取的文字（可能是扫描件），" + convert.SAVE_AS_DOCX
    if convert.find_pdftotext() is not None:
        text = convert.pdftotext(path)
        if not text.strip():
            raise ReadError(no_text)
        return _assemble(text_to_lines(text), None, ["已从 PDF 提取文字，请核对分段和标题"])
    if convert.find_soffice() is None:
        raise ReadError(f"无法读取 PDF：未安装 pdftotext 或 LibreOffice，{convert.SAVE_AS_DOCX}")
    with convert.soffice_to_docx(path, _FORMAT_NAMES[".pdf"]) as converted:
        try:
            return _read_docx(converted, ["已用 LibreOffice 从 PDF 转换后读取，请核对分段和标题"])
        except ReadError as exc:
            if "没有可读取的文字" in str(exc):
                raise ReadError(no_text) from None
            raise


def _read_docx(path: Path, warnings: list[str]) -> ParsedDocument:
    from caselib.intake.readers import wordfile

    wordfile.check_zip(path)
    lines = wordfile.docx_lines(path)
    if not any(line.text.strip() for line in lines):
        raise ReadError("文档中没有可读取的文字（可能是空白文档或只有图片）")
    return _assemble(lines, None, warnings)


def _assemble(lines: list[Line], encoding: str | None, warnings: list[str]) -> ParsedDocument:
    from caselib.intake.readers.document import build

    articles, bulletin = build(lines, warnings)
    if not articles and bulletin is None:
        raise ReadError("文件中没有可读取的文字内容")
    return ParsedDocument(articles, bulletin, encoding, warnings)
