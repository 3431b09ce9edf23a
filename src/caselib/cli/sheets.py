"""Expert review through Excel sheets: ``review sheets`` / ``review import`` / ``review summary``.

``review`` is a group whose first argument is either one of these subcommands or, as before,
a record id: ``caselib review 12 --reviewer 王老师 --score 典型性=4`` runs the single review
command (``cli.review.review``) unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from caselib.cli import review as review_cmd
from caselib.cli.common import emit_json, fail, note, parse_date_option, state
from caselib.cli.zh import ChineseCommand, ChineseGroup, ChineseTyper
from caselib.cli.zh import _ as translate

if TYPE_CHECKING:
    from sqlmodel import Session

    from caselib.choose.sheet_import import ReturnedSheet, SheetImport

SCORE_COMMAND = "score"  # the hidden name of the single review (``review 12 …``)
_HELP_OPTIONS = ("-h", "--help")


class ReviewGroup(ChineseGroup):
    """Routes ``review 12 …`` (a record id or an option first) to the single review command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args:
            first = args[0]
            if first.isdigit() or (first.startswith("-") and first not in _HELP_OPTIONS):
                args = [SCORE_COMMAND, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        prefix = translate("Usage: ")
        formatter.write_usage(
            ctx.command_path, "编号 --reviewer 评审人 --score 评分项=分数 …", prefix=prefix
        )
        pad = " " * len(
            prefix.encode("gbk")
        )  # the second line under the first (two columns a character)
        formatter.write_usage(ctx.command_path, "sheets | import | summary …", prefix=pad)

    def list_commands(self, ctx: Any) -> list[str]:
        return [c for c in super().list_commands(ctx) if c != SCORE_COMMAND]


class _ScoreContext(typer.Context):
    @property
    def command_path(self) -> str:
        """``caselib review``: the routing name never shows in usage lines and hints."""
        return self.parent.command_path if self.parent else super().command_path


class _ScoreCommand(ChineseCommand):
    context_class = _ScoreContext


review_app = ChineseTyper(
    cls=ReviewGroup,
    help=(
        "评审：给一条记录评分（caselib review 12 --reviewer 王老师 --score 典型性=4；"
        "同一评审人再次评分会替换上次评分，历史保留），"
        "或用 Excel 评分表请专家评审：sheets 生成评分表与阅读材料，import 导入交回的评分表，"
        "summary 生成汇总表。"
    ),
)
review_app.command(SCORE_COMMAND, hidden=True, cls=_ScoreCommand)(review_cmd.review)

ShortlistOpt = Annotated[str, typer.Option("--shortlist", metavar="名单", help="入围名单名称。")]
ForceOpt = Annotated[bool, typer.Option("--force", help="覆盖已有的文件。")]


@review_app.command("sheets")
def sheets(
    ctx: typer.Context,
    shortlist: ShortlistOpt,
    reviewer: Annotated[
        list[str],
        typer.Option("--reviewer", "-r", metavar="姓名", help="评审人，可重复：每人一份评分表。"),
    ],
    outdir: Annotated[Path, typer.Option("--output", "-o", metavar="文件夹", help="输出文件夹。")],
    pdf: Annotated[
        bool,
        typer.Option("--pdf/--no-pdf", help="装有 LibreOffice 时把阅读材料另存为 PDF（默认是）。"),
    ] = True,
    force: ForceOpt = False,
) -> None:
    """为入围名单生成每位评审人一份 Excel 评分表，以及阅读材料（DOCX，装有 LibreOffice 时另附 PDF）。"""
    from caselib.choose.sheets import (
        READING_PACK,
        check_reviewers,
        make_sheets,
        plan_sheets,
        write_reading_pack,
    )
    from caselib.publish.fileio import check_writable

    names = check_reviewers(reviewer)
    st = state(ctx)
    config = st.config()
    pack = outdir / READING_PACK
    # The plan is committed first: a sheet must never carry a library identity that a later
    # failure rolled back.
    planned = st.library().write(lambda session: plan_sheets(session, shortlist))
    check_writable(pack, force)
    soffice = None
    if pdf:
        from caselib.intake.readers.convert import find_soffice

        soffice = find_soffice()
        if soffice is not None:
            check_writable(pack.with_suffix(".pdf"), force)
    written = make_sheets(planned, names, config.rubric, outdir, force=force)
    with st.library().session() as session:  # reads only: the file is not a retried write
        write_reading_pack(session, planned, pack, force=force)
    for path in written:
        note(f"已生成评分表：{path}")
    note(f"已生成阅读材料：{pack}（{len(planned.candidates)} 篇，序号与评分表一致）")
    if pdf and soffice is None:
        note("未找到 LibreOffice，未生成 PDF 版阅读材料（DOCX 已生成）")
    elif soffice is not None:
        from caselib.errors import CaselibError
        from caselib.publish.pdf_render import docx_to_pdf

        try:
            note(f"已生成阅读材料 PDF：{docx_to_pdf(pack, outdir, soffice=soffice)}")
        except CaselibError as exc:
            note(f"阅读材料 PDF 未生成：{exc}")


@review_app.command("import")
def import_sheets(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(metavar="路径", help="交回的评分表：文件或文件夹，可多个。")
    ],
    shortlist: Annotated[
        str | None, typer.Option("--shortlist", metavar="名单", help="只接受这个入围名单的评分表。")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只检查并列出将要记录的评分，不写入。")
    ] = False,
) -> None:
    """导入交回的评分表：逐格检查，每份评分表一个事务；有问题的评分表整份不导入。"""
    from caselib.choose.sheet_import import (
        apply_import,
        check_sheet,
        describe_change,
        read_sheet,
        sheet_paths,
    )

    files = sheet_paths(paths)
    st = state(ctx)
    config = st.config()
    library = st.library()
    refused = 0
    for path in files:
        sheet = read_sheet(path, config.rubric)

        def check_and_apply(session: Session, sheet: ReturnedSheet = sheet) -> SheetImport:
            # checked again on each try: what another writer committed meanwhile counts
            plan = check_sheet(session, sheet, config.rubric, shortlist=shortlist)
            if plan.ok and not dry_run:
                apply_import(session, plan, config.rubric)
            return plan

        plan = library.write(check_and_apply)
        for line in plan.problems:
            note(line)
        if not plan.ok:
            refused += 1
            note(f"{path.name}：有 {len(plan.problems)} 处问题，整份未导入")
            continue
        for line in plan.warnings:
            note(f"注意：{line}")
        if dry_run:
            for change in plan.changes:
                note(f"{path.name}：将{describe_change(change, config.rubric)}")
        who = sheet.reviewer
        if not plan.changes and not plan.unchanged:
            note(f"{path.name}：{who} 还没有填写任何评分，未作改动")
            continue
        if not plan.changes:
            note(f"{path.name}：{who} 的评分与库中已有的相同，未作改动")
            continue
        done = "将导入" if dry_run else "已导入"
        extra = f"，{plan.unchanged} 条与已有评分相同" if plan.unchanged else ""
        extra += f"，{plan.blank} 条未评分" if plan.blank else ""
        note(f"{path.name}：{done} {who} 对 {len(plan.changes)} 条记录的评分{extra}")
    if dry_run:
        note("（--dry-run：未写入任何内容）")
    if refused:
        fail(f"{refused} 份评分表有问题未导入，请按上面列出的单元格修改后重新导入")


