"""Choosing the best: rubric, reviews, ranking, shortlists, reports, adoptions, statistics."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from caselib.cli.browse import KindOpt, SinceOpt, UnitOpt, UntilOpt
from caselib.cli.common import (
    MAX_NUMBER,
    RecordId,
    RecordIds,
    emit_json,
    fail,
    note,
    parse_date_option,
    state,
)
from caselib.cli.zh import ChineseTyper

if TYPE_CHECKING:
    from sqlmodel import Session

    from caselib.store.tables import Review

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
DEFAULT_SHOWN = 50  # ranked records listed without quotas (all with --all; --json gives all)
shortlist_app = ChineseTyper(help="入围名单：show / list / add / rm / order / delete。")


def rubric(
    ctx: typer.Context,
    init: Annotated[bool, typer.Option("--init", help="在库旁写出一份可编辑的配置文件。")] = False,
    as_json: JsonOpt = False,
) -> None:
    """显示正在使用的评分细则、各项权重与排序参数（配置文件为库旁的 .toml 文件）。"""
    from caselib.store.config import config_path, write_default_config
    from caselib.store.location import resolve_url, sqlite_path
    from caselib.store.reader import connect

    st = state(ctx)
    connect(st.db).close()  # the library must exist (and is upgraded if old)
    path = sqlite_path(resolve_url(st.db))
    if init:
        if path is None:
            fail("只有 SQLite 库才有配置文件")
        note(f"已写出配置文件：{write_default_config(config_path(path))}，修改后即生效")
        return
    config = st.config()
    where = config_path(path) if path else None
    if as_json:
        data = config.as_dict()
        data["file"] = str(where) if where and where.exists() else None
        emit_json(data)
    else:
        from caselib.cli import render

        render.rubric(config, where if where and where.exists() else None)


def review(
    ctx: typer.Context,
    record_id: RecordId,
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", metavar="姓名", help="评审人。")],
    score: Annotated[
        list[str],
        typer.Option("--score", "-s", metavar="评分项=分数", help="评分，形如 典型性=4；可重复。"),
    ],
    comment: Annotated[
        str | None, typer.Option("--comment", "-c", metavar="评语", help="评语。")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """给记录评分。

    同一评审人再次评分时逐项更新：给出的评分项替换上次的分数，未给出的评分项与评语沿用上次的。
    """
    from caselib.choose.reviews import add_review

    scores: dict[str, str] = {}
    for item in score:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"评分格式应为 评分项=分数，如 典型性=4，而不是“{item}”")
        scores[name.strip()] = value.strip()
    st = state(ctx)
    config = st.config()

    def save(session: Session) -> tuple[Review, dict[str, object]]:
        saved = add_review(session, record_id, reviewer, scores, comment, config.rubric)  # type: ignore[arg-type]
        return saved, _review_json(saved, config)

    saved, data = st.library().write(save)
    if as_json:
        emit_json(data)
        return
    kept = [name for name in saved.scores if name not in scores]
    note(f"已记录 {reviewer} 对记录 {record_id} 的评分（加权平均 {data['weighted_mean']:.2f}）")
    if kept or (comment is None and saved.comment):
        parts = [f"评分项 {'、'.join(kept)}"] if kept else []
        parts += ["评语"] if comment is None and saved.comment else []
        note(f"沿用上次评审的{'与'.join(parts)}；上次评分保留在历史中（reviews --history）")


def _review_json(saved: object, config: object) -> dict[str, object]:
    from caselib.choose.history import review_object
    from caselib.store.config import Config
    from caselib.store.tables import Review

    assert isinstance(saved, Review) and isinstance(config, Config)
    return review_object(
        id=saved.id,
        record_id=saved.record_id,
        reviewer=saved.reviewer,
        scores=saved.scores,
        comment=saved.comment,
        created=saved.created_at,
        superseded=saved.superseded_at,
        rubric=config.rubric,
    )


def reviews(
    ctx: typer.Context,
    record_id: RecordId,
    history: Annotated[bool, typer.Option("--history", help="包括被替换的旧评分。")] = False,
    as_json: JsonOpt = False,
) -> None:
    """列出一条记录的全部评分。"""
    from caselib.choose.history import review_objects
    from caselib.store.reader import connect
    from caselib.store.recordjson import check_record

    st = state(ctx)
    config = st.config()
    conn = connect(st.db)  # the read path: plain SQL, no ORM
    try:
        check_record(conn, record_id)
        rows = review_objects(conn, record_id, config.rubric, history)
    finally:
        conn.close()
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.review_table(rows, config.rubric.names)


def rank(
    ctx: typer.Context,
    kind: KindOpt = None,
    unit: UnitOpt = None,
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="标签", help="只排该标签（含下级）的记录。")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    top: Annotated[
        int | None,
        typer.Option("--top", metavar="数量", help="选出前 N 项。", max=MAX_NUMBER),
    ] = None,
    per_unit: Annotated[
        int | None,
        typer.Option("--per-unit", metavar="数量", help="每个单位最多入选几项。", max=MAX_NUMBER),
    ] = None,
    per_tag: Annotated[
        int | None,
        typer.Option("--per-tag", metavar="数量", help="每个标签最多入选几项。", max=MAX_NUMBER),
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help="逐项列出得分构成。")] = False,
    shortlist: Annotated[
        str | None,
        typer.Option("--shortlist", metavar="名单", help="把入选的记录放入这个入围名单。"),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", metavar="日期", help="评分基准日（默认今天，影响时效分）。"),
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all", help="列出全部记录（默认列到最后一项入选为止；无名额限制时列前 50 项）。"
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """按评审意见与文本证据综合排序，并在名额限制下择优（--explain 说明每一分的来历）。"""
    from caselib.choose.ranking import rank as rank_records
    from caselib.store.reader import connect

    st = state(ctx)
    config = st.config()
    reference = parse_date_option(on) or dt.date.today()
    conn = connect(st.db)  # the read path: plain SQL, no ORM unless a shortlist is written
    try:
        ranking = rank_records(
            conn,
            reference_date=reference,
            config=config,
            kind=kind,
            since=parse_date_option(since),
            until=parse_date_option(until),
            unit=unit,
            tag=tag,
            top=top,
            per_unit=per_unit,
            per_tag=per_tag,
        )
    finally:
        conn.close()
    if shortlist is not None:
        from caselib.choose.shortlists import fill_from_ranking

        chosen = [r.id for r in ranking.selected]
        if not chosen:
            fail("没有入选的记录，入围名单未改动")
        view = st.library().write(lambda session: fill_from_ranking(session, shortlist, chosen))
    for warning in ranking.warnings:
        note(warning)
    if as_json:
        emit_json([r.to_json() for r in ranking])
    else:
        from caselib.cli import render

        limited = any(v is not None for v in (top, per_unit, per_tag))
        shown = list(ranking)
        if not show_all:
            chosen = [r.rank for r in ranking.selected]
            shown = shown[: chosen[-1] if limited and chosen else DEFAULT_SHOWN]
        render.ranking(shown, explain=explain, limited=limited)
        if len(shown) < len(ranking):
            note(f"另有 {len(ranking) - len(shown)} 项未列出（加 --all 列出全部）")
    if shortlist is not None:
        note(f"入围名单“{view.name}”现有 {len(view.items)} 项")


@shortlist_app.command("list")
def shortlist_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出全部入围名单。"""
    from caselib.choose.shortlists import list_shortlists

    with state(ctx).library().session() as session:
        rows = [s.to_json() for s in list_shortlists(session)]
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.shortlist_table(rows)


