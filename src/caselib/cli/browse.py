"""Finding records: ``caselib list`` (filters) and ``caselib search`` (full text + filters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselib.cli.common import MAX_NUMBER, emit_json, emit_json_lines, parse_date_option, state

if TYPE_CHECKING:
    from caselib.search import SearchFilters

TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="标签", help="标签（含下级与别名）；多个须同时满足。"),
]
AnyTagOpt = Annotated[
    list[str] | None, typer.Option("--any-tag", metavar="标签", help="标签，满足其一即可；可重复。")
]
UnitOpt = Annotated[
    str | None, typer.Option("--unit", "-u", metavar="单位", help="单位（名称或别名）。")
]
KindOpt = Annotated[
    str | None, typer.Option("--kind", "-k", metavar="类型", help="类型：case 或 story。")
]
StatusOpt = Annotated[
    str | None, typer.Option("--status", metavar="状态", help="状态，如 submitted、shortlisted。")
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", metavar="日期", help="事件日期不早于（含）。")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", metavar="日期", help="事件日期不晚于（含）。")
]
OffsetOpt = Annotated[
    int, typer.Option("--offset", metavar="数量", help="跳过前若干条。", min=0, max=MAX_NUMBER)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]

#: Rows of ``list``'s table unless ``--limit`` or ``--all`` says otherwise: a screenful or two
#: is what anyone reads on a console (``--json`` is always complete, scripts rely on it).
TABLE_PAGE = 50


def make_filters(
    tag: list[str] | None,
    any_tag: list[str] | None,
    unit: str | None,
    kind: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    incomplete: bool = False,
) -> SearchFilters:
    from caselib.search import SearchFilters

    return SearchFilters(
        tags=tag or [],
        any_tags=any_tag or [],
        unit=unit,
        kind=kind,
        status=status,
        since=parse_date_option(since),
        until=parse_date_option(until),
        incomplete=incomplete,
    )


def list_(
    ctx: typer.Context,
    tag: TagOpt = None,
    any_tag: AnyTagOpt = None,
    unit: UnitOpt = None,
    kind: KindOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort", metavar="排序", help="排序：date（新的在前）、id、title、unit、updated。"
        ),
    ] = "date",
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="数量",
            help=f"最多显示条数（表格默认 {TABLE_PAGE} 条，--json 默认全部）。",
            min=0,
            max=MAX_NUMBER,
        ),
    ] = None,
    offset: OffsetOpt = 0,
    show_all: Annotated[
        bool, typer.Option("--all", help=f"表格显示全部记录（默认只显示前 {TABLE_PAGE} 条）。")
    ] = False,
    incomplete: Annotated[
        bool,
        typer.Option("--incomplete", help="只列出导入时缺少单位、标题或日期、有待补全的记录。"),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """按单位、标签、类型、状态、日期筛选并列出记录。"""
    from caselib.listing import filtered_ids, filtered_json
    from caselib.store.reader import connect
    from caselib.store.recordjson import load_record_objects

    filters = make_filters(tag, any_tag, unit, kind, status, since, until, incomplete)
    if limit is None and not (as_json or show_all):
        limit = TABLE_PAGE
    conn = connect(state(ctx).db)  # the read path: plain SQL, no ORM
    try:
        if as_json:
            texts = filtered_json(conn, filters, sort=sort, limit=limit, offset=offset)
        else:
            every = filtered_ids(conn, filters, sort=sort)
            ids = every[offset:] if limit is None else every[offset : offset + limit]
            rows = load_record_objects(conn, ids)
    finally:
        conn.close()
    if as_json:
        emit_json_lines(texts)
    else:
        from caselib.cli import render

        render.record_table(rows, total=len(every), offset=offset)


def search(
    ctx: typer.Context,
    query: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="检索词", help="检索词：空格表示“且”，引号表示短语，-词 表示排除，OR 表示“或”。"
        ),
    ] = None,
    tag: TagOpt = None,
    any_tag: AnyTagOpt = None,
    unit: UnitOpt = None,
    kind: KindOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", metavar="数量", help="最多显示条数。", min=0, max=MAX_NUMBER),
    ] = 20,
    offset: OffsetOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """中文全文检索：按相关度排序（标题、标签命中优先），附高亮摘要；不给检索词时按筛选条件列出。"""
    from caselib.search import count_hits, search
    from caselib.store.reader import connect

    filters = make_filters(tag, any_tag, unit, kind, status, since, until)
    text = " ".join(query or [])
    conn = connect(state(ctx).db)
    try:
        hits = search(conn, text, filters, limit=limit, offset=offset)
        total = count_hits(conn, text, filters) if not as_json else len(hits)
    finally:
        conn.close()
    if as_json:
        emit_json([h.to_json() for h in hits])
    else:
        from caselib.cli import render

        render.search_results(hits, total=total, offset=offset)


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    # "-词" excludes a word: let it through as part of the query, not as an unknown option
    app.command(context_settings={"ignore_unknown_options": True})(search)
