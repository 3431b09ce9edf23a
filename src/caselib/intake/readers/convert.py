"""Old formats through external tools: LibreOffice for .doc/.wps/.rtf, pdftotext for .pdf.

Each LibreOffice run gets a private profile (``-env:UserInstallation``) in a temporary
directory, so it neither touches the user's profile nor collides with a running office, and
is killed with its whole process group when it exceeds the timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from caselib.intake.readers.model import CONVERT_TIMEOUT, ReadError

SAVE_AS_DOCX = "请用 Word/WPS 另存为 .docx 后再导入"


def find_soffice() -> str | None:
    """LibreOffice's ``soffice``; ``CASELIB_SOFFICE`` overrides (empty: pretend it is missing)."""
    override = os.environ.get("CASELIB_SOFFICE")
    if override is not None:
        return override or None
    return shutil.which("soffice") or shutil.which("libreoffice")


def find_pdftotext() -> str | None:
    """poppler's ``pdftotext``; ``CASELIB_PDFTOTEXT`` overrides (empty: pretend it is missing)."""
    override = os.environ.get("CASELIB_PDFTOTEXT")
    if override is not None:
        return override or None
    return shutil.which("pdftotext")


def _timeout() -> float:
    try:
        return float(os.environ.get("CASELIB_CONVERT_TIMEOUT", CONVERT_TIMEOUT))
    except ValueError:
        return CONVERT_TIMEOUT


def _run(cmd: list[str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run a converter in its own session; on timeout kill the whole group."""
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ReadError(f"无法启动转换程序 {Path(cmd[0]).name}（{exc.strerror or exc}）") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise ReadError(f"文件转换超时（超过 {timeout:.0f} 秒），{SAVE_AS_DOCX}") from None
    return proc.returncode, out, err


@contextmanager
def soffice_to_docx(path: Path, what: str, as_suffix: str | None = None) -> Iterator[Path]:
    """Convert ``path`` to .docx with LibreOffice; yields the .docx (deleted afterwards).

    ``what`` names the format in messages (旧版 Word（.doc）文件); ``as_suffix`` is the
    suffix the copy handed to LibreOffice gets (its type detection looks at it).
    """
    soffice = find_soffice()
    if soffice is None:
        raise ReadError(f"无法读取{what}：未安装 LibreOffice，{SAVE_AS_DOCX}")
    with tempfile.TemporaryDirectory(prefix="caselib-convert-") as tmp:
        tmpdir = Path(tmp)
        source = tmpdir / f"input{as_suffix or path.suffix.lower()}"
        shutil.copyfile(path, source)
        outdir = tmpdir / "out"
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nologo",
            "--nodefault",
            f"-env:UserInstallation={(tmpdir / 'profile').as_uri()}",
        ]
        if source.suffix == ".pdf":
            cmd.append("--infilter=writer_pdf_import")
        cmd += ["--convert-to", "docx", "--outdir", str(outdir), str(source)]
        _run(cmd, _timeout())
        result = outdir / "input.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise ReadError(f"LibreOffice 无法转换此{what}（可能已加密或已损坏），{SAVE_AS_DOCX}")
        yield result


# Chinese characters and the punctuation set among them (、。〔〕，：（）“”—…·).
_HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’—…·"
# Letter spacing (人 民 政 府 文 件, a title spread across the line): three or more single
# Chinese characters each set apart by a space, which a PDF keeps as gaps between glyphs and
# pdftotext turns into spaces. A space between words (齿轮转烽火忆 孩童在石大课堂…) is kept.
_SPACED_OUT = re.compile(f"(?<![{_HAN}])[{_HAN}](?: [{_HAN}]){{2,}}(?![{_HAN}])")


def pdftotext(path: Path) -> str:
    """The text of a PDF in reading order, via poppler's pdftotext; Chinese spaced out letter
    by letter read as a person reads it (人民政府文件)."""
    tool = find_pdftotext()
    if tool is None:
        raise ReadError(f"无法读取 PDF：未安装 pdftotext，{SAVE_AS_DOCX}")
    code, out, err = _run([tool, "-enc", "UTF-8", "-nopgbrk", str(path), "-"], _timeout())
    if code != 0:
        if b"password" in err.lower():
            raise ReadError("文件已加密，无法读取")
        raise ReadError(f"PDF 文件已损坏或无法解析，{SAVE_AS_DOCX}")
    text = out.decode("utf-8", errors="replace")
    return _SPACED_OUT.sub(lambda m: m[0].replace(" ", ""), text)
