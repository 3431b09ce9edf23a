"""Commands on records: add, show, edit, rm, trash, restore, tag."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from caselib.cli.common import (
    RecordId,
    RecordIds,
    confirm,
    emit_json,
    fail,
    is_interactive,
    note,
    open_editor,
    state,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]


def add(
    ctx: typer.Context,
    title: Annotated[
        str | None, typer.Option("--title", "-t", metavar="标题", help="标题，如“机关党委：……”。")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", "-u", metavar="单位", help="报送单位（新单位会自动创建）。"),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind", "-k", metavar="类型", help="类型：case（经验案例）或 story（暖心故事）。"
        ),
    ] = "case",
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="标签", help="标签，可重复。")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", metavar="日期", help="事件日期，如 2022-10-20 或 2022年10月20日。"
        ),
    ] = None,
    end_date: Annotated[
        str | None, typer.Option("--end-date", metavar="日期", help="事件结束日期（跨多日时）。")
    ] = None,
    submitted: Annotated[
        str | None, typer.Option("--submitted", metavar="日期", help="报送日期。")
    ] = None,
    author: Annotated[str | None, typer.Option("--author", metavar="姓名", help="作者。")] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", metavar="联系方式", help="联系方式。")
    ] = None,
    status: Annotated[
        str, typer.Option("--status", metavar="状态", help="状态（默认 submitted）。")
    ] = "submitted",
    summary: Annotated[str | None, typer.Option("--summary", metavar="摘要", help="摘要。")] = None,
    body_file: Annotated[
        Path | None,
        typer.Option(
            "--body-file",
            "-f",
            metavar="文件",
            help="正文文件（UTF-8，每行一段，“## ”开头为小标题；- 表示标准输入）。",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """新增一条记录。缺少的信息在终端中会提示输入，正文可在编辑器中撰写；非终端时从标准输入读取正文。"""
    from caselib.records import add_record, record_to_json
    from caselib.store.schemas import validate_record
    from caselib.text.markdown import parse_plain_body

    interactive = is_interactive()
    if title is None and interactive:
        title = typer.prompt("标题", err=True)
    if unit is None and interactive:
        unit = typer.prompt("单位", err=True)
    if date is None and interactive:
        date = typer.prompt("事件日期（可留空）", default="", show_default=False, err=True) or None
    if title is None:
        fail("缺少标题：请用 --title 指定")
    if unit is None:
        fail("缺少单位：请用 --unit 指定")
    text = _read_body(body_file, interactive)
    data = validate_record(
        {
            "kind": kind,
            "title": title,
            "unit": unit,
            "tags": tag or [],
            "date": date,
            "end_date": end_date,
            "submitted": submitted,
            "author": author,
            "contact": contact,
            "status": status,
            "summary": summary,
            "body": parse_plain_body(text),
        }
    )
    with state(ctx).library().session() as session:
        change = add_record(session, data)
        result = record_to_json(change.record)
    for message in change.notes:
        note(message)
    if as_json:
        emit_json(result)
    else:
        typer.echo(result["id"])


def _read_body(body_file: Path | None, interactive: bool) -> str:
    if body_file is not None:
        try:
            raw = sys.stdin.buffer.read() if str(body_file) == "-" else body_file.read_bytes()
        except FileNotFoundError:
            fail(f"正文文件不存在：{body_file}")
        except OSError as exc:
            fail(f"无法读取正文文件：{body_file}（{exc.strerror}）")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            fail(
                f"正文文件不是 UTF-8 编码：{body_file}（请另存为 UTF-8，或用 caselib import 导入）"
            )
    if interactive:
        text = open_editor("", suffix=".txt")
        return text or ""
    try:
        return sys.stdin.read()
    except UnicodeDecodeError:
        fail("标准输入的正文不是 UTF-8 编码")


def show(
    ctx: typer.Context,
    record_id: RecordId,
    as_json: JsonOpt = False,
) -> None:
    """显示一条记录的全部信息与正文，以及评审、入围、报送、采用的经过。"""
    from caselib.choose.tracking import history
    from caselib.records import get_record, record_to_json

    st = state(ctx)
    rubric = st.config().rubric
    with st.library().session() as session:
        record = get_record(session, record_id)
        data = record_to_json(record, body=True)
        data["history"] = [event.to_json() for event in history(session, record_id, rubric)]
    if as_json:
        emit_json(data)
    else:
        from caselib.cli import render

        render.record_detail(data)


def edit(
    ctx: typer.Context,
    record_id: RecordId,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="文件",
            help="不打开编辑器，直接用该文件（与编辑器中相同的格式）替换记录。",
        ),
    ] = None,
) -> None:
    """在编辑器（$EDITOR）中以“YAML 头 + 正文”的形式修改记录；格式有误时不保存。"""
    from caselib.records import get_record, record_to_input, update_record
    from caselib.store.schemas import validate_record
    from caselib.text.markdown import parse_record, render_record

    lib = state(ctx).library()
    with lib.session() as session:
        original = render_record(
            record_to_input(get_record(session, record_id)).model_dump(),
            comment=f"记录 {record_id}：修改后保存并关闭编辑器；不保存则不做修改",
        )
    if from_file is not None:
        try:
            text: str | None = from_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            fail(f"无法以 UTF-8 读取文件：{from_file}")
    else:
        if not is_interactive():
            fail("edit 需要在终端中运行（或用 --file 指定修改后的文件）")
        text = open_editor(original)
    if text is None or text == original:
        note("未做修改")
        return
    try:
        data = validate_record(parse_record(text))
        with lib.session() as session:
            change = update_record(session, record_id, data)
    except Exception:
        if from_file is None:
            saved = _keep_rejected_edit(record_id, text)
            note(f"修改未保存；您编辑的内容已留在 {saved}，可修正后用 --file 重新提交")
        raise
    for message in change.notes:
        note(message)
    note(f"已保存记录 {record_id}")


def _keep_rejected_edit(record_id: int, text: str) -> Path:
    import tempfile

    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", prefix=f"caselib-edit-{record_id}-", suffix=".md", delete=False
    )
    with handle:
        handle.write(text)
    return Path(handle.name)


def rm(
    ctx: typer.Context,
    record_ids: RecordIds,
    purge: Annotated[bool, typer.Option("--purge", help="永久删除（不可恢复）。")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="永久删除时不再确认。")] = False,
) -> None:
    """把记录移入回收站（caselib restore 可恢复）；加 --purge 才会永久删除。"""
    from caselib.records import get_record, purge_record, trash_record

    lib = state(ctx).library()
    if purge and not yes:
        if not is_interactive():
            fail("永久删除需要确认：请加 --yes")
        question = f"永久删除记录 {'、'.join(map(str, record_ids))}？此操作不可恢复"
        if not confirm(question):
            fail("已取消")
    with lib.session() as session:
        for rid in record_ids:
            get_record(session, rid)
        done = []
        for rid in record_ids:
            if purge:
                done.append(f"已永久删除记录 {rid}：{purge_record(session, rid)}")
            else:
                done.append(f"已移入回收站：{rid} {trash_record(session, rid).title}")
    for message in done:
        note(message)


def trash(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出回收站中的记录。"""
    from caselib.records import list_trash, record_to_json

    with state(ctx).library().session() as session:
        rows = [record_to_json(r) for r in list_trash(session)]
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.record_table(rows, title="回收站")


