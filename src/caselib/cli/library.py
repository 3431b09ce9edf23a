"""The library as a whole: init, info, import, export, reindex, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caselib.cli.common import emit_json, fail, note, state

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]


def init(
    ctx: typer.Context,
    path: Annotated[
        str | None, typer.Argument(help="库文件路径（默认用 --db、CASELIB_DB 或用户数据目录）。")
    ] = None,
) -> None:
    """新建一个库（载入默认标签词表）；库已存在时不做改动。"""
    from caselib.db import Library

    lib, created = Library.init(path or state(ctx).db)
    where = lib.path or lib.url
    if created:
        note(f"已创建库：{where}（含默认标签 {lib.counts()['tags']} 个）")
    else:
        note(f"库已存在，未做改动：{where}")


def info(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示库的位置、结构版本、记录数与索引大小。"""
    lib = state(ctx).library()
    data: dict[str, object] = {
        "location": str(lib.path or lib.url),
        "url": lib.url,
        "schema_version": lib.schema_version,
        **lib.counts(),
    }
    if lib.path is not None:
        from caselib.sqlite_backend import index_size_bytes

        data["file_size"] = lib.path.stat().st_size
        conn = lib.dbapi_connection()
        try:
            data["index_size"] = index_size_bytes(conn)
        finally:
            conn.close()
    if as_json:
        emit_json(data)
    else:
        from caselib.cli import render

        render.library_info(data)


def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="文件或文件夹（递归）：.docx .txt .md 等。")],
    unit: Annotated[
        str | None, typer.Option("--unit", "-u", help="单位（文件中识别不出时使用）。")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="给导入的记录加上标签，可重复。")
    ] = None,
    auto_tag: Annotated[bool, typer.Option("--auto-tag", help="按标签词表自动加标签。")] = False,
    update: Annotated[bool, typer.Option("--update", help="文件有改动时更新对应记录。")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示将会发生什么，不写入。")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """导入文件或整个文件夹；每个文件单独成事务，坏文件不影响其他文件。"""
    from caselib.importing import ImportOptions, discover, import_paths

    for path in paths:
        if not path.exists():
            fail(f"路径不存在：{path}")
    lib = state(ctx).library()
    options = ImportOptions(
        unit=unit, tags=tag or [], auto_tag=auto_tag, update=update, dry_run=dry_run
    )
    from caselib.cli import render

    total = sum(1 for _ in discover(paths))
    with render.progress(total, "导入") as advance:
        reports = import_paths(lib, paths, options, progress=advance)
    if as_json:
        emit_json([r.to_json() for r in reports])
    else:
        render.import_summary(reports, dry_run=dry_run)
    if not reports:
        fail("没有找到可导入的文件")
    if all(r.outcome == "failed" for r in reports):
        raise typer.Exit(1)


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


def reindex(ctx: typer.Context) -> None:
    """重建全文索引。"""
    lib = state(ctx).library()
    from caselib.sqlite_backend import rebuild_index

    conn = lib.dbapi_connection()
    try:
        with conn:
            count = rebuild_index(conn)
    finally:
        conn.close()
    note(f"已重建索引：{count} 条记录")


def check(
    ctx: typer.Context,
    repair: Annotated[bool, typer.Option("--repair", help="发现问题时重建索引。")] = False,
) -> None:
    """检查全文索引与记录是否一致（--repair 修复）。"""
    lib = state(ctx).library()
    from caselib.sqlite_backend import check_index, rebuild_index

    conn = lib.dbapi_connection()
    try:
        problems = check_index(conn)
        if problems and repair:
            with conn:
                rebuild_index(conn)
            problems_after = check_index(conn)
        else:
            problems_after = problems
    finally:
        conn.close()
    for problem in problems:
        note(problem)
    if problems and repair and not problems_after:
        note("已修复索引")
        return
    if problems_after:
        fail(
            f"索引有 {len(problems_after)} 处问题（运行 caselib check --repair 或 caselib reindex 修复）"
        )
    note("索引完好")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(info)
    app.command("import")(import_)
    app.command()(export)
    app.command()(reindex)
    app.command()(check)
