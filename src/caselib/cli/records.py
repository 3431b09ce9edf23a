"""Commands on records: add, show, edit, rm, trash, restore, tag."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from sqlmodel import Session

    from caselib.records import Change
    from caselib.store.library import Library
    from caselib.store.schemas import RecordIn
    from caselib.taxonomy import TagNode

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
        str | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="类型",
            help="类型：case（经验案例，默认）或 story（暖心故事）。",
        ),
    ] = None,
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
    """新增一条记录。在终端中会逐项询问缺少的类型、标题、单位、日期与标签，再在编辑器中按模板撰写正文；非终端时从标准输入读取正文。"""
    from caselib.records import add_record
    from caselib.store.schemas import validate_record
    from caselib.text.markdown import parse_plain_body

    interactive = is_interactive()
    if interactive:
        kind = kind or _ask_kind()
        title = title or _ask("标题")
        unit = unit or _ask("单位")
        date = date if date is not None else _ask_date()
        tag = tag if tag is not None else _ask_tags(state(ctx).library())
    if title is None:
        fail("缺少标题：请用 --title 指定")
    if unit is None:
        fail("缺少单位：请用 --unit 指定")
    fields: dict[str, Any] = {
        "kind": kind or "case",
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
    }
    if body_file is None and interactive:
        data = _write_in_editor(fields)
    else:
        fields["body"] = parse_plain_body(_read_body(body_file))
        data = validate_record(fields)
    change, result = (
        state(ctx).library().write(lambda session: _with_json(add_record(session, data)))
    )
    for message in change.notes:
        note(message)
    note(saved_summary(result))
    if as_json:
        emit_json(result)
    else:
        typer.echo(result["id"])


def saved_summary(record: dict[str, Any]) -> str:
    """What ``add`` saved, in one line: “已新增记录 16：标题（单位，暖心故事，2022-08-27；
    标签：暖心、迎新；正文 3 段，120 字）”."""
    from caselib.store.meta import KIND_LABELS

    facts = [record["unit"], KIND_LABELS.get(record["kind"], record["kind"])]
    if record.get("date"):
        facts.append(record["date"])
    details = [f"标签：{'、'.join(record['tags'])}" if record["tags"] else "无标签"]
    details.append(f"正文 {record['length']} 字")
    return (
        f"已新增记录 {record['id']}：{record['title']}（{'，'.join(facts)}；{'；'.join(details)}）"
    )


def _ask(label: str) -> str:
    while True:
        answer = str(typer.prompt(label, err=True)).strip()
        if answer:
            return answer


def _ask_kind() -> str:
    from caselib.store.schemas import KIND_ALIASES

    while True:
        answer = str(
            typer.prompt("类型（case 经验案例 / story 暖心故事）", default="case", err=True)
        ).strip()
        answer = KIND_ALIASES.get(answer, answer.lower())
        if answer in ("case", "story"):
            return answer
        note("类型只能是 case（经验案例）或 story（暖心故事）")


def _ask_date() -> str | None:
    from caselib.errors import InvalidInputError
    from caselib.text.dates import parse_date

    while True:
        answer = str(
            typer.prompt("事件日期（可留空）", default="", show_default=False, err=True)
        ).strip()
        if not answer:
            return None
        try:
            return parse_date(answer).isoformat()
        except InvalidInputError as exc:
            note(str(exc))


def _ask_tags(lib: Library) -> list[str]:
    """Tags typed on one line (separated by spaces, commas or 、), the library's tags offered."""
    import re

    from caselib.records import raw_connection
    from caselib.taxonomy import tag_tree

    with lib.session() as session:
        nodes = tag_tree(raw_connection(session))

    def names(node: TagNode) -> list[str]:
        return [node.name, *(n for child in node.children for n in names(child))]

    if nodes:
        note("库中已有标签：")
        for node in nodes:
            below = names(node)[1:]
            note(f"  {node.name}" + (f"：{'、'.join(below)}" if below else ""))
    answer = typer.prompt(
        "标签（用空格、逗号或顿号分隔，新标签会自动创建；可留空）",
        default="",
        show_default=False,
        err=True,
    )
    return [t for t in re.split(r"[\s,，、;；]+", str(answer)) if t]