def restore(
    ctx: typer.Context,
    record_ids: RecordIds,
) -> None:
    """从回收站恢复记录。"""
    from caselib.records import restore_record

    with state(ctx).library().session() as session:
        titles = [(rid, restore_record(session, rid).title) for rid in record_ids]
    for rid, title in titles:
        note(f"已恢复：{rid} {title}")


def tag(
    ctx: typer.Context,
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="编号 ±标签",
            help="记录编号，然后 +标签 / -标签；或 suggest 记录编号：从词表推荐标签。",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """给记录加减标签：caselib tag 12 +共同缔造 +决策共谋 -旧标签；caselib tag suggest 12。"""
    if "--json" in args:  # options after "+tag -tag" arrive as arguments
        args = [a for a in args if a != "--json"]
        as_json = True
    if args and args[0] == "suggest":
        _suggest(ctx, args[1:], as_json)
        return
    if not args or not args[0].isdecimal():
        fail("用法：caselib tag 记录编号 +标签 -标签")
    record_id = int(args[0])
    add: list[str] = []
    remove: list[str] = []
    for item in args[1:]:
        if item.startswith("+"):
            add.append(item[1:])
        elif item.startswith("-"):
            remove.append(item[1:])
        else:
            fail(f"标签前请加 + 或 -：{item}")
    if not add and not remove:
        fail("请给出要添加（+标签）或去掉（-标签）的标签")
    from caselib.records import change_tags, record_to_json

    with state(ctx).library().session() as session:
        change = change_tags(session, record_id, add, remove)
        data = record_to_json(change.record)
    for message in change.notes:
        note(message)
    if as_json:
        emit_json(data)
    else:
        note(f"记录 {record_id} 的标签：{'、'.join(data['tags']) or '（无）'}")


def _suggest(ctx: typer.Context, args: list[str], as_json: bool) -> None:
    if len(args) != 1 or not args[0].isdecimal():
        fail("用法：caselib tag suggest 记录编号")
    from caselib.intake.autotag import suggest_tags_for_record
    from caselib.records import get_record

    with state(ctx).library().session() as session:
        record = get_record(session, int(args[0]))
        current = {t.name for t in record.tags}
        rows = [
            {"tag": s.name, "count": s.count, "matched": s.matched, "applied": s.name in current}
            for s in suggest_tags_for_record(session, record)
        ]
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.tag_suggestions(rows)


def register(app: typer.Typer) -> None:
    app.command()(add)
    app.command()(show)
    app.command()(edit)
    app.command()(rm)
    app.command()(trash)
    app.command()(restore)
    app.command(
        context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
    )(tag)
