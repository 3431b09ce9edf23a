"""All Rich output: tables, panels, trees, highlights and progress bars.

Data tables go to stdout; progress bars and summaries of what happened go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from caselib.store.meta import KIND_LABELS, STATUS_LABELS

if TYPE_CHECKING:
    from caselib.intake.importing import FileReport
    from caselib.tags import TagNode

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _kind(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _status(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _missing(fields: list[str]) -> str:
    from caselib.store.meta import MISSING_LABELS

    return "、".join(MISSING_LABELS.get(f, f) for f in fields)


def record_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    if not rows:
        err.print("（没有记录）")
        return
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("编号", justify="right", style="bold")
    table.add_column("类型")
    table.add_column("标题", overflow="fold", max_width=48)
    table.add_column("单位")
    table.add_column("日期")
    table.add_column("状态")
    table.add_column("标签", overflow="fold", max_width=30)
    for row in rows:
        table.add_row(
            str(row["id"]),
            _kind(row["kind"]),
            row["title"] + (f"（待补{_missing(row['missing'])}）" if row.get("missing") else ""),
            row["unit"],
            row["date"] or "",
            _status(row["status"]),
            "、".join(row["tags"]),
        )
    out.print(table)
    err.print(f"共 {len(rows)} 条")


def record_detail(data: dict[str, Any]) -> None:
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold")
    meta.add_column()
    dates = data["date"] or "—"
    if data.get("end_date"):
        dates += f" 至 {data['end_date']}"
    fields = [
        ("编号", str(data["id"])),
        ("类型", _kind(data["kind"])),
        ("单位", data["unit"]),
        ("日期", dates),
        ("报送日期", data.get("submitted") or "—"),
        ("状态", _status(data["status"]) + ("（在回收站中）" if data.get("deleted") else "")),
        ("标签", "、".join(data["tags"]) or "—"),
        ("作者", " ".join(x for x in (data.get("author"), data.get("contact")) if x) or "—"),
        ("来源", (data.get("source") or {}).get("name") or "—"),
        *(
            (key, str(value))
            for key, value in ((data.get("source") or {}).get("info") or {}).items()
        ),
        ("字数", str(data.get("length", ""))),
    ]
    if data.get("missing"):
        fields.append(("待补", _missing(data["missing"]) + "（用 caselib edit 补全）"))
    if data.get("summary"):
        fields.append(("摘要", data["summary"]))
    for key, value in fields:
        meta.add_row(key, value)
    out.print(Panel(meta, title=Text(data["title"], style="bold"), expand=False))
    for block in data.get("body", []):
        if block["type"] == "heading":
            out.print(Text("\n" + block["text"], style="bold cyan"))
        elif block["type"] == "table":
            out.print(body_table(block.get("rows") or []))
        else:
            out.print("　　" + block["text"])
    if data.get("history"):
        out.print(Text("\n经过", style="bold"))
        for event in data["history"]:
            out.print(f"  {event['date']}  {event['text']}")


def body_table(rows: list[list[str]]) -> Table:
    """A table block of a record: the first row as the header, cells folded, never cut."""
    width = max((len(row) for row in rows), default=0)
    table = Table(show_lines=True, expand=False, header_style="bold")
    header = rows[0] if rows else []
    for i in range(width):
        table.add_column(Text(header[i] if i < len(header) else ""), overflow="fold")
    for row in rows[1:]:
        table.add_row(*(Text(row[i] if i < len(row) else "") for i in range(width)))
    return table


def tag_tree(nodes: list[TagNode]) -> None:
    tree = Tree("标签", guide_style="dim")

    def add(branch: Tree, node: TagNode) -> None:
        label = Text(node.name, style="bold" if node.total else "")
        label.append(f"  {node.total}", style="cyan")
        if node.children and node.count != node.total:
            label.append(f"（本级 {node.count}）", style="dim")
        if node.aliases:
            label.append(f"  别名：{'、'.join(node.aliases)}", style="dim")
        child = branch.add(label)
        for sub in node.children:
            add(child, sub)

    for node in nodes:
        add(tree, node)
    out.print(tree)


def unit_table(rows: list[dict[str, Any]]) -> None:
    table = Table()
    table.add_column("单位")
    table.add_column("记录数", justify="right")
    table.add_column("别名")
    for row in rows:
        table.add_row(row["name"], str(row["count"]), "、".join(row["aliases"]))
    out.print(table)


def tag_suggestions(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("词表中的标签在正文里都没有出现")
        return
    table = Table(title="推荐标签")
    table.add_column("标签")
    table.add_column("出现次数", justify="right")
    table.add_column("匹配到")
    table.add_column("已有")
    for row in rows:
        table.add_row(
            row["tag"], str(row["count"]), "、".join(row["matched"]), "✓" if row["applied"] else ""
        )
    out.print(table)


def library_info(data: dict[str, Any]) -> None:
    labels = {
        "location": "位置",
        "schema_version": "结构版本",
        "records": "记录",
        "trash": "回收站",
        "units": "单位",
        "tags": "标签",
        "bulletins": "简报",
        "file_size": "文件大小",
        "index_size": "索引大小",
    }
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, label in labels.items():
        if key in data:
            value = data[key]
            if key.endswith("size") and isinstance(value, int):
                value = _size(value)
            grid.add_row(label, str(value))
    out.print(Panel(grid, title="caselib 库", expand=False))


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


OUTCOME_LABELS = {
    "imported": ("已导入", "green"),
    "updated": ("已更新", "cyan"),
    "unchanged": ("未变化", "dim"),
    "changed": ("有改动未更新", "yellow"),
    "duplicate": ("重复", "yellow"),
    "skipped": ("未读取", "yellow"),
    "failed": ("失败", "red"),
}


_ORIGIN_FIELDS = {"title": "标题", "unit": "单位", "date": "日期"}


def _origins(report: FileReport) -> list[str]:
    """Where each record's unit, title and date came from, when not from the text itself."""
    lines = []
    for entry in report.records:
        said = [
            f"{label}取自{entry['sources'][key]}"
            for key, label in _ORIGIN_FIELDS.items()
            if entry["sources"].get(key) and entry["sources"][key] != "未找到"
        ]
        if said:
            lines.append(
                f"记录 {entry['id'] or ''}：" + "，".join(said)
                if len(report.records) > 1
                else "，".join(said)
            )
    return lines


