"""Importing files into the library: Markdown, Word, text and whole folders.

Each file is one transaction: a bad file is reported and never leaves half a record.
A file is known by its name (relative to the folder imported) and the hash of its bytes:
an unchanged file changes nothing; a changed one updates its record only with ``update``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from caselib.errors import CaselibError
from caselib.store.library import Library
from caselib.store.tables import Record

MARKDOWN_SUFFIXES = {".md", ".markdown"}
OUTCOMES = ("imported", "updated", "unchanged", "duplicate", "failed")


@dataclass
class ImportOptions:
    unit: str | None = None  # default unit for files that name none (and override for .md)
    tags: list[str] = field(default_factory=list)  # added to every imported record
    auto_tag: bool = False  # apply tags suggested from the vocabulary
    update: bool = False  # update records whose source file changed
    dry_run: bool = False  # report what would happen, write nothing


@dataclass
class FileReport:
    """What happened to one file (the ``import --json`` object)."""

    path: str
    outcome: str
    record_ids: list[int] = field(default_factory=list)
    bulletin_id: int | None = None
    encoding: str | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "outcome": self.outcome,
            "record_ids": self.record_ids,
            "bulletin_id": self.bulletin_id,
            "encoding": self.encoding,
            "message": self.message,
            "near_duplicates": self.duplicates,
        }


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction after the report is complete."""


def supported_suffixes() -> set[str]:
    from caselib.intake.readers import SUPPORTED_SUFFIXES

    return set(SUPPORTED_SUFFIXES) | MARKDOWN_SUFFIXES


