"""Exporting records as DOCX: a 简报 issue (recorded as a bulletin) or a compilation (汇编) with
a cover and a table of contents, laid out by ``docx_writer``.

The functions take an open session and flush but never commit: the caller's unit of work
decides. Every target is checked before anything is written; python-docx is imported inside the
functions that need it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlmodel import Session, select

from caselib.errors import CaselibError, InvalidInputError, NotFoundError
from caselib.publish.fileio import (
    atomic_write,
    check_writable,
    place_file,
    safe_filename,
    stage_file,
)
from caselib.store.tables import Bulletin, Record
from caselib.text.normalize import split_recipients

if TYPE_CHECKING:
    from caselib.publish.docx_writer import Article, BulletinSpec


def record_article(record: Record) -> Article:
    """A record as the DOCX writer's article."""
    from caselib.publish.docx_writer import Article
    from caselib.records import record_blocks

    return Article(
        title=record.title, unit=record.unit.name, kind=record.kind, blocks=record_blocks(record)
    )


def check_complete(records: Sequence[Record], what: str) -> None:
    """Refuse (``InvalidInputError``) records still lacking their unit or title: the import put
    a placeholder there (待补单位, the file's name), which must never be printed in ``what``
    (简报, 汇编). A missing date prints nothing and is allowed."""
    from caselib.store.meta import MISSING_LABELS

    named: dict[int | None, str] = {}
    for r in records:
        fields = [MISSING_LABELS[f] for f in ("unit", "title") if f in (r.missing or [])]
        if fields:
            named[r.id] = f"{r.id}（待补{'、'.join(fields)}）"
    if named:
        raise InvalidInputError(
            f"记录 {'、'.join(named.values())}尚未补全，不能印入{what}："
            f"请先补全（如 caselib edit {next(iter(named))}）"
        )


def split_names(values: Sequence[str] | None) -> list[str]:
    """Distribution names from repeated options (see ``textproc.split_recipients``)."""
    return split_recipients(values or ())


