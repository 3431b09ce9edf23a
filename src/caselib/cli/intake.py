"""Bringing material in: import, near-duplicates, and the bulletins that came with it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caselib.cli.common import emit_json, fail, state
from caselib.cli.zh import ChineseTyper

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
SeriesOpt = Annotated[str | None, typer.Option("--series", metavar="名称", help="简报系列名称。")]
bulletin_app = ChineseTyper(help="单期简报：caselib bulletin show 2022-13。")


def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(metavar="路径", help="文件或文件夹（递归）：.docx .txt .md 等。")
    ],
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", "-u", metavar="单位", help="导入记录的单位（优先于文件中写的单位）。"
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="标签", help="给导入的记录加上标签，可重复。"),
    ] = None,
    auto_tag: Annotated[bool, typer.Option("--auto-tag", help="按标签词表自动加标签。")] = False,
    update: Annotated[bool, typer.Option("--update", help="文件有改动时更新对应记录。")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示将会发生什么，不写入。")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """导入文件或整个文件夹；每个文件单独成事务，坏文件不影响其他文件。"""
    from caselib.intake.importing import ImportOptions, discover, import_paths

    for path in paths:
        if not path.exists():
            fail(f"路径不存在：{path}")
    lib = state(ctx).library()
    options = ImportOptions(
        unit=unit, tags=tag or [], auto_tag=auto_tag, update=update, dry_run=dry_run
    )
    from caselib.cli import render

    total = sum(1 for _ in discover(paths))  # cheap: names only
    with render.progress(total, "导入") as advance:
        reports = import_paths(lib, paths, options, progress=advance)
    if as_json:
        emit_json([r.to_json() for r in reports])
    else:
        render.import_summary(reports, dry_run=dry_run)
    if not reports:
        fail("没有找到可导入的文件")
    if any(r.outcome == "failed" for r in reports):
        raise typer.Exit(1)  # 0 only when every file came in (README, 导入)


def dupes(
    ctx: typer.Context,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", metavar="相似度", help="相似度阈值（0–1，默认见 README）。", min=0, max=1
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出库中内容高度相似的记录对（重复报送、两个单位报同一故事），附相似度。"""
    from caselib.duplicates import duplicate_pairs
    from caselib.store.reader import connect
    from caselib.text.minhash import THRESHOLD

    conn = connect(state(ctx).db)  # the read path: plain SQL, no ORM, nothing written
    try:
        pairs = duplicate_pairs(conn, THRESHOLD if threshold is None else threshold)
    finally:
        conn.close()
    rows = [p.to_json() for p in pairs]
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.duplicate_pairs(rows)


def bulletins(ctx: typer.Context, series: SeriesOpt = None, as_json: JsonOpt = False) -> None:
    """列出库中的简报（最新的在前）。"""
    from caselib.bulletin_view import bulletin_ids, bulletin_object
    from caselib.store.reader import connect

    conn = connect(state(ctx).db)  # the read path: plain SQL, no ORM
    try:
        rows = [bulletin_object(conn, i, records=False) for i in bulletin_ids(conn, series)]
    finally:
        conn.close()
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.bulletin_table(rows)


@bulletin_app.command("show")
def bulletin_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="简报", help="简报编号，或“年份-期号”如 2022-13。")],
    series: SeriesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示一期简报：报头信息、编者按、所载记录与报/送/发。"""
    from caselib.bulletin_view import bulletin_object, find_bulletin
    from caselib.store.reader import connect

    conn = connect(state(ctx).db)
    try:
        data = bulletin_object(conn, find_bulletin(conn, ref, series))
    finally:
        conn.close()
    if as_json:
        emit_json(data)
    else:
        from caselib.cli import render

        render.bulletin_detail(data)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(dupes)
    app.command()(bulletins)
    app.add_typer(bulletin_app, name="bulletin")
