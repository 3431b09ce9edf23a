"""Importing files into the library: Markdown, Word, text and whole folders.

Each file is one transaction: a bad file is reported and never leaves half a record. A file
that can be read always becomes a record: what the document does not state (unit, title,
date) is taken from the library and the filing (``provenance``) or the record is marked as
lacking it (``list --incomplete``). A file is known by its bytes: the same bytes imported
before, wherever they lie, change nothing; a changed file at the same path updates its record
only with ``update``; any other file is a new record (flagged when it is a near-duplicate).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from caselib.errors import CaselibError
from caselib.intake.readers.model import MAX_TEXT_BYTES, MB
from caselib.store.impact import deferred
from caselib.store.library import Library, plain_sql
from caselib.store.meta import MISSING_LABELS
from caselib.store.schemas import MAX_TITLE_LENGTH
from caselib.text.blocks import body_texts

MARKDOWN_SUFFIXES = {".md", ".markdown"}
OUTCOMES = ("imported", "updated", "unchanged", "changed", "duplicate", "skipped", "failed")
# Below this share of readable characters a converted document is refused as unreadable.
MIN_READABLE_SHARE = 0.6


@dataclass
class ImportOptions:
    unit: str | None = None  # the unit of every imported record (before anything the file says)
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
    notes: list[str] = field(default_factory=list)  # new units and tags, near-duplicates
    warnings: list[str] = field(default_factory=list)  # what the reader and importer noticed
    records: list[dict[str, Any]] = field(default_factory=list)  # per record: where from
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "outcome": self.outcome,
            "record_ids": self.record_ids,
            "bulletin_id": self.bulletin_id,
            "encoding": self.encoding,
            "message": self.message,
            "warnings": self.warnings + self.notes,
            "records": self.records,
            "near_duplicates": self.duplicates,
        }


@dataclass(frozen=True)
class _Place:
    """Where a file lies: its path, the folder it was found under (None for a file named on
    the command line) and the name it is shown by."""

    path: Path
    root: Path | None
    name: str
    problem: str = ""  # a link that is not followed: why

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def key(self, source_name: str | None) -> str:
        """The file's identity for ``--update``: its absolute path, and the article's "#n"."""
        from caselib.intake.provenance import readable_name

        return readable_name(os.path.abspath(self.path)) + _article_suffix(source_name)


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction after the report is complete."""

    def __init__(self, report: FileReport) -> None:
        super().__init__()
        self.report = report


def supported_suffixes() -> set[str]:
    from caselib.intake.readers import SUPPORTED_SUFFIXES

    return set(SUPPORTED_SUFFIXES) | MARKDOWN_SUFFIXES


def discover(paths: list[Path]) -> Iterator[_Place]:
    """Each file given, or found below a folder, in order.

    Hidden files and folders and Office lock files (~$…) are skipped; unknown extensions are
    yielded so they can be reported. Below a folder, links are followed only to files inside
    that folder; a dangling link, a link loop or a link leading outside gets a report line and
    is not read."""
    from caselib.intake.provenance import readable_name

    for root in paths:
        if not root.is_dir():
            yield _Place(root, None, readable_name(root.name))
            continue
        real_root = root.resolve()
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            here = Path(folder)
            for sub in list(dirs):
                if sub.startswith(".") or not (here / sub).is_symlink():
                    continue
                dirs.remove(sub)  # a linked folder is reached by its real path, or not at all
                problem = _link_problem(here / sub, real_root)
                if problem:
                    yield _place(here / sub, root, problem)
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in sorted(files):
                if name.startswith(".") or name.startswith("~$"):
                    continue
                path = here / name
                problem = _link_problem(path, real_root) if path.is_symlink() else ""
                if not problem and path.suffix.lower() not in supported_suffixes():
                    problem = f"不是可导入的文件类型（{path.suffix or '无扩展名'}），未读取"
                yield _place(path, root, problem)


def _place(path: Path, root: Path, problem: str) -> _Place:
    from caselib.intake.provenance import readable_name

    return _Place(path, root, readable_name(path.relative_to(root).as_posix()), problem)


def _link_problem(link: Path, real_root: Path) -> str:
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "符号链接形成循环，未读取"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "符号链接形成循环，未读取"
        return "符号链接指向的文件不存在，未读取"
    if target == real_root or target in real_root.parents:
        return "符号链接形成循环，未读取"
    if not target.is_relative_to(real_root):
        return "符号链接指向导入文件夹之外，未读取"
    return ""  # inside the folder: a linked folder's files are imported by their real path