def read_editor_note(path: Path) -> str:
    """The 编者按 from a UTF-8 text file (a byte-order mark is fine). Lines wrapped in the file
    are joined (without a space between Chinese characters); a leading "编者按：" is kept out,
    since the bulletin adds it."""
    if not path.is_file():
        raise NotFoundError(f"找不到编者按文件：{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"无法读取编者按文件 {path}：{exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"编者按文件不是 UTF-8 编码：{path}（请另存为 UTF-8 后再试）"
        ) from exc
    return clean_editor_note(text)


def clean_editor_note(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    joined = ""
    for line in lines:
        if joined and joined[-1].isascii() and line[0].isascii():
            joined += " "
        joined += line
    joined = re.sub(r"^编者按\s*[：:]\s*", "", joined)
    if not joined:
        raise InvalidInputError("编者按是空的")
    return joined


def check_template(path: Path) -> Path:
    """``path`` if it is a Word document or template (.docx/.dotx), else a one-line error."""
    if not path.is_file():
        raise NotFoundError(f"找不到模板文件：{path}")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInputError(
            f"模板不是有效的 Word 文档（.docx/.dotx）：{path}（.doc 请先另存为 .docx）"
        ) from exc
    if "word/document.xml" not in names or b"wordprocessingml" not in types:
        raise InvalidInputError(f"模板不是有效的 Word 文档（.docx/.dotx）：{path}")
    return path


@dataclass
class BulletinRequest:
    """What the user asked for an issue; ``None`` (or a missing distribution key) means "as
    the series had it last time" or the default. ``distribution`` keys are 报, 送, 发."""

    series: str | None = None
    number: int | None = None
    date: dt.date | None = None
    office: str | None = None
    editor_note: str | None = None
    distribution: dict[str, list[str]] = field(default_factory=dict)
    copies: int | None = None


def plan_bulletin(session: Session, request: BulletinRequest, *, today: dt.date) -> BulletinSpec:
    """The issue to write, defaults filled in: the series of the latest bulletin when none is
    named; its office and distribution from the series' latest issue
    (``bulletins.series_settings``); the date ``today``; the number the next of the series in
    that year. An issue that already exists is refused (``ConflictError``) here, before
    anything is written; so are a number or print run below 1 and a missing office."""
    from caselib.bulletins import list_bulletins, next_number, series_settings
    from caselib.publish.docx_writer import DISTRIBUTION_ORDER, BulletinSpec

    if request.number is not None and request.number < 1:
        raise InvalidInputError(f"期号必须是正整数：{request.number}")
    if request.copies is not None and request.copies < 1:
        raise InvalidInputError(f"印数必须是正整数：{request.copies}")
    series = (request.series or "").strip()
    if not series:
        latest = list_bulletins(session)
        if not latest:
            raise InvalidInputError("请用 --series 指定简报名称（库中还没有往期简报可以沿用）")
        series = latest[0].series
    settings = series_settings(session, series)
    office = (request.office or "").strip() or settings.office
    if not office:
        raise InvalidInputError(f"请用 --office 指定编印单位（简报“{series}”还没有往期可以沿用）")
    remembered = settings.distribution or {}
    distribution: dict[str, list[str]] = {}
    for key in DISTRIBUTION_ORDER:
        names = request.distribution[key] if key in request.distribution else remembered.get(key)
        if names:
            distribution[key] = list(names)
    date = request.date or today
    number = request.number or next_number(session, series, date.year)
    check_issue_free(session, series, date.year, number)
    return BulletinSpec(
        series=series,
        number=number,
        date=date,
        office=office,
        editor_note=request.editor_note,
        distribution=distribution,
        copies=request.copies,
    )


def similar_series(session: Session, series: str) -> list[str]:
    """Existing series names close to ``series`` (a hint when a name starts a new series)."""
    import difflib

    names = sorted(set(session.exec(select(Bulletin.series)).all()))
    if series in names:
        return []
    close = difflib.get_close_matches(series, names, n=3, cutoff=0.6)
    return close or [n for n in names if series in n or n in series][:3]


def check_issue_free(session: Session, series: str, year: int, number: int) -> None:
    """``bulletins.check_issue_free`` with a hint on what to do instead."""
    from caselib.bulletins import check_issue_free as check

    check(
        session, series, year, number,
        f"（重新导出这一期请用 --bulletin {year}-{number}；新的一期可不写 --issue）",
    )  # fmt: skip


def spec_of(bulletin: Bulletin) -> BulletinSpec:
    """The issue data of a stored bulletin, to write it again."""
    from caselib.publish.docx_writer import BulletinSpec

    return BulletinSpec(
        series=bulletin.series,
        number=bulletin.number,
        date=bulletin.date,
        office=bulletin.office,
        editor_note=bulletin.editor_note,
        distribution={k: list(v) for k, v in bulletin.distribution.items()},
        copies=bulletin.copies,
    )


def bulletin_filename(spec: BulletinSpec, suffix: str = ".docx") -> str:
    series = spec.series.replace("\n", "")
    return safe_filename(f"{series}{spec.date.year}年第{spec.number}期", suffix)


def check_pdf_renderer() -> None:
    """Refuse a PDF export up front (before any work) when LibreOffice is not installed."""
    from caselib.intake.readers.convert import find_soffice

    if find_soffice() is None:
        raise CaselibError(
            "导出 PDF 需要 LibreOffice：请先安装（Debian/Ubuntu：sudo apt install"
            " libreoffice-writer-nogui；Windows/macOS：从 libreoffice.org 下载），或改用 --format docx"
        )


def as_pdf(docx: bytes, name: str) -> bytes:
    """The PDF of a DOCX, rendered by LibreOffice (with the render-only font aliases when the
    official fonts are missing; LibreOffice embeds the fonts it uses)."""
    import tempfile

    from caselib.publish.pdf_render import docx_to_pdf

    with tempfile.TemporaryDirectory(prefix="caselib-pdf-") as tmp:
        source = Path(tmp) / f"{Path(name).stem or 'export'}.docx"
        source.write_bytes(docx)
        return docx_to_pdf(source, Path(tmp) / "pdf").read_bytes()


@dataclass
class IssueFile:
    """A built issue: its document in a temporary file beside ``target`` and, when recorded,
    the stored bulletin (flushed, not committed). ``place`` once the transaction committed;
    ``discard`` when it did not."""

    target: Path
    staged: Path
    bulletin: Bulletin | None

    def place(self) -> None:
        place_file(self.staged, self.target)

    def discard(self) -> None:
        self.staged.unlink(missing_ok=True)


def export_bulletin(
    session: Session,
    target: Path,
    spec: BulletinSpec,
    records: list[Record],
    *,
    template: Path | None = None,
    force: bool = False,
    record: bool = True,
    back_page: bool = False,
    pdf: bool = False,
) -> IssueFile:
    """Build issue ``spec`` with ``records`` (as articles) into a temporary file beside
    ``target``; with ``record``, also store it as a bulletin carrying the records in this
    order (``bulletins.record_bulletin``, the file's name and hash as its source).

    The issue is stored only once the document has been built and staged, and the file is
    put in place (``IssueFile.place``) only after the caller's transaction committed: the
    transaction can be run again after a lock timeout (``Library.write``: ``discard`` the
    earlier try's file) and a failure at any step leaves no new row and no new file. An
    existing issue or an existing file (without ``force``) is refused before any work.
    ``back_page`` puts the 版记 on an even page; ``pdf`` writes a PDF rendered by LibreOffice.
    """
    from caselib.publish.docx_writer import write_bulletin

    check_writable(target, force)
    check_complete(records, "简报")
    if record:
        check_issue_free(session, spec.series, spec.date.year, spec.number)
    if template is not None:
        check_template(template)
    if pdf:
        check_pdf_renderer()
    buffer = io.BytesIO()
    write_bulletin(
        buffer, spec, [record_article(r) for r in records], template, back_page=back_page
    )
    data = as_pdf(buffer.getvalue(), target.name) if pdf else buffer.getvalue()
    staged = stage_file(target, data, force=force)
    if not record:
        return IssueFile(target, staged, None)
    from caselib.bulletins import record_bulletin

    try:
        stored = record_bulletin(
            session,
            series=spec.series,
            number=spec.number,
            date=spec.date,
            office=spec.office,
            editor_note=spec.editor_note,
            distribution=spec.distribution,
            record_ids=[int(r.id or 0) for r in records],
            copies=spec.copies,
            source_name=target.name,
            source_hash=hashlib.sha256(data).hexdigest(),
        )
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return IssueFile(target, staged, stored)


def compilation_title(records: list[Record]) -> str:
    """The default cover title: 经验案例汇编, 暖心故事汇编, or both."""
    kinds = {r.kind for r in records}
    if kinds == {"case"}:
        return "经验案例汇编"
    if kinds == {"story"}:
        return "暖心故事汇编"
    return "经验案例与暖心故事汇编"


def export_compilation(
    target: Path,
    title: str,
    records: list[Record],
    *,
    subtitle: str | None = None,
    template: Path | None = None,
    force: bool = False,
    pdf: bool = False,
) -> None:
    """Write a compilation (cover ``title``/``subtitle``, table of contents, one article per
    page run; no 报头) of ``records`` to ``target``; ``pdf``: rendered by LibreOffice."""
    from caselib.publish.docx_writer import write_compilation

    check_writable(target, force)
    check_complete(records, "汇编")
    if template is not None:
        check_template(template)
    if pdf:
        check_pdf_renderer()
    articles = [record_article(r) for r in records]
    buffer = io.BytesIO()
    write_compilation(buffer, title, articles, template, subtitle)
    data = as_pdf(buffer.getvalue(), target.name) if pdf else buffer.getvalue()

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    atomic_write(target, write, force=force)
