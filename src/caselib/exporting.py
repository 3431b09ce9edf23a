"""Exporting records: Markdown (the import format, lossless) and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from caselib.errors import InvalidInputError
from caselib.fileio import atomic_write_text, check_writable, safe_filename
from caselib.models import Record


def markdown_filename(record: Record) -> str:
    return safe_filename(f"{record.id:04d}-{record.title}", ".md")


def export_markdown(records: list[Record], outdir: Path, *, force: bool = False) -> list[Path]:
    """One Markdown file per record in ``outdir``. Every target is checked before anything is
    written, so a refused export writes nothing."""
    from caselib.markdown import render_record
    from caselib.records import record_to_input

    if outdir.exists() and not outdir.is_dir():
        raise InvalidInputError(f"输出位置应为文件夹：{outdir}")
    targets = [outdir / markdown_filename(r) for r in records]
    for target in targets:
        check_writable(target, force)
    for record, target in zip(records, targets, strict=True):
        atomic_write_text(target, render_record(record_to_input(record).model_dump()), force=force)
    return targets


def records_json(session: Session, records: list[Record]) -> list[dict[str, Any]]:
    """The ``--json`` record objects, with bodies."""
    from caselib.records import record_to_json

    return [record_to_json(r, body=True) for r in records]