def import_paths(
    lib: Library,
    paths: list[Path],
    options: ImportOptions,
    progress: Callable[[Path], None] | None = None,
) -> list[FileReport]:
    """Import files and folders; one report per file, in order."""
    reports = []
    for place in discover(paths):
        if progress:
            progress(place.path)
        if place.problem:
            from caselib.intake.provenance import shown_path

            reports.append(FileReport(shown_path(place.path), "skipped", message=place.problem))
            continue
        with deferred():  # the lists take the new records in once, below
            reports.append(_import_place(lib, place, options))
    if any(r.outcome in ("imported", "updated") for r in reports) and not options.dry_run:
        lib.refresh_search_lists()
    return reports


def import_file(
    lib: Library, path: Path, options: ImportOptions, *, name: str | None = None
) -> FileReport:
    """Import one file in its own transaction."""
    from caselib.intake.provenance import readable_name

    return _import_place(lib, _Place(path, None, name or readable_name(path.name)), options)


def _import_place(lib: Library, place: _Place, options: ImportOptions) -> FileReport:
    """Read the file, then store what it holds in one transaction (``Library.write``): a try
    that meets another writer's lock is rolled back and stored again from the same reading,
    into a fresh report; a file whose transaction committed is never stored twice."""
    from caselib.intake.provenance import shown_path

    shown = shown_path(place.path)
    failed = FileReport(path=shown, outcome="failed")
    try:
        read = _read_place(place)
        failed.encoding, failed.warnings = read.encoding, list(read.warnings)

        def store(session: Session) -> FileReport:
            report = FileReport(path=shown, outcome="failed", encoding=read.encoding)
            report.warnings += read.warnings
            _store(session, read.drafts, read.bulletin, place, read.file_hash, options, report)
            if options.dry_run:
                raise _DryRun(report)
            return report

        report = lib.write(store)
    except _DryRun as dry:
        report = dry.report
    except CaselibError as exc:
        report, failed.message = failed, str(exc)
    except OSError as exc:
        report, failed.message = failed, f"无法读取文件：{exc.strerror or exc}"
    if options.dry_run and report.outcome in ("imported", "updated"):
        report.record_ids, report.bulletin_id = [], None
        for entry in report.records:
            entry["id"] = None
        report.message = ("（试运行，未写入）" + report.message).strip()
    return report


@dataclass
class _Read:
    """What one file holds, read before the library is touched."""

    drafts: list[_Draft]
    bulletin: Any
    file_hash: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


def _read_place(place: _Place) -> _Read:
    from caselib.errors import InvalidInputError

    suffix = place.suffix
    if suffix not in supported_suffixes():
        raise InvalidInputError(
            f"不支持的文件类型：{suffix or '（无扩展名）'}（支持 .docx .txt .md .doc .wps .pdf）"
        )
    if suffix in MARKDOWN_SUFFIXES:
        size = place.path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InvalidInputError(
                f"文件过大（{size / MB:.1f} MB），超过 {MAX_TEXT_BYTES // MB} MB 的上限"
            )
    data = place.path.read_bytes()
    file_hash = hashlib.sha256(data).hexdigest()
    if suffix in MARKDOWN_SUFFIXES and _is_caselib_markdown(data):
        return _Read(_read_markdown(data, place.name), None, file_hash)
    drafts, bulletin, encoding, warnings = _read_document(place.path, place.name)
    return _Read(drafts, bulletin, file_hash, encoding, list(warnings))


def _is_caselib_markdown(data: bytes) -> bool:
    """caselib's own record format (``text.markdown``); Markdown from other tools is read as
    a document (``readers.markdownfile``)."""
    from caselib.intake.readers.markdownfile import is_caselib_record

    return is_caselib_record(data)


def _read_markdown(data: bytes, name: str) -> list[_Draft]:
    from caselib.errors import InvalidInputError
    from caselib.text.markdown import parse_record

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("Markdown 文件不是 UTF-8 编码") from exc
    fields = parse_record(text)
    fields.setdefault("source_name", name)
    return [_Draft(fields, sources={"title": "YAML 头", "unit": "YAML 头"})]


@dataclass
class _Draft:
    """A record as read, before the importer fills what the document did not say."""

    fields: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)