def _write_in_editor(fields: dict[str, Any]) -> RecordIn:
    """The record written in the editor on a template: the answers so far in the front matter
    (editable there too), the expected layout of the body in comments. A template left
    unchanged adds nothing; a malformed one is kept aside, like a rejected ``edit``."""
    from caselib.errors import InvalidInputError
    from caselib.store.schemas import validate_record
    from caselib.text.dates import parse_date
    from caselib.text.markdown import parse_record, render_record

    shown = dict(fields)
    for key in ("date", "end_date", "submitted"):
        if isinstance(shown[key], str):
            shown[key] = parse_date(shown[key]) if shown[key].strip() else None
    template = _with_empty_fields(
        render_record(shown, comment=_template_hints(str(fields["kind"])))
    )
    text = open_editor(template)
    if text is None:
        fail("编辑器中未做修改：未新增记录")
    try:
        return validate_record(parse_record(text))
    except InvalidInputError:
        saved = _keep_aside("caselib-add-", text)
        note(f"未新增记录；您写的内容已留在 {saved}，可修正后用 caselib import 导入")
        raise


def _with_empty_fields(template: str) -> str:
    """The template with the optional fields left empty shown too (``date:``), so that the
    layout shows every field a record can have."""
    head, _, rest = template.partition("\n---\n")
    present = {line.split(":", 1)[0] for line in head.splitlines()}
    missing = [f"{key}:" for key in ("date", "author", "contact", "summary") if key not in present]
    return "\n".join([head, *missing]) + "\n---\n" + rest


def _template_hints(kind: str) -> str:
    body = (
        "暖心故事：写一件具体的事，交代时间、地点、人物和细节，300–1,000 字，可不分节。"
        if kind == "story"
        else "经验案例：1,500–5,000 字，用小标题分节，写清背景、做法（数量、日期等实据）、成效与启示。"
    )
    return "\n".join(
        [
            "新记录：填好下面各项，正文写在第二个 --- 之后；保存并关闭编辑器即新增，不保存则不新增。",
            "标签写在方括号中、用逗号分隔；date 为事件日期（如 2022-10-20）；summary 为一两句话的摘要；",
            "可留空的项留空即可。这几行以 # 开头的说明不会保存。",
            "正文每段之间空一行；小标题单独一行：“## 一级小标题”“### （一）二级小标题”“#### 1. 三级小标题”。",
            body,
        ]
    )


def _read_body(body_file: Path | None) -> str:
    """The body from ``--body-file`` (``-`` for standard input), else standard input."""
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
    from caselib.choose.history import history
    from caselib.store.reader import connect
    from caselib.store.recordjson import load_record_object

    st = state(ctx)
    conn = connect(st.db)  # the read path: plain SQL, no ORM
    try:
        data = load_record_object(conn, record_id)
        events = history(conn, record_id, lambda: st.config().rubric)
    finally:
        conn.close()
    data["history"] = [event.to_json() for event in events]
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
        change = lib.write(lambda session: update_record(session, record_id, data))
    except Exception:
        if from_file is None:
            saved = _keep_aside(f"caselib-edit-{record_id}-", text)
            note(f"修改未保存；您编辑的内容已留在 {saved}，可修正后用 --file 重新提交")
        raise
    for message in change.notes:
        note(message)
    note(f"已保存记录 {record_id}")


def _keep_aside(prefix: str, text: str) -> Path:
    """Text the user wrote but that could not be saved, kept in a temporary .md file."""
    import tempfile

    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", prefix=prefix, suffix=".md", delete=False
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

    def remove(session: Session) -> list[str]:
        for rid in record_ids:
            get_record(session, rid)
        if purge:
            return [f"已永久删除记录 {rid}：{purge_record(session, rid)}" for rid in record_ids]
        return [f"已移入回收站：{rid} {trash_record(session, rid).title}" for rid in record_ids]

    for message in lib.write(remove):
        note(message)


def trash(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出回收站中的记录。"""
    from caselib.store.reader import connect
    from caselib.store.recordjson import load_record_objects, trashed_ids

    conn = connect(state(ctx).db)
    try:
        rows = load_record_objects(conn, trashed_ids(conn))
    finally:
        conn.close()
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

    titles = (
        state(ctx)
        .library()
        .write(lambda session: [(rid, restore_record(session, rid).title) for rid in record_ids])
    )
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
    from caselib.records import change_tags

    change, data = (
        state(ctx)
        .library()
        .write(lambda session: _with_json(change_tags(session, record_id, add, remove)))
    )
    for message in change.notes:
        note(message)
    if as_json:
        emit_json(data)
    else:
        note(f"记录 {record_id} 的标签：{'、'.join(data['tags']) or '（无）'}")


def _with_json(change: Change) -> tuple[Change, dict[str, Any]]:
    """A change and its record as JSON, built inside the unit of work (the record's tags and
    unit are loaded while the session is open)."""
    from caselib.records import record_to_json

    return change, record_to_json(change.record)


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
