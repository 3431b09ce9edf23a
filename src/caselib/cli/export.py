"""Writing records out: Markdown, JSON (and, later, DOCX, CSV, XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caselib.cli.common import emit_json, fail, note, state


def export(
    ctx: typer.Context,
    record_ids: Annotated[list[int] | None, typer.Argument(help="要导出的记录编号。")] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="格式：md 或 json。")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出位置（md 为文件夹）。")
    ] = None,
    all_records: Annotated[bool, typer.Option("--all", help="导出全部记录。")] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")] = False,
) -> None:
    """导出记录：md（每条一个文件，可再次导入）或 json。"""
    from caselib.exporting import export_markdown, records_json
    from caselib.fileio import atomic_write_text
    from caselib.records import get_record, list_live

    lib = state(ctx).library()
    with lib.session() as session:
        if record_ids:
            records = [get_record(session, rid) for rid in record_ids]
        elif all_records:
            records = list_live(session)
        else:
            fail("请给出记录编号，或用 --all 导出全部")
        if fmt == "md":
            if output is None:
                fail("导出 Markdown 需要用 -o 指定输出文件夹")
            written = export_markdown(records, output, force=force)
            note(f"已导出 {len(written)} 个文件到 {output}")
        elif fmt == "json":
            import json

            data = records_json(session, records)
            if output is None:
                emit_json(data)
            else:
                text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
                atomic_write_text(output, text, force=force)
                note(f"已导出 {len(data)} 条记录到 {output}")
        else:
            fail(f"不支持的导出格式：{fmt}（可用：md、json）")


def register(app: typer.Typer) -> None:
    app.command()(export)