def _read_document(path: Path, name: str) -> tuple[list[_Draft], Any, str | None, list[str]]:
    from caselib.errors import InvalidInputError
    from caselib.intake.readers import read_document

    doc = read_document(path)
    if not doc.articles:
        raise InvalidInputError("文件中没有找到正文")
    _check_readable(doc.articles)
    drafts = []
    date = doc.bulletin.date if doc.bulletin else None
    for index, article in enumerate(doc.articles):
        info = dict(article.metadata)  # what the record has a field for leaves the source facts
        fields: dict[str, Any] = {
            "kind": article.kind,
            "title": article.title,
            "unit": article.unit,
            "date": article.date or date,
            "body": article.blocks,
            "author": info.pop("作者", None) or info.pop("联系人", None),
            "contact": info.pop("联系方式", None),
            "source_name": name if len(doc.articles) == 1 else f"{name}#{index + 1}",
            "source_info": info,
        }
        sources = dict(article.sources)
        if article.date is None and date is not None:
            sources["date"] = "简报日期"
        drafts.append(_Draft(fields, sources))
    return drafts, doc.bulletin, doc.encoding, list(doc.warnings)


def _check_readable(articles: list[Any]) -> None:
    """Refuse a text that is mostly not text: what a converter makes of a damaged or
    unsupported file (the share of letters, digits, CJK and common punctuation)."""
    from caselib.errors import InvalidInputError
    from caselib.text.normalize import readable_share

    text = "".join((a.title or "") + "".join(b.text for b in a.blocks) for a in articles)
    if readable_share(text) < MIN_READABLE_SHARE:
        raise InvalidInputError(
            "文件内容大多是无法识别的字符（文件可能已损坏或格式不受支持），未导入"
        )


def _complete(
    session: Session,
    draft: _Draft,
    place: _Place,
    options: ImportOptions,
    file_hash: str,
) -> tuple[Any, dict[str, str]]:
    """The record to store: --unit and --tag applied, the unit, title and date the document
    did not state taken from the library and the filing (``provenance``), or marked missing.
    Returns the validated record and where its unit, title and date came from."""
    from caselib.intake import provenance
    from caselib.intake.readers.lines import unit_leading_title
    from caselib.store.meta import UNKNOWN_UNIT
    from caselib.store.schemas import validate_record

    fields, sources = dict(draft.fields), dict(draft.sources)
    stem = provenance.readable_name(place.path.stem)
    missing: list[str] = []
    units: dict[str, str] = {}
    if not options.unit and not (fields.get("unit") and fields.get("title")):
        units = _unit_names(session)  # only when a fall-back needs the library's units
    if options.unit:
        fields["unit"], sources["unit"] = options.unit, "--unit"
    elif not fields.get("unit"):
        paragraphs = [b.text for b in fields.get("body") or [] if b.type != "table"]
        rules: tuple[tuple[Callable[[], str | None], str], ...] = (
            (lambda: provenance.unit_from_text(paragraphs, units), "正文提到的已有单位"),
            (lambda: provenance.unit_from_folders(place.path, place.root, units), "所在文件夹"),
            (lambda: provenance.split_file_name(stem, units)[0], "文件名前缀"),
            (lambda: unit_leading_title(fields.get("title")), "标题开头"),
        )
        for rule, source in rules:
            found = rule()
            if found:
                fields["unit"], sources["unit"] = found, source
                break
        else:
            fields["unit"], sources["unit"] = UNKNOWN_UNIT, "未找到"
            missing.append("unit")
    if not fields.get("title"):
        fields["title"] = provenance.title_from_file_name(stem, units)[:MAX_TITLE_LENGTH]
        sources["title"] = "文件名（待补）"
        missing.append("title")
    if not fields.get("date") and place.suffix not in MARKDOWN_SUFFIXES:
        sources["date"] = "未找到"
        missing.append("date")
    fields["tags"] = list(fields.get("tags") or []) + options.tags
    fields["missing"] = missing
    fields["source_path"] = place.key(fields.get("source_name"))
    if not fields.get("source_hash"):
        fields["source_hash"] = file_hash
    return validate_record(fields), sources


def _unit_names(session: Session) -> dict[str, str]:
    from caselib.intake import provenance
    from caselib.store.meta import UNKNOWN_UNIT
    from caselib.store.tables import Unit, UnitAlias

    rows = [(u.name, u.name) for u in session.exec(select(Unit)).all()]
    rows += [
        (a.alias, u.name)
        for a, u in session.exec(select(UnitAlias, Unit).where(UnitAlias.unit_id == Unit.id)).all()
    ]
    return provenance.unit_names((k, v) for k, v in rows if v != UNKNOWN_UNIT)