def import_summary(reports: list[FileReport], *, dry_run: bool) -> None:
    table = Table(title="导入结果（试运行，未写入）" if dry_run else "导入结果")
    table.add_column("文件", overflow="fold", max_width=40)
    table.add_column("结果")
    table.add_column("记录")
    table.add_column("编码")
    table.add_column("说明", overflow="fold")
    for r in reports:
        label, style = OUTCOME_LABELS.get(r.outcome, (r.outcome, ""))
        message = "；".join(x for x in [r.message, *r.warnings, *r.notes, *_origins(r)] if x)
        if r.bulletin_id:
            message = (f"简报 {r.bulletin_id}；" + message).rstrip("；")
        table.add_row(
            r.path,
            Text(label, style=style),
            "、".join(map(str, r.record_ids)),
            r.encoding or "",
            message,
        )
    err.print(table)
    counts = {key: sum(1 for r in reports if r.outcome == key) for key in OUTCOME_LABELS}
    err.print("，".join(f"{OUTCOME_LABELS[k][0]} {v}" for k, v in counts.items() if v) or "无文件")


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[Path], None]]:
    """A progress bar on stderr (only on a terminal); yields a function to call per item."""
    if not err.is_terminal or total < 2:
        yield lambda _path: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)
        started = False

        def advance(path: Path) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            bar.update(task, description=path.name)

        yield advance
        bar.update(task, completed=total)


def _highlighted(text: str, spans: list[tuple[int, int]] | list[list[int]]) -> Text:
    result = Text(text)
    for start, end in spans:
        result.stylize("bold black on yellow", start, end)
    return result


def search_results(hits: list[Any], *, total: int, offset: int) -> None:
    if not hits:
        err.print("没有找到匹配的记录")
        return
    for hit in hits:
        head = Text(f"[{hit.id}] ", style="bold")
        head.append_text(_highlighted(hit.title, hit.title_highlights))
        out.print(head)
        meta = (
            f"    {hit.unit} · {_kind(hit.kind)} · {hit.date or '无日期'} · {_status(hit.status)}"
        )
        if hit.tags:
            meta += " · " + "、".join(hit.tags)
        if hit.score:
            meta += f" · 相关度 {hit.score:.2f}"
        out.print(Text(meta, style="dim"))
        if hit.snippet:
            out.print(Text("    ").append_text(_highlighted(hit.snippet, hit.highlights)))
    shown = f"第 {offset + 1}–{offset + len(hits)} 条，" if offset or len(hits) < total else ""
    err.print(f"{shown}共 {total} 条")


