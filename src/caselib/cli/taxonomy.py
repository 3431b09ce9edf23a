"""The tag tree and the units: ``caselib tags …`` and ``caselib units …``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselib.cli.common import emit_json, note, state
from caselib.cli.zh import ChineseTyper

if TYPE_CHECKING:
    from caselib.store.tables import Tag, Unit

tags_app = ChineseTyper(help="标签树（含各标签的记录数）及其维护。", invoke_without_command=True)
units_app = ChineseTyper(help="报送单位（含记录数）及其维护。", invoke_without_command=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]


@tags_app.callback()
def tags_main(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示标签树与记录数（数量含下级标签）。"""
    if ctx.invoked_subcommand is not None:
        return
    from caselib.store.reader import connect
    from caselib.taxonomy import tag_tree

    conn = connect(state(ctx).db)  # the read path: plain SQL, no ORM
    try:
        tree = tag_tree(conn)
    finally:
        conn.close()
    if as_json:
        emit_json([node.to_json() for node in tree])
    else:
        from caselib.cli import render

        render.tag_tree(tree)


@tags_app.command("add")
def tags_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="标签", help="新标签名。")],
    parent: Annotated[
        str | None, typer.Option("--parent", "-p", metavar="标签", help="上级标签。")
    ] = None,
) -> None:
    """新建标签（可指定上级）。"""
    from caselib.tags import add_tag

    tag = state(ctx).library().write(lambda session: add_tag(session, name, parent))
    note(f"已新建标签：{tag.name}")


@tags_app.command("rename")
def tags_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="标签", help="原标签名。")],
    new: Annotated[str, typer.Argument(metavar="新标签名", help="新标签名。")],
) -> None:
    """重命名标签，记录随之更新。"""
    from caselib.tags import rename_tag

    tag = state(ctx).library().write(lambda session: rename_tag(session, old, new))
    note(f"已重命名为：{tag.name}")


@tags_app.command("merge")
def tags_merge(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="标签", help="被合并的标签。")],
    target: Annotated[str, typer.Argument(metavar="目标标签", help="合并到的标签。")],
) -> None:
    """把一个标签合并到另一个：记录、下级与别名随之转移，原名成为别名。"""
    from caselib.tags import merge_tags

    tag = state(ctx).library().write(lambda session: merge_tags(session, source, target))
    note(f"已合并到：{tag.name}（“{source}”保留为别名）")


@tags_app.command("alias")
def tags_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="标签", help="标签。")],
    alias: Annotated[str, typer.Argument(metavar="别名", help="别名。")],
    remove: Annotated[bool, typer.Option("--remove", help="删除这个别名。")] = False,
) -> None:
    """给标签添加别名（检索和筛选时等同于标签本身）；--remove 删除别名。"""
    from caselib.tags import add_alias, remove_alias

    if remove:
        tag = state(ctx).library().write(lambda session: remove_alias(session, alias))
        note(f"已删除标签“{tag.name}”的别名：{alias}")
    else:
        shown, aliases = (
            state(ctx)
            .library()
            .write(lambda session: _with_aliases(add_alias(session, name, alias)))
        )
        note(f"标签“{shown}”的别名：{'、'.join(aliases)}")


@tags_app.command("move")
def tags_move(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="标签", help="标签。")],
    parent: Annotated[
        str | None, typer.Argument(metavar="上级标签", help="新的上级标签；省略则移到顶层。")
    ] = None,
) -> None:
    """调整标签在树中的位置。"""
    from caselib.tags import move_tag

    tag = state(ctx).library().write(lambda session: move_tag(session, name, parent))
    note(f"已移动：{tag.name} → {parent or '（顶层）'}")


@units_app.callback()
def units_main(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示各单位及其记录数。"""
    if ctx.invoked_subcommand is not None:
        return
    from caselib.store.reader import connect
    from caselib.taxonomy import list_units

    conn = connect(state(ctx).db)
    try:
        rows = [u.to_json() for u in list_units(conn)]
    finally:
        conn.close()
    if as_json:
        emit_json(rows)
    else:
        from caselib.cli import render

        render.unit_table(rows)


@units_app.command("rename")
def units_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="单位", help="原名称。")],
    new: Annotated[str, typer.Argument(metavar="新名称", help="新名称。")],
) -> None:
    """重命名单位。"""
    from caselib.units import rename_unit

    unit = state(ctx).library().write(lambda session: rename_unit(session, old, new))
    note(f"已重命名为：{unit.name}")


@units_app.command("merge")
def units_merge(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="单位", help="被合并的单位。")],
    target: Annotated[str, typer.Argument(metavar="目标单位", help="合并到的单位。")],
) -> None:
    """把一个单位的记录并入另一个单位，原名成为别名。"""
    from caselib.units import merge_units

    unit = state(ctx).library().write(lambda session: merge_units(session, source, target))
    note(f"已合并到：{unit.name}（“{source}”保留为别名）")


@units_app.command("alias")
def units_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="单位", help="单位。")],
    alias: Annotated[str, typer.Argument(metavar="别名", help="别名（如简称）。")],
) -> None:
    """给单位添加别名（如简称）。"""
    from caselib.units import add_unit_alias

    shown, aliases = (
        state(ctx)
        .library()
        .write(lambda session: _with_aliases(add_unit_alias(session, name, alias)))
    )
    note(f"单位“{shown}”的别名：{'、'.join(aliases)}")


def _with_aliases(row: Tag | Unit) -> tuple[str, list[str]]:
    """A tag's or unit's name and aliases, read while its session is open."""
    return row.name, [a.alias for a in row.aliases]


def register(app: typer.Typer) -> None:
    app.add_typer(tags_app, name="tags")
    app.add_typer(units_app, name="units")