def _store(
    session: Session,
    drafts: list[_Draft],
    bulletin: Any,
    place: _Place,
    file_hash: str,
    options: ImportOptions,
    report: FileReport,
) -> None:
    from caselib.records import add_record, content_hash, update_record

    outcomes: list[str] = []
    if len(drafts) > 1:
        report.warnings.append(f"一个文件拆分为 {len(drafts)} 条记录")
    for draft in drafts:
        data, sources = _complete(session, draft, place, options, file_hash)
        if options.auto_tag:
            data = _with_suggested_tags(session, data)
        # A file is known by its bytes: the same bytes imported before, from any folder and
        # under any name, change nothing.
        conn = plain_sql(session)
        same_file = (
            conn.execute(_SAME_FILE, (data.source_hash, data.source_name)).fetchone()
            or conn.execute(
                _SAME_FILE_ARTICLE, (data.source_hash, _article_suffix(data.source_name))
            ).fetchone()
        )
        if same_file is not None:
            outcomes.append("unchanged")
            report.record_ids.append(same_file[0])
            continue
        same_path = conn.execute(_SAME_PATH, (data.source_path,)).fetchone()
        if same_path is not None and not options.update:
            outcomes.append("changed")
            report.record_ids.append(same_path[0])
            report.message = "文件内容已变化，记录未更新（加 --update 以更新）"
            continue
        text_hash, same_text = None, None
        if same_path is None:
            text_hash = content_hash(data.title, data.body)
            same_text = conn.execute(_SAME_TEXT, (text_hash,)).fetchone()
        if same_path is not None:
            change = update_record(session, same_path[0], data)
            outcomes.append("updated")
        elif same_text is not None:
            outcomes.append("duplicate")
            report.record_ids.append(same_text[0])
            report.message = f"与记录 {same_text[0]}（{same_text[1]}）内容相同，未导入"
            continue
        else:
            change = add_record(session, data, text_hash=text_hash)
            outcomes.append("imported")
        rid = change.record_id
        report.notes += change.notes
        report.record_ids.append(rid)
        report.records.append(_record_entry(rid, data, sources))
        if data.missing:
            labels = "、".join(MISSING_LABELS[m] for m in data.missing)
            report.warnings.append(f"记录 {rid} 缺少{labels}，已标为待补（caselib edit {rid}）")
        report.duplicates += [
            {"id": other_id, "similarity": similarity} for other_id, similarity in change.duplicates
        ]
    if bulletin is not None and "imported" in outcomes:
        report.bulletin_id = _store_bulletin(
            session, bulletin, place.name, file_hash, report.record_ids
        )
    report.outcome = _overall(outcomes)


# The look-ups of ``_store``: plain SQL in the session's transaction (``plain_sql``).
_SAME_FILE = "SELECT id FROM record WHERE source_hash = ? AND source_name = ?"
_SAME_FILE_ARTICLE = "SELECT id FROM record WHERE source_hash = ? AND source_name LIKE '%' || ?"
_SAME_PATH = "SELECT id FROM record WHERE source_path = ? AND deleted_at IS NULL"
_SAME_TEXT = "SELECT id, title FROM record WHERE content_hash = ? AND deleted_at IS NULL"


def _article_suffix(source_name: str | None) -> str:
    """ "#2" for the second article of a bulletin, "" for a file of one record: the same
    bytes under another name are the same file, article by article."""
    if source_name and "#" in source_name:
        return "#" + source_name.rsplit("#", 1)[1]
    return ""


def _record_entry(rid: int, data: Any, sources: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rid,
        "title": data.title,
        "unit": data.unit,
        "date": data.date.isoformat() if data.date else None,
        "sources": sources,
        "missing": list(data.missing),
    }


def _overall(outcomes: list[str]) -> str:
    for outcome in ("imported", "updated", "duplicate", "changed"):
        if outcome in outcomes:
            return outcome
    return "unchanged"


def _with_suggested_tags(session: Session, data: Any) -> Any:
    from caselib.intake.autotag import auto_tags

    names = auto_tags(session, data.title, [data.summary or "", *body_texts(data.body)])
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