def discover(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, name it is known by) for each file given or found below a folder, in order.

    Hidden files and Office lock files (~$…) are skipped; unknown extensions are yielded
    so they can be reported."""
    for root in paths:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = path.relative_to(root)
                if any(part.startswith(".") for part in rel.parts) or path.name.startswith("~$"):
                    continue
                yield path, rel.as_posix()
        else:
            yield root, root.name


def import_paths(
    lib: Library,
    paths: list[Path],
    options: ImportOptions,
    progress: Callable[[Path], None] | None = None,
) -> list[FileReport]:
    """Import files and folders; one report per file, in order."""
    reports = []
    for path, name in discover(paths):
        if progress:
            progress(path)
        reports.append(import_file(lib, path, options, name=name))
    return reports


def import_file(
    lib: Library, path: Path, options: ImportOptions, *, name: str | None = None
) -> FileReport:
    """Import one file in its own transaction."""
    name = name or path.name
    report = FileReport(path=str(path), outcome="failed")
    try:
        with lib.session() as session:
            _import_into(session, path, name, options, report)
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except CaselibError as exc:
        report.outcome, report.record_ids, report.bulletin_id = "failed", [], None
        report.message = str(exc)
    except OSError as exc:
        report.outcome, report.record_ids, report.bulletin_id = "failed", [], None
        report.message = f"无法读取文件：{exc.strerror or exc}"
    if options.dry_run and report.outcome in ("imported", "updated"):
        report.record_ids, report.bulletin_id = [], None
        report.message = ("（试运行，未写入）" + report.message).strip()
    return report


def _import_into(
    session: Session, path: Path, name: str, options: ImportOptions, report: FileReport
) -> None:
    from caselib.errors import InvalidInputError

    suffix = path.suffix.lower()
    if suffix not in MARKDOWN_SUFFIXES and suffix not in supported_suffixes():
        raise InvalidInputError(
            f"不支持的文件类型：{suffix or '（无扩展名）'}（支持 .docx .txt .md .doc .wps .pdf）"
        )
    data = path.read_bytes()
    file_hash = hashlib.sha256(data).hexdigest()
    if suffix in MARKDOWN_SUFFIXES and _is_caselib_markdown(data):
        articles, bulletin = _read_markdown(data, name, file_hash, options), None
    else:
        articles, bulletin, report.encoding, warnings = _read_document(
            path, name, file_hash, options
        )
        report.notes += warnings
    _store(session, articles, bulletin, name, file_hash, options, report)


def _is_caselib_markdown(data: bytes) -> bool:
    from caselib.intake.readers.markdownfile import is_caselib_record

    return is_caselib_record(data)


def _read_markdown(data: bytes, name: str, file_hash: str, options: ImportOptions) -> list[Any]:
    from caselib.errors import InvalidInputError
    from caselib.store.schemas import validate_record
    from caselib.text.markdown import parse_record

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("Markdown 文件不是 UTF-8 编码") from exc
    fields = parse_record(text)
    if options.unit:
        fields["unit"] = options.unit
    fields.setdefault("source_name", name)
    if not fields.get("source_hash"):
        fields["source_hash"] = file_hash
    fields["tags"] = list(fields.get("tags") or []) + options.tags
    return [validate_record(fields)]


def _read_document(
    path: Path, name: str, file_hash: str, options: ImportOptions
) -> tuple[list[Any], Any, str | None, list[str]]:
    from caselib.errors import InvalidInputError
    from caselib.intake.readers import read_document
    from caselib.store.schemas import validate_record

    doc = read_document(path)
    if not doc.articles:
        raise InvalidInputError("文件中没有找到正文")
    records = []
    date = doc.bulletin.date if doc.bulletin else None
    for index, article in enumerate(doc.articles):
        unit = article.unit or options.unit
        if not unit:
            raise InvalidInputError(f"无法从“{article.title}”识别单位，请用 --unit 指定")
        records.append(
            validate_record(
                {
                    "kind": article.kind,
                    "title": article.title,
                    "unit": unit,
                    "tags": list(options.tags),
                    "date": article.date or date,
                    "body": article.blocks,
                    "source_name": name if len(doc.articles) == 1 else f"{name}#{index + 1}",
                    "source_hash": file_hash,
                }
            )
        )
    return records, doc.bulletin, doc.encoding, list(doc.warnings)


def _store(
    session: Session,
    articles: list[Any],
    bulletin: Any,
    name: str,
    file_hash: str,
    options: ImportOptions,
    report: FileReport,
) -> None:
    from caselib.records import add_record, content_hash, record_to_input, update_record

    outcomes: list[str] = []
    for data in articles:
        if options.auto_tag:
            data = _with_suggested_tags(session, data)
        existing = session.exec(
            select(Record).where(Record.source_name == data.source_name)
        ).first()
        same_text = session.exec(
            select(Record).where(
                Record.content_hash == content_hash(data.title, data.body),
                col(Record.deleted_at).is_(None),
            )
        ).first()
        if existing is not None:
            if record_to_input(existing) == data or existing.source_hash == file_hash:
                outcomes.append("unchanged")
                report.record_ids.append(int(existing.id))  # type: ignore[arg-type]
                continue
            if not options.update:
                outcomes.append("unchanged")
                report.record_ids.append(int(existing.id))  # type: ignore[arg-type]
                report.message = "文件内容已变化，记录未更新（加 --update 以更新）"
                continue
            change = update_record(session, int(existing.id), data)  # type: ignore[arg-type]
            outcomes.append("updated")
        elif same_text is not None:
            outcomes.append("duplicate")
            report.record_ids.append(int(same_text.id))  # type: ignore[arg-type]
            report.message = f"与记录 {same_text.id}（{same_text.title}）内容相同，未导入"
            continue
        else:
            change = add_record(session, data)
            outcomes.append("imported")
        report.notes += change.notes
        report.record_ids.append(int(change.record.id))  # type: ignore[arg-type]
        report.duplicates += [
            {"id": other_id, "similarity": similarity} for other_id, similarity in change.duplicates
        ]
    if bulletin is not None and "imported" in outcomes:
        report.bulletin_id = _store_bulletin(session, bulletin, name, file_hash, report.record_ids)
    report.outcome = _overall(outcomes)


def _overall(outcomes: list[str]) -> str:
    for outcome in ("imported", "updated", "duplicate"):
        if outcome in outcomes:
            return outcome
    return "unchanged"


def _with_suggested_tags(session: Session, data: Any) -> Any:
    from caselib.intake.autotag import suggest_tags_for_parts

    parts = [data.title, data.summary or "", *(b.text for b in data.body)]
    names = [s.name for s in suggest_tags_for_parts(session, parts)]
    return data.model_copy(update={"tags": list(dict.fromkeys(data.tags + names))})


def _store_bulletin(
    session: Session, parsed: Any, name: str, file_hash: str, record_ids: list[int]
) -> int:
    from caselib.bulletins import record_bulletin

    bulletin = record_bulletin(
        session,
        series=parsed.series,
        number=parsed.number,
        date=parsed.date,
        office=parsed.office,
        editor_note=parsed.editor_note,
        distribution=parsed.distribution,
        record_ids=record_ids,
        source_name=name,
        source_hash=file_hash,
    )
    return int(bulletin.id)  # type: ignore[arg-type]
