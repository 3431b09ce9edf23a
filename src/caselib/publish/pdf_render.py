"""Converting an exported DOCX to PDF with LibreOffice, to check how a bulletin lays out.

LibreOffice runs headless with a private, throw-away profile (so it neither touches nor waits
for the user's own profile) and with ``FONTCONFIG_FILE`` pointing at the bundled
``data/fonts.conf``, which maps the official Chinese font names to free fonts for this render
only. The DOCX itself is never changed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

from caselib.errors import CaselibError
from caselib.intake.readers.convert import find_soffice

DEFAULT_TIMEOUT = 180.0
"""Seconds one conversion may take; the first start of a fresh profile alone takes a few."""


def fonts_conf_path() -> Path:
    """The bundled render-only fontconfig file."""
    return Path(__file__).resolve().parents[1] / "data" / "fonts.conf"


def docx_to_pdf(
    docx: Path,
    outdir: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: str | None = None,
) -> Path:
    """Convert ``docx`` to ``outdir/<stem>.pdf`` with ``soffice --headless`` and return that path.

    Raises ``CaselibError`` (Chinese message) when LibreOffice is missing, times out or fails.
    """
    docx = Path(docx)
    outdir = Path(outdir)
    if not docx.is_file():
        raise CaselibError(f"找不到要转换的文件：{docx}")
    exe = soffice or find_soffice()
    if exe is None:
        raise CaselibError(
            "未找到 LibreOffice（soffice），无法转换为 PDF；"
            "请先安装 LibreOffice（Debian/Ubuntu：apt install libreoffice-writer-nogui）"
        )
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = outdir / f"{docx.stem}.pdf"
    # A stale PDF from an earlier run must not pass for this run's output.
    pdf.unlink(missing_ok=True)

    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fonts_conf_path())
    with tempfile.TemporaryDirectory(prefix="caselib-lo-", ignore_cleanup_errors=True) as profile:
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ]
        output = _run(cmd, env, timeout, docx)

    if not pdf.is_file():
        detail = output.strip().splitlines()[-1] if output.strip() else "未生成 PDF"
        raise CaselibError(f"LibreOffice 转换失败：{docx.name}（{detail}）")
    return pdf


def _run(cmd: list[str], env: dict[str, str], timeout: float, docx: Path) -> str:
    """Run soffice in its own process group so a timeout kills soffice.bin too."""
    try:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise CaselibError(f"无法启动 LibreOffice（{cmd[0]}）：{exc.strerror or exc}") from exc
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc)
        proc.communicate()
        raise CaselibError(f"LibreOffice 转换超时（超过 {timeout:g} 秒）：{docx.name}") from exc
    if proc.returncode != 0:
        detail = output.strip().splitlines()[-1] if output.strip() else f"退出码 {proc.returncode}"
        raise CaselibError(f"LibreOffice 转换失败：{docx.name}（{detail}）")
    return output


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (AttributeError, ProcessLookupError, PermissionError):
        proc.kill()
