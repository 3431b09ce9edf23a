"""``caselib export``: records out as Markdown, JSON, CSV, XLSX, or DOCX/PDF (a 简报 issue or a
compilation; PDF rendered by LibreOffice). The work is done by ``caselib.publish`` (selection, formats, docx_export); this module parses and checks the
options, then reports what was written."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from caselib.cli.browse import (
    AnyTagOpt,
    KindOpt,
    SinceOpt,
    StatusOpt,
    TagOpt,
    UnitOpt,
    UntilOpt,
    make_filters,
)
from caselib.cli.common import MAX_NUMBER, emit_json, fail, note, parse_date_option, state

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlmodel import Session

    from caselib.publish.docx_export import IssueFile
    from caselib.publish.selection import Selection
    from caselib.store.library import Library

SELECT = "选择记录（只用一种）"
BULLETIN = "简报（--format docx 或 pdf，且给出 --series 或 --issue）"
COMPILATION = "汇编（--format docx 或 pdf，不给 --series）"
OUTPUT = "输出"


def export(
    ctx: typer.Context,
    record_ids: Annotated[
        list[int] | None,
        typer.Argument(
            metavar="编号", help="要导出的记录编号（按给出的顺序）。", min=1, max=MAX_NUMBER
        ),
    ] = None,
    all_records: Annotated[
        bool, typer.Option("--all", help="导出全部记录（回收站除外）。", rich_help_panel=SELECT)
    ] = False,
    shortlist: Annotated[
        str | None,
        typer.Option(
            "--shortlist",
            metavar="名单",
            help="导出入围名单中的记录（按名单顺序）。",
            rich_help_panel=SELECT,
        ),
    ] = None,
    bulletin_ref: Annotated[
        str | None,
        typer.Option(
            "--bulletin",
            metavar="简报",
            help="导出一期已有简报的记录，如 2022-13；配合 --format docx/pdf 按原报头重新生成这一期。",
            rich_help_panel=SELECT,
        ),
    ] = None,
    tag: TagOpt = None,
    any_tag: AnyTagOpt = None,
    unit: UnitOpt = None,
    kind: KindOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-F",
            metavar="格式",
            help="格式：md、json、csv、xlsx、docx、pdf（pdf 需安装 LibreOffice；默认按 -o 的扩展名，否则 md）。",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="路径",
            help="输出文件（扩展名须与格式相符，没有扩展名时自动加上）；md 为文件夹；给出已有文件夹时自动命名；所在文件夹须已存在；json 不给则输出到屏幕。",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="覆盖已存在的文件。", rich_help_panel=OUTPUT)
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="只显示将要导出的内容，不写文件、不登记简报。", rich_help_panel=OUTPUT
        ),
    ] = False,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            metavar="文件",
            help="使用本单位的 Word 模板（.docx/.dotx）。",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    series: Annotated[
        str | None,
        typer.Option(
            "--series",
            metavar="名称",
            help="简报名称（报头）；编印单位与报送范围沿用该简报上一期。",
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    issue: Annotated[
        int | None,
        typer.Option(
            "--issue",
            metavar="期号",
            help="期号（默认为该简报当年的下一期）。",
            max=MAX_NUMBER,
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="日期", help="印发日期（默认今天）。", rich_help_panel=BULLETIN
        ),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option(
            "--office",
            metavar="单位",
            help="编印单位（默认沿用上一期）。",
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    editor_note: Annotated[
        Path | None,
        typer.Option(
            "--editor-note",
            metavar="文件",
            help="编者按文件（UTF-8 文本）。",
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    editor_note_text: Annotated[
        str | None,
        typer.Option(
            "--editor-note-text", metavar="文字", help="编者按文字。", rich_help_panel=BULLETIN
        ),
    ] = None,
    to_superiors: Annotated[
        list[str] | None,
        typer.Option(
            "--to-superiors",
            metavar="单位",
            help="报：上级单位；可重复，或用 ，、; 分隔多个（默认沿用上一期）。",
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    to_peers: Annotated[
        list[str] | None,
        typer.Option(
            "--to-peers",
            metavar="单位",
            help="送：领导、平级单位；写法同上。",
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    to_units: Annotated[
        list[str] | None,
        typer.Option(
            "--to-units", metavar="单位", help="发：下级单位；写法同上。", rich_help_panel=BULLETIN
        ),
    ] = None,
    copies: Annotated[
        int | None,
        typer.Option(
            "--copies",
            metavar="份数",
            help="共印份数（版记末行）。",
            max=MAX_NUMBER,
            rich_help_panel=BULLETIN,
        ),
    ] = None,
    back_page: Annotated[
        bool,
        typer.Option(
            "--back-page",
            help="双面印刷：版记放在偶数页（封四）页脚处。",
            rich_help_panel=BULLETIN,
        ),
    ] = False,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            metavar="标题",
            help="汇编封面标题（默认“经验案例汇编”等）。",
            rich_help_panel=COMPILATION,
        ),
    ] = None,
    subtitle: Annotated[
        str | None,
        typer.Option(
            "--subtitle",
            metavar="副标题",
            help="汇编封面副标题，如编印单位与日期。",
            rich_help_panel=COMPILATION,
        ),
    ] = None,
) -> None:
    """导出记录：md（每条一个文件，可再次导入）、json、csv、xlsx（每条一行，含评分），或 docx/pdf（给出 --series / --issue 时为一期简报并登记入库，否则为带目录的汇编；pdf 由 LibreOffice 生成）。"""
    import datetime as dt

    from caselib.publish.selection import check_selection, output_path, resolve_format

    filters = make_filters(tag, any_tag, unit, kind, status, since, until)
    check_selection(
        ids=record_ids or (),
        all_records=all_records,
        shortlist=shortlist,
        bulletin=bulletin_ref,
        filters=filters,
    )
    out = _Output(Path(output), output.endswith(("/", os.sep))) if output else _Output(None)
    kind_fmt = resolve_format(fmt, out.path, folder=out.folder)
    if out.path is not None:
        out = _Output(output_path(kind_fmt, out.path, folder=out.folder), out.folder)
    document = kind_fmt in ("docx", "pdf")
    header = {
        "--date": date is not None,
        "--office": office is not None,
        "--editor-note": editor_note is not None,
        "--editor-note-text": editor_note_text is not None,
        "--to-superiors": bool(to_superiors),
        "--to-peers": bool(to_peers),
        "--to-units": bool(to_units),
        "--copies": copies is not None,
    }
    header_given = [name for name, given in header.items() if given]
    reprint = bulletin_ref is not None
    as_bulletin = document and not reprint and (series is not None or issue is not None)
    if reprint and (header_given or issue is not None):
        names = "、".join(header_given + (["--issue"] if issue is not None else []))
        fail(f"重新导出往期简报时不能更改报头（{names}）：这一期以库中登记的为准")
    if not reprint and (header_given or series is not None or issue is not None):
        if not document:
            fail("--series、--issue、--office 等简报选项只用于 --format docx 或 pdf")
        if not as_bulletin:
            fail(f"{header_given[0]} 是简报的报头选项：请同时用 --series（或 --issue）指明简报")
    if (title is not None or subtitle is not None) and (not document or as_bulletin or reprint):
        fail("--title、--subtitle 只用于汇编（--format docx 或 pdf，且不给 --series、--bulletin）")
    if back_page and not (as_bulletin or (reprint and document)):
        fail(
            "--back-page 只用于简报（--format docx 或 pdf，且给出 --series、--issue 或 --bulletin）"
        )
    if template is not None and not document:
        fail("--template 只用于 --format docx 或 pdf")
    if editor_note is not None and editor_note_text is not None:
        fail("--editor-note 与 --editor-note-text 只能给一个")
    if out.path is None and kind_fmt != "json":
        what = "输出文件夹" if kind_fmt == "md" else "输出文件"
        fail(f"导出 {kind_fmt} 需要用 -o 指定{what}")
    if issue is not None and issue < 1:
        fail(f"期号必须是正整数：{issue}")
    if copies is not None and copies < 1:
        fail(f"印数必须是正整数：{copies}")

    st = state(ctx)
    today = dt.date.today()
    if kind_fmt in ("csv", "xlsx") and not dry_run and shortlist is None and bulletin_ref is None:
        # a table of records chosen by id or filter: plain SQL throughout, no ORM
        _plain_table(
            st, kind_fmt, out, today, force,
            ids=record_ids or (), all_records=all_records, filters=filters,
        )  # fmt: skip
        return
    request = None
    if document:
        from caselib.publish.docx_export import (
            BulletinRequest,
            check_template,
            clean_editor_note,
            read_editor_note,
            split_names,
        )

        # Everything read from files is read before the library is touched.
        note_text: str | None = None
        if editor_note is not None:
            note_text = read_editor_note(editor_note)
        elif editor_note_text is not None:
            note_text = clean_editor_note(editor_note_text)
        if template is not None:
            check_template(template)
        request = BulletinRequest(
            series=series,
            number=issue,
            date=parse_date_option(date),
            office=office,
            editor_note=note_text,
            copies=copies,
        )
        for key, values in (("报", to_superiors), ("送", to_peers), ("发", to_units)):
            if values:
                request.distribution[key] = split_names(values)

    config = st.config() if kind_fmt in ("csv", "xlsx") else None
    tries: list[IssueFile] = []

    def run(session: Session) -> _Issued | None:
        from caselib.publish.selection import select_records

        for earlier in tries:  # an earlier try's document, rolled back with its issue
            earlier.discard()
        selection = select_records(
            session,
            ids=record_ids or (),
            all_records=all_records,
            shortlist=shortlist,
            bulletin=bulletin_ref,
            series=series if reprint else None,
            filters=filters,
        )
        if document:
            issued = _docx(
                session,
                selection,
                out,
                request if as_bulletin else None,
                template=template,
                title=title,
                subtitle=subtitle,
                force=force,
                dry_run=dry_run,
                today=today,
                pdf=kind_fmt == "pdf",
                back_page=back_page,
            )
            if issued is not None:
                tries.append(issued.file)
            return issued
        if kind_fmt in ("csv", "xlsx"):
            _table(session, selection, kind_fmt, out, config, today, force, dry_run)
        elif kind_fmt == "json":
            _json(session, selection, out, force, dry_run)
        else:
            _markdown(session, selection, out.path, force, dry_run)
        return None

    lib = st.library()
    try:
        if as_bulletin and not dry_run:
            # The one export that writes to the library (the new issue): run again after a
            # lock timeout; its file is put in place only after the issue was committed.
            issued = lib.write(run)
        else:  # reads only; files are written as the records are read
            with lib.session() as session:
                issued = run(session)
    except BaseException:
        for staged in tries:
            staged.discard()
        raise
    if issued is not None:
        issued.finish(lib)


@dataclass
class _Issued:
    """A bulletin built in the transaction; its file is placed, and the lines said, after."""

    file: IssueFile
    lines: list[str]

    def finish(self, lib: Library) -> None:
        stored = self.file.bulletin
        try:
            self.file.place()
        except BaseException:
            if stored is not None:  # no file, so no issue: take back the committed row
                from sqlmodel import delete

                from caselib.store.tables import Bulletin

                bulletin_id = stored.id
                lib.write(
                    lambda session: session.exec(delete(Bulletin).where(Bulletin.id == bulletin_id))  # type: ignore[arg-type]
                )
            raise
        for line in self.lines:
            note(line)


@dataclass(frozen=True)
class _Output:
    """Where -o points; ``folder`` when it was written with a trailing slash ("-o 简报/"
    names a folder even before it exists, and Path() drops the slash)."""

    path: Path | None
    folder: bool = False


def _target(out: _Output, default_name: str, force: bool) -> Path:
    """The file to write: ``-o`` itself, or ``default_name`` inside it when it names a folder
    (an existing one, or any with a trailing slash); refused if it exists without --force."""
    from caselib.publish.fileio import check_writable
    from caselib.publish.selection import output_file

    assert out.path is not None
    target = output_file(out.path, default_name, folder=out.folder)
    check_writable(target, force)
    return target


def _plan(
    selection: Selection, fmt: str, targets: list[Path], records: list[Any]
) -> dict[str, Any]:
    return {
        "format": fmt,
        "selection": selection.label,
        "targets": [str(t) for t in targets],
        "records": [
            {"id": r.id, "title": r.title, "unit": r.unit.name, "kind": r.kind} for r in records
        ],
    }


def _markdown(
    session: Session, selection: Selection, out_path: Path | None, force: bool, dry_run: bool
) -> None:
    from caselib.publish.fileio import check_writable
    from caselib.publish.formats import export_markdown, markdown_targets
    from caselib.publish.selection import load_records

    assert out_path is not None
    records = load_records(session, selection.ids)
    if dry_run:
        targets = markdown_targets(records, out_path)
        for target in targets:
            check_writable(target, force)
        _show_plan(_plan(selection, "md", targets, records))
        return
    written = export_markdown(records, out_path, force=force)
    note(f"已导出 {len(written)} 个文件到 {out_path}")


def _json(session: Session, selection: Selection, out: _Output, force: bool, dry_run: bool) -> None:
    from caselib.publish.fileio import safe_filename
    from caselib.publish.formats import export_json, records_json
    from caselib.publish.selection import load_records

    records = load_records(session, selection.ids)
    if out.path is None:
        if dry_run:
            _show_plan(_plan(selection, "json", [], records))
            return
        emit_json(records_json(session, records))
        return
    target = _target(out, safe_filename(selection.label or "记录", ".json"), force)
    if dry_run:
        _show_plan(_plan(selection, "json", [target], records))
        return
    count = export_json(session, records, target, force=force)
    note(f"已导出 {count} 条记录到 {target}")


def _table(
    session: Session,
    selection: Selection,
    fmt: str,
    out: _Output,
    config: Any,
    today: Any,
    force: bool,
    dry_run: bool,
) -> None:
    from caselib.publish.fileio import safe_filename
    from caselib.publish.formats import table_rows
    from caselib.publish.selection import load_records

    target = _target(out, safe_filename(selection.label or "记录", f".{fmt}"), force)
    if dry_run:
        _show_plan(_plan(selection, fmt, [target], load_records(session, selection.ids)))
        return
    _write_table(
        fmt, target, table_rows(session, selection.ids, config=config, reference_date=today), force
    )


def _plain_table(
    st: Any,
    fmt: str,
    out: _Output,
    today: Any,
    force: bool,
    *,
    ids: Sequence[int],
    all_records: bool,
    filters: Any,
) -> None:
    """``_table`` for records chosen by id, --all or filters, read through plain SQL."""
    from caselib.publish.fileio import safe_filename
    from caselib.publish.formats import table_rows
    from caselib.publish.selection import select_records
    from caselib.store.reader import connect

    config = st.config()
    conn = connect(st.db)
    try:
        selection = select_records(conn, ids=ids, all_records=all_records, filters=filters)
        target = _target(out, safe_filename(selection.label or "记录", f".{fmt}"), force)
        rows = table_rows(conn, selection.ids, config=config, reference_date=today)
    finally:
        conn.close()
    _write_table(fmt, target, rows, force)


def _write_table(fmt: str, target: Path, rows: list[list[Any]], force: bool) -> None:
    from caselib.publish.formats import export_csv, export_xlsx

    if fmt == "csv":
        export_csv(target, rows, force=force)
    else:
        export_xlsx(target, rows, force=force)
    note(f"已导出 {len(rows)} 条记录到 {target}")


def _docx(
    session: Session,
    selection: Selection,
    out: _Output,
    request: Any,
    *,
    template: Path | None,
    title: str | None,
    subtitle: str | None,
    force: bool,
    dry_run: bool,
    today: Any,
    pdf: bool = False,
    back_page: bool = False,
) -> _Issued | None:
    from caselib.publish import docx_export
    from caselib.publish.fileio import safe_filename
    from caselib.publish.selection import load_records

    records = load_records(session, selection.ids)
    is_issue = selection.bulletin is not None or request is not None
    docx_export.check_complete(records, "简报" if is_issue else "汇编")  # a dry run says so too
    if is_issue:
        if selection.bulletin is not None:
            spec = docx_export.spec_of(selection.bulletin)
            record = False
        else:
            spec = docx_export.plan_bulletin(session, request, today=today)
            record = True
        target = _target(
            out, docx_export.bulletin_filename(spec, ".pdf" if pdf else ".docx"), force
        )
        notes = _remembered(session, request, spec) if record else []
        if dry_run:
            plan = _plan(selection, "pdf" if pdf else "docx", [target], records)
            plan["bulletin"] = {
                "series": spec.series,
                "number": spec.number,
                "date": spec.date.isoformat(),
                "office": spec.office,
                "editor_note": spec.editor_note,
                "distribution": spec.distribution,
                "copies": spec.copies,
                "record": record,
            }
            _show_plan(plan)
            for line in notes:
                note(line)
            return None
        issue_file = docx_export.export_bulletin(
            session,
            target,
            spec,
            records,
            template=template,
            force=force,
            record=record,
            back_page=back_page,
            pdf=pdf,
        )
        issue = f"{spec.series} {spec.date.year} 年第 {spec.number} 期"
        lines = [*notes, f"已导出简报 {issue}（{len(records)} 篇）到 {target}"]
        if record:
            lines.append(
                f"已登记这一期简报（caselib bulletin show {spec.date.year}-{spec.number}）"
            )
        return _Issued(issue_file, lines)
    cover = title or docx_export.compilation_title(records)
    target = _target(out, safe_filename(cover, ".pdf" if pdf else ".docx"), force)
    if dry_run:
        plan = _plan(selection, "pdf" if pdf else "docx", [target], records)
        plan["compilation"] = {"title": cover, "subtitle": subtitle}
        _show_plan(plan)
        return None
    docx_export.export_compilation(
        target, cover, records, subtitle=subtitle, template=template, force=force, pdf=pdf
    )
    note(f"已导出汇编“{cover}”（{len(records)} 篇）到 {target}")
    return None


def _remembered(session: Session, request: Any, spec: Any) -> list[str]:
    """What was taken over from the series' previous issue, and a warning when a new series
    starts with a name close to an existing one (a typo would start a new numbering)."""
    from caselib.publish.docx_export import similar_series

    kept = []
    if not request.series:
        kept.append(f"简报名称“{spec.series}”")
    if not request.office:
        kept.append("编印单位")
    keys = [
        k for k in ("报", "送", "发") if k not in request.distribution and spec.distribution.get(k)
    ]
    if keys:
        kept.append(f"{'/'.join(keys)}名单")
    lines = [f"沿用上一期的{'、'.join(kept)}"] if kept else []
    close = similar_series(session, spec.series)
    if close:
        lines.append(f"注意：这是新的简报系列“{spec.series}”（库中已有：{'、'.join(close)}）")
    return lines


def _show_plan(plan: dict[str, Any]) -> None:
    from caselib.cli import render

    render.export_plan(plan)


def register(app: typer.Typer) -> None:
    app.command()(export)