def duplicate_pairs(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("没有发现相似的记录")
        return
    table = Table(title="疑似重复的记录")
    table.add_column("相似度", justify="right")
    table.add_column("记录")
    table.add_column("相似记录")
    for row in rows:
        table.add_row(
            f"{row['similarity']:.0%}",
            f"[{row['record_id']}] {row['title']}（{row['unit']}）",
            f"[{row['other_id']}] {row['other_title']}（{row['other_unit']}）",
        )
    out.print(table)


def bulletin_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("（没有简报）")
        return
    table = Table()
    table.add_column("编号", justify="right")
    table.add_column("系列", overflow="fold")
    table.add_column("期号")
    table.add_column("日期")
    table.add_column("编印单位", overflow="fold")
    table.add_column("篇数", justify="right")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["series"],
            f"{row['year']} 年第 {row['number']} 期",
            row["date"],
            row["office"],
            str(row["record_count"]),
        )
    out.print(table)


def bulletin_detail(data: dict[str, Any]) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("期号", f"{data['year']} 年第 {data['number']} 期")
    head.add_row("日期", data["date"])
    head.add_row("编印单位", data["office"])
    for key in ("报", "送", "发"):
        if data["distribution"].get(key):
            head.add_row(key, "，".join(data["distribution"][key]))
    out.print(Panel(head, title=Text(data["series"], style="bold red"), expand=False))
    if data.get("editor_note"):
        out.print(Text("编者按：", style="bold").append(data["editor_note"], style=""))
    for index, record in enumerate(data.get("records", []), start=1):
        out.print(
            f"{index}. [{record['id']}] {record['title']}（{record['unit']}，{_kind(record['kind'])}）"
        )


def rubric(config: Any, path: Path | None) -> None:
    from caselib.choose.scoring import TERM_LABELS

    table = Table(title=f"评分细则（{config.rubric.scale_label}）")
    table.add_column("评分项")
    table.add_column("权重", justify="right")
    table.add_column("说明")
    for c in config.rubric.criteria:
        table.add_row(c.name, f"{c.weight:g}", c.description)
    out.print(table)
    terms = Table(title="排序各项的权重（每项取值 0–1，权重即最多可得的分数）")
    terms.add_column("项")
    terms.add_column("权重", justify="right")
    for name, weight in config.weights.model_dump().items():
        terms.add_row(TERM_LABELS.get(name, name), f"{weight:g}")
    out.print(terms)
    low, high = config.length.case
    s_low, s_high = config.length.story
    out.print(
        f"篇幅指导范围：案例 {low}–{high} 字，故事 {s_low}–{s_high} 字；时效半衰期 {config.freshness.half_life_days:g} 天"
    )
    out.print("采用积分：" + "，".join(f"{k} {v:g}" for k, v in config.adoption_points.items()))
    err.print(
        f"配置文件：{path}"
        if path
        else "使用默认配置（caselib rubric --init 可写出配置文件以便修改）"
    )


def review_table(rows: list[dict[str, Any]], criteria: list[str]) -> None:
    if not rows:
        err.print("（尚无评分）")
        return
    table = Table(title="评分")
    table.add_column("评审人")
    for name in criteria:
        table.add_column(name, justify="right")
    table.add_column("加权平均", justify="right")
    table.add_column("评语", overflow="fold")
    table.add_column("时间")
    for row in rows:
        style = "" if row["current"] else "dim strike"
        cells = [f"{row['scores'][c]:g}" if c in row["scores"] else "—" for c in criteria]
        mean = row["weighted_mean"]
        table.add_row(
            row["reviewer"],
            *cells,
            f"{mean:.2f}" if mean is not None else "—",
            row["comment"] or "",
            str(row["created"])[:16].replace("T", " "),
            style=style,
        )
    out.print(table)


def ranking(result: Any, *, explain: bool, limited: bool) -> None:
    if not len(result):
        err.print("没有符合条件的记录")
        return
    if explain:
        _ranking_explained(result, limited)
        return
    table = Table(title="排序结果")
    table.add_column("名次", justify="right")
    table.add_column("编号", justify="right")
    table.add_column("得分", justify="right")
    table.add_column("标题", overflow="fold", ratio=3)
    table.add_column("单位", overflow="fold", ratio=1)
    if limited:
        table.add_column("选择", overflow="fold", ratio=1)
    for record in result:
        title = record.title + ("（未评审）" if record.unreviewed else "")
        cells: list[Any] = [
            str(record.rank),
            str(record.id),
            f"{record.score:.2f}",
            title,
            record.unit,
        ]
        if limited:
            cells.append(Text(record.reason, style="green" if record.selected else "dim"))
        table.add_row(*cells, style="" if record.selected or not limited else "dim")
    out.print(table)