def _show_view(view: object, as_json: bool) -> None:
    from caselib.choose.shortlists import ShortlistView

    assert isinstance(view, ShortlistView)
    if as_json:
        emit_json(view.to_json())
    else:
        from caselib.cli import render

        render.shortlist_detail(view.to_json())


NameArg = Annotated[
    str, typer.Argument(metavar="名单", help="入围名单名称，如 2022年第四季度报送。")
]
IdsArg = RecordIds


@shortlist_app.command("show")
def shortlist_show(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """按顺序显示入围名单中的记录。"""
    from caselib.choose.shortlists import show_shortlist

    with state(ctx).library().session() as session:
        view = show_shortlist(session, name)
    _show_view(view, as_json)


@shortlist_app.command("add")
def shortlist_add(
    ctx: typer.Context,
    name: NameArg,
    record_ids: IdsArg,
    position: Annotated[
        int | None,
        typer.Option(
            "--at", metavar="位置", help="插入到第几位（默认末尾）。", min=1, max=MAX_NUMBER
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """把记录加入入围名单（名单不存在时新建）。"""
    from caselib.choose.shortlists import add_to_shortlist

    view = (
        state(ctx)
        .library()
        .write(
            lambda session: add_to_shortlist(
                session, name, record_ids, position=position, create=True
            )
        )
    )
    _show_view(view, as_json)


@shortlist_app.command("rm")
def shortlist_rm(
    ctx: typer.Context, name: NameArg, record_ids: IdsArg, as_json: JsonOpt = False
) -> None:
    """从入围名单中移除记录。"""
    from caselib.choose.shortlists import remove_from_shortlist

    view = (
        state(ctx).library().write(lambda session: remove_from_shortlist(session, name, record_ids))
    )
    _show_view(view, as_json)


@shortlist_app.command("order")
def shortlist_order(
    ctx: typer.Context, name: NameArg, record_ids: IdsArg, as_json: JsonOpt = False
) -> None:
    """调整顺序：给出的记录按给出的顺序排在最前，其余保持原顺序。"""
    from caselib.choose.shortlists import reorder_shortlist

    view = state(ctx).library().write(lambda session: reorder_shortlist(session, name, record_ids))
    _show_view(view, as_json)


@shortlist_app.command("delete")
def shortlist_delete(ctx: typer.Context, name: NameArg) -> None:
    """删除入围名单（记录本身不受影响）。"""
    from caselib.choose.shortlists import delete_shortlist

    state(ctx).library().write(lambda session: delete_shortlist(session, name))
    note(f"已删除入围名单：{name}")


UndoOpt = Annotated[
    bool,
    typer.Option("--undo", help="撤销这项登记（以同样的编号与选项指明登记的是哪一项）。"),
]


def report(
    ctx: typer.Context,
    record_ids: IdsArg,
    to: Annotated[str, typer.Option("--to", metavar="单位", help="报送对象，如 省委教育工委。")],
    on: Annotated[
        str | None,
        typer.Option("--date", metavar="日期", help="报送日期（默认今天；撤销时可省略）。"),
    ] = None,
    bulletin: Annotated[
        str | None,
        typer.Option(
            "--bulletin", metavar="简报", help="随哪期简报报送，如 2022-13（记录须在该期中）。"
        ),
    ] = None,
    undo: UndoOpt = False,
) -> None:
    """登记向上级报送，记录状态随之变为“已报送”。

    同一记录、同一报送对象、同一日期只登记一次，重复登记时提示已登记（退出码 0）；--undo 撤销。
    """
    from caselib.bulletins import get_bulletin
    from caselib.choose.tracking import add_report, remove_report

    when = parse_date_option(on)
    if undo and bulletin is not None:
        fail("撤销报送时不需要 --bulletin")
    if not undo:
        when = when or dt.date.today()

    def log(session: Session) -> tuple[list[str], list[str]]:
        notes: list[str] = []
        done: list[str] = []
        if undo:
            for rid in record_ids:
                removed = remove_report(session, rid, to, when)
                notes += removed.notes
                done.append(f"{rid}（{removed.row.date.isoformat()}）")
            return notes, done
        assert when is not None
        bulletin_id = get_bulletin(session, bulletin).id if bulletin else None
        for rid in record_ids:
            logged = add_report(session, rid, to, when, bulletin_id)
            notes += logged.notes
            if logged.created:
                done.append(str(rid))
        return notes, done

    notes, done = state(ctx).library().write(log)
    for line in notes:
        note(line)
    if undo:
        note(f"已撤销报送登记：{'、'.join(done)} → {to}")
    elif done:
        assert when is not None
        note(f"已登记报送：{'、'.join(done)} → {to}（{when.isoformat()}）")


def adopt(
    ctx: typer.Context,
    record_id: RecordId,
    by: Annotated[
        str, typer.Option("--by", metavar="载体", help="采用的载体，如 省委教育工委工作简报第8期。")
    ],
    level: Annotated[
        str | None,
        typer.Option(
            "--level", metavar="级别", help="采用级别：校级、市级、省级、国家级（撤销时可省略）。"
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", metavar="日期", help="采用日期（默认今天；撤销时可省略）。"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="未登记报送也允许登记采用。")] = False,
    undo: UndoOpt = False,
) -> None:
    """登记上级采用，记录状态随之变为“已采用”（未报送过的记录需加 --force）。

    同一记录、同一载体只登记一次，重复登记时提示已登记（退出码 0）；--undo 撤销。
    """
    from caselib.choose.tracking import add_adoption, remove_adoption

    st = state(ctx)
    when = parse_date_option(on)
    if undo:
        removed = st.library().write(
            lambda session: remove_adoption(session, record_id, by, level, when)
        )
        note(f"已撤销采用登记：记录 {record_id}，{removed.row.by}（{removed.row.level}）")
        return
    if level is None:
        fail("请用 --level 给出采用级别（校级、市级、省级、国家级）")
    config = st.config()
    day = when or dt.date.today()
    logged = st.library().write(
        lambda session: add_adoption(session, record_id, by, level, day, force=force, config=config)
    )
    for line in logged.notes:
        note(line)
    if logged.created:
        note(f"已登记采用：记录 {record_id}，{by}（{level}，{day.isoformat()}）")


def stats(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", metavar="分组", help="分组：unit、tag、month、status。")
    ] = "unit",
    kind: KindOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    chart: Annotated[bool, typer.Option("--chart", help="画出终端条形图。")] = False,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            metavar="指标",
            help="条形图的指标（给出即画图，默认 records）：records、reports、adoptions、"
            "adoption_rate、points…",
        ),
    ] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="以 CSV 输出。")] = False,
) -> None:
    """按单位、标签、月份或状态统计：记录数、报送、采用、采用率、平均分、积分。"""
    from caselib.choose.stats import (
        METRICS,
        bars,
        csv_table,
        group_stats,
        status_only_adoptions,
    )

    chart = chart or metric is not None
    metric = metric or "records"
    if metric not in METRICS:
        fail(f"未知的统计指标“{metric}”（可用：{'、'.join(METRICS)}）")
    st = state(ctx)
    config = st.config()
    from caselib.store.reader import connect

    conn = connect(st.db)  # the read path: plain SQL, no ORM
    try:
        rows = group_stats(
            conn,
            by,
            config=config,
            kind=kind,
            since=parse_date_option(since),
            until=parse_date_option(until),
            total=not (as_json or as_csv),
        )
        unlogged = status_only_adoptions(conn)
    finally:
        conn.close()
    if as_json:
        emit_json([r.to_json() for r in rows])
    elif as_csv:
        from caselib.publish.formats import csv_bytes

        sys.stdout.flush()
        sys.stdout.buffer.write(csv_bytes(*csv_table(rows, by)))
        sys.stdout.buffer.flush()
    else:
        from caselib.cli import render

        render.stats_table(rows, by)
        if chart:
            render.bar_chart(bars(rows, metric), metric)
    if unlogged:
        shown = "、".join(map(str, unlogged[:10])) + ("等" if len(unlogged) > 10 else "")
        note(
            f"记录 {shown} 的状态为“已采用”但未登记采用载体与级别，采用已计入、积分未计入"
            "（可用 caselib adopt 补登）"
        )


def register(app: typer.Typer) -> None:
    app.command()(rubric)
    # ``review`` itself is the group of cli/sheets.py, which routes ``review 12 …`` here.
    app.command()(reviews)
    app.command()(rank)
    app.add_typer(shortlist_app, name="shortlist")
    app.command()(report)
    app.command()(adopt)
    app.command()(stats)
