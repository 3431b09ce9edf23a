"""The library as a whole: init, info, reindex, check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselib.cli.common import emit_json, fail, note, state

if TYPE_CHECKING:
    from caselib.store.library import Library

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]


def init(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="路径", help="库文件路径（默认用 --db、CASELIB_DB 或用户数据目录）。"
        ),
    ] = None,
) -> None:
    """新建一个库（载入默认标签词表）；库已存在时不做改动。"""
    from caselib.tags import init_library

    lib, created = init_library(path or state(ctx).db)
    where = lib.display_location
    if created:
        note(f"已创建库：{where}（含默认标签 {lib.counts()['tags']} 个）")
    else:
        note(f"库已存在，未做改动：{where}")


def info(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示库的位置、结构版本、记录数与索引大小。"""
    from caselib.store.location import mask_url, resolve_url, sqlite_path
    from caselib.store.meta import counts, schema_version
    from caselib.store.reader import connect

    url = resolve_url(state(ctx).db)
    path = sqlite_path(url)
    conn = connect(state(ctx).db)  # the read path: plain SQL, no ORM
    try:
        data: dict[str, object] = {
            "location": str(path) if path is not None else mask_url(url),
            "url": mask_url(url),
            "schema_version": schema_version(conn),
            **counts(conn),
        }
        if path is not None:
            from caselib.store.sqlite_backend import index_size_bytes

            wal = path.with_name(path.name + "-wal")  # write-ahead log not yet checkpointed
            data["file_size"] = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
            data["index_size"] = index_size_bytes(conn)
        else:
            from caselib.store.postgres_backend import index_size_bytes as pg_index_size

            data["index_size"] = pg_index_size(conn)
    finally:
        conn.close()
    if as_json:
        emit_json(data)
    else:
        from caselib.cli import render

        render.library_info(data)


def reindex(ctx: typer.Context) -> None:
    """重建全文索引、疑似重复标记与正文特征。"""
    from caselib.dedupe import scan_library
    from caselib.records import rebuild_evidence

    lib = state(ctx).library()
    note(f"已重建索引：{lib.rebuild_index()} 条记录")
    # the near-duplicate signatures and pairs are derived data too: rebuilt from the texts, so
    # a library flagged by an older caselib (or after a change of the hashing) lists right
    note(f"已重建疑似重复标记：{len(lib.write(scan_library))} 对")
    note(f"已重新计算正文特征：{lib.write(rebuild_evidence)} 条记录")


def check(
    ctx: typer.Context,
    repair: Annotated[bool, typer.Option("--repair", help="发现问题时重建索引。")] = False,
) -> None:
    """检查库文件、结构版本、孤立行与全文索引（--repair 重建有问题的索引）。"""
    import sqlite3

    from caselib.store.faults import damaged
    from caselib.store.impact import check as check_lists
    from caselib.store.maintenance import orphan_rows, schema_problems
    from caselib.store.sqlite_backend import check_index

    lib = state(ctx).library()
    structural = schema_problems(lib) + orphan_rows(lib)
    for problem in structural:
        note(problem)
    if structural:
        fail(f"库有 {len(structural)} 处结构问题（孤立行或结构版本不符），请换用备份或联系维护人员")
    if not lib.is_sqlite:
        _check_postgres_index(lib, repair)
        return
    conn = lib.dbapi_connection()
    try:
        if conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            fail(damaged(lib.path))
        problems = check_index(conn) or check_lists(conn)
        for problem in problems:
            note(problem)
        if problems and repair:
            lib.rebuild_index()
            problems_after = check_index(conn) or check_lists(conn)
        else:
            problems_after = problems
    except sqlite3.Error as exc:
        raise lib.translate_error(exc) from exc
    finally:
        conn.close()
    if problems and repair and not problems_after:
        note("已修复索引")
        return
    if problems_after:
        fail(
            f"索引有 {len(problems_after)} 处问题（运行 caselib check --repair 或 caselib reindex 修复）"
        )
    if lib.read_only is not None:
        note("库只能读取：已做只读检查（全文索引的内部结构检查需要写权限，已跳过）")
    note("索引完好")


def _check_postgres_index(lib: Library, repair: bool) -> None:
    from caselib.store.postgres_backend import check_index

    conn = lib.dbapi_connection()
    try:
        problems = check_index(conn)
    finally:
        conn.close()
    for problem in problems:
        note(problem)
    if problems and repair:
        lib.rebuild_index()
        conn = lib.dbapi_connection()
        try:
            problems = check_index(conn)
        finally:
            conn.close()
        if not problems:
            note("已修复索引")
            return
    if problems:
        fail(
            f"索引有 {len(problems)} 处问题（运行 caselib check --repair 或 caselib reindex 修复）"
        )
    note("索引完好")


def backup(
    ctx: typer.Context,
    output: Annotated[
        str,
        typer.Option("-o", "--output", metavar="路径", help="备份文件路径（新的 SQLite 库文件）。"),
    ],
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的备份文件。")] = False,
) -> None:
    """把库备份成一个文件（他人写入时也能做，得到一致的快照）；PostgreSQL 库请用 pg_dump。"""
    from pathlib import Path

    from caselib.store.maintenance import backup as make_backup

    lib = state(ctx).library()
    dest = make_backup(lib, Path(output), force=force)
    note(f"已备份到：{dest}（{lib.counts()['records']} 条记录）")


def upgrade(ctx: typer.Context) -> None:
    """把旧版本 caselib 建的库升级到当前结构（先在库旁做一份备份）。"""
    from caselib.store.library import Library
    from caselib.store.meta import SCHEMA_VERSION

    lib = Library.open(state(ctx).db, upgrade=False)
    version = lib.schema_version
    if version >= SCHEMA_VERSION:
        note(f"库结构已是最新（版本 {version}），无需升级")
        return
    if lib.path is None:
        # PostgreSQL: the migration is one transaction (a failure changes nothing); the
        # office's own backup is pg_dump
        from caselib.store.maintenance import pg_dump_advice

        note(f"提示：{pg_dump_advice(lib.url)}")
    saved = lib.upgrade(version)
    if saved is not None:
        note(f"已备份原库：{saved}")
    note(f"已升级库结构：版本 {version} → {SCHEMA_VERSION}")


def copy(
    source: Annotated[
        str, typer.Option("--from", metavar="库", help="来源库（文件路径或数据库地址）。")
    ],
    target: Annotated[
        str,
        typer.Option("--to", metavar="库", help="目标库（文件路径或数据库地址；不存在则新建）。"),
    ],
) -> None:
    """把一个库的全部内容原样复制到另一个库（SQLite 与 PostgreSQL 之间均可）。"""
    from caselib.store.location import mask_url
    from caselib.store.maintenance import copy_library

    dst, count = copy_library(source, target)
    where = dst.path or mask_url(dst.url)
    if count == 0 and dst.counts()["records"]:
        note(f"目标库已是相同内容，未做改动：{where}")
    else:
        note(f"已复制 {count} 条记录及其标签、评审、报送、简报与入围名单到：{where}")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(info)
    app.command()(reindex)
    app.command()(check)
    app.command()(backup)
    app.command()(upgrade)
    app.command()(copy)