@review_app.command("summary")
def summary(
    ctx: typer.Context,
    shortlist: ShortlistOpt,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="路径", help="汇总表文件（.xlsx）。")
    ] = None,
    top: Annotated[int | None, typer.Option("--top", metavar="数量", help="选出前 N 项。")] = None,
    per_unit: Annotated[
        int | None, typer.Option("--per-unit", metavar="数量", help="每个单位最多入选几项。")
    ] = None,
    per_tag: Annotated[
        int | None, typer.Option("--per-tag", metavar="数量", help="每个标签最多入选几项。")
    ] = None,
    chart_top: Annotated[
        int, typer.Option("--chart-top", metavar="数量", help="图表列出前 N 名（默认 10）。", min=1)
    ] = 10,
    on: Annotated[
        str | None,
        typer.Option("--date", metavar="日期", help="评分基准日（默认今天，影响时效分）。"),
    ] = None,
    force: ForceOpt = False,
    as_json: review_cmd.JsonOpt = False,
) -> None:
    """生成入围名单的评审汇总表：各评审人加权分、校准分、排名、是否入选及原因，附签字栏。"""
    from caselib.choose.summary import build_summary, write_summary

    if output is None and not as_json:
        fail("请用 -o 指定汇总表文件（.xlsx），或加 --json 输出")
    if output is not None and output.suffix.lower() != ".xlsx":
        fail(f"汇总表应为 .xlsx 文件：{output}")
    st = state(ctx)
    config = st.config()
    reference = parse_date_option(on) or dt.date.today()
    with st.library().session() as session:
        result = build_summary(
            session,
            shortlist,
            config,
            reference_date=reference,
            top=top,
            per_unit=per_unit,
            per_tag=per_tag,
        )
    if output is not None:
        write_summary(output, result, config, chart_top=chart_top, force=force)
    for warning in result.warnings:
        note(warning)
    if as_json:
        emit_json(result.to_json())
    if output is not None:
        chosen = sum(1 for r in result.rows if r.selected)
        note(f"已生成汇总表：{output}（{len(result.rows)} 项，入选 {chosen} 项）")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