def _ranking_explained(result: Any, limited: bool) -> None:
    """Each record with its score as a sum of terms: ``term  value × weight = contribution``."""
    for record in result:
        head = Text(f"{record.rank}. ", style="bold")
        head.append(
            f"[{record.id}] {record.title}",
            style="bold" if record.selected or not limited else "dim",
        )
        head.append(f"（{record.unit}）")
        if record.unreviewed:
            head.append(" 未评审", style="yellow")
        out.print(head)
        if limited:
            out.print(Text("   " + record.reason, style="green" if record.selected else "dim"))
        grid = Table.grid(padding=(0, 1))
        for _ in range(6):
            grid.add_column(justify="right")
        for term in record.terms:
            grid.add_row(
                "   " + term.label,
                f"{term.value:.3f}",
                "×",
                f"{term.weight:g}",
                "=",
                f"{term.contribution:+.3f}",
            )
        grid.add_row("   得分", "", "", "", "", Text(f"{record.score:.3f}", style="bold"))
        out.print(grid)


def shortlist_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("（没有入围名单）")
        return
    table = Table()
    table.add_column("名称")
    table.add_column("记录数", justify="right")
    table.add_column("创建时间")
    for row in rows:
        table.add_row(row["name"], str(row["count"]), row["created_at"].replace("T", " "))
    out.print(table)


def shortlist_detail(data: dict[str, Any]) -> None:
    table = Table(title=f"入围名单：{data['name']}")
    table.add_column("序号", justify="right")
    table.add_column("编号", justify="right")
    table.add_column("标题", overflow="fold")
    table.add_column("单位")
    table.add_column("类型")
    table.add_column("状态")
    for item in data["items"]:
        table.add_row(
            str(item["position"]),
            str(item["id"]),
            item["title"],
            item["unit"],
            _kind(item["kind"]),
            _status(item["status"]) + ("（回收站）" if item["trashed"] else ""),
        )
    out.print(table)


def stats_table(rows: list[Any], by: str) -> None:
    from caselib.choose.stats import GROUPINGS

    table = Table(title=f"按{GROUPINGS.get(by, by)}统计")
    table.add_column(GROUPINGS.get(by, by))
    for label in ("记录", "报送", "采用", "采用率", "平均评分", "积分"):
        table.add_column(label, justify="right")
    for row in rows:
        rate = f"{row.adoption_rate:.0%}" if row.adoption_rate is not None else "—"
        mean = f"{row.mean_score:.2f}" if row.mean_score is not None else "—"
        table.add_row(
            row.label,
            str(row.records),
            str(row.reported_records),
            str(row.adopted_records),
            rate,
            mean,
            f"{row.points:g}",
            style="bold" if row.key == "" else "",
        )
    out.print(table)


def bar_chart(bars: list[Any], metric: str) -> None:
    from caselib.choose.stats import METRICS

    out.print(Text(METRICS.get(metric, metric), style="bold"))
    width = max((len(b.label) for b in bars), default=0)
    for bar in bars:
        value = f"{bar.value:.0%}" if metric == "adoption_rate" else f"{bar.value:g}"
        pad = "　" * (width - len(bar.label))
        line = Text(f"{bar.label}{pad} ")
        line.append("█" * bar.length, style="cyan")
        line.append(f" {value}")
        out.print(line)


def export_plan(plan: dict[str, Any]) -> None:
    """What ``export --dry-run`` would write: the files, the 报头 of a bulletin, the records."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("格式", plan["format"])
    head.add_row("记录", f"{plan['selection']}，共 {len(plan['records'])} 条")
    targets = plan["targets"]
    if not targets:
        head.add_row("输出", "屏幕（标准输出）")
    elif len(targets) == 1:
        head.add_row("输出", targets[0])
    else:
        head.add_row("输出", f"{len(targets)} 个文件，如 {targets[0]}")
    bulletin = plan.get("bulletin")
    if bulletin:
        head.add_row("简报", bulletin["series"])
        head.add_row("期号", f"第 {bulletin['number']} 期（{bulletin['date']}）")
        head.add_row("编印单位", bulletin["office"])
        for key in ("报", "送", "发"):
            names = bulletin["distribution"].get(key)
            if names:
                head.add_row(key, "，".join(names))
        if bulletin.get("copies"):
            head.add_row("印数", f"共印 {bulletin['copies']} 份")
        if bulletin.get("editor_note"):
            head.add_row("编者按", bulletin["editor_note"])
        head.add_row(
            "登记", "导出后登记为新的一期" if bulletin["record"] else "重新导出，不另行登记"
        )
    compilation = plan.get("compilation")
    if compilation:
        head.add_row("汇编", compilation["title"])
        if compilation.get("subtitle"):
            head.add_row("副标题", compilation["subtitle"])
    out.print(Panel(head, title=Text("导出预览（未写入任何文件）", style="bold"), expand=False))
    for index, record in enumerate(plan["records"], start=1):
        out.print(
            f"{index}. [{record['id']}] {record['title']}（{record['unit']}，{_kind(record['kind'])}）"
        )
