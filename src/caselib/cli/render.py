"""All Rich output: tables, panels, trees, highlights and progress bars.

Data tables go to stdout; progress bars and summaries of what happened go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from caselib.store.meta import KIND_LABELS, STATUS_LABELS
from caselib.text.dates import format_local_time

if TYPE_CHECKING:
    from caselib.intake.importing import FileReport
    from caselib.taxonomy import TagNode

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _kind(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _status(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _missing(fields: list[str]) -> str:
    from caselib.store.meta import MISSING_LABELS

    return "、".join(MISSING_LABELS.get(f, f) for f in fields)


@dataclass(frozen=True)
class Col:
    """A table column and how it gives way on a narrow console.

    ``keep``: short values (numbers, dates, kinds, statuses) shown whole on one line;
    ``key``: the column that tells rows apart, never dropped and at least ``KEY_WIDTH`` wide
    (longer names wrap, never end in "…"); ``drop``: when the columns do not fit, the one
    with the highest ``drop`` is left out first (0: never). Other text wraps (Chinese has no
    spaces, so it is folded at any character rather than cut).
    """

    header: str
    justify: JustifyMethod = "left"
    keep: bool = False
    key: bool = False
    drop: int = 0
    style: str = ""
    max_width: int | None = None


KEY_WIDTH = 12  # cells: six Chinese characters
TEXT_WIDTH = 6  # cells a wrapping text column keeps at least
HEADER_WIDTH = 4  # cells of a short column's header kept on one line (two characters)


def _plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def column_widths(
    columns: Sequence[Col], rows: Sequence[Sequence[Any]], width: int
) -> list[int | None]:
    """The width of each column (None: left out) so that the table fits ``width`` cells.

    Each column has a least width (a short column: its longest value; the key column:
    ``KEY_WIDTH``; other text: ``TEXT_WIDTH``; never more than its longest content) and a
    wanted width (its longest content, header included). Columns are dropped, highest
    ``drop`` first, until the least widths fit; the room left goes to short columns' headers
    first, then to the text columns in proportion to what they still want (a want above
    half the table's room counting as half).
    """
    least: list[int] = []
    want: list[int] = []
    for i, column in enumerate(columns):
        values = max((cell_len(_plain(r[i])) for r in rows), default=1)
        header = cell_len(column.header)
        wanted = max(values, header)
        if column.max_width is not None:
            wanted = min(wanted, column.max_width)
        if column.keep:
            least.append(max(values, min(header, HEADER_WIDTH)))
            wanted = max(wanted, least[-1])
        else:
            least.append(min(wanted, KEY_WIDTH if column.key else TEXT_WIDTH))
        want.append(wanted)
    shown = list(range(len(columns)))

    def room() -> int:
        return width - (3 * len(shown) + 1)

    while sum(least[i] for i in shown) > room():
        droppable = [i for i in shown if columns[i].drop]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda i: columns[i].drop))
    widths: dict[int, int] = {i: least[i] for i in shown}
    spare = room() - sum(widths.values())
    for i in shown:
        if columns[i].keep and spare > 0:
            extra = min(spare, want[i] - widths[i])
            widths[i] += extra
            spare -= extra
    text = [i for i in shown if not columns[i].keep and want[i] > widths[i]]
    # A column wanting more than half the table shares as if it wanted half: one long
    # message must not squeeze the key column down to its least width.
    half = room() // 2
    while spare > 0 and text:
        need = {i: max(1, min(want[i], half) - widths[i]) for i in text}
        missing = sum(need.values())
        share = {i: min(want[i] - widths[i], need[i] * spare // missing) for i in text}
        if not any(share.values()):
            share[max(text, key=lambda i: need[i])] = 1
        for i in text:
            widths[i] += share[i]
            spare -= share[i]
        text = [i for i in text if want[i] > widths[i]]
    return [widths.get(i) for i in range(len(columns))]


def fitted_table(
    columns: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    row_styles: Sequence[str] | None = None,
    width: int | None = None,
) -> Table:
    """A table that fits ``width`` (the console's): less important columns are dropped
    until the others fit; text wraps, nothing is cut with "…" (``column_widths``)."""
    width = width or out.width
    widths = column_widths(columns, rows, width)
    shown = [i for i, w in enumerate(widths) if w is not None]
    table = Table(title=title)
    for i in shown:
        column = columns[i]
        table.add_column(
            column.header,
            justify=column.justify,
            style=column.style,
            overflow="fold",
            width=widths[i],
        )
    for index, row in enumerate(rows):
        style = row_styles[index] if row_styles else ""
        table.add_row(*(row[i] for i in shown), style=style)
    return table


def record_table(
    rows: list[dict[str, Any]],
    title: str | None = None,
    *,
    total: int | None = None,
    offset: int = 0,
) -> None:
    """The records as a table; the footer counts them, and says how to page through
    ``total`` records when the table shows only some of them (``offset`` skipped)."""
    if not rows:
        err.print("（没有记录）")
        return
    columns = [
        Col("编号", justify="right", keep=True, style="bold"),
        Col("类型", keep=True, drop=3),
        Col("标题", key=True, max_width=48),
        Col("单位", drop=1),
        Col("日期", keep=True),
        Col("状态", keep=True, drop=2),
        Col("标签", max_width=30, drop=4),
    ]
    cells = [
        [
            str(row["id"]),
            _kind(row["kind"]),
            row["title"] + (f"（待补{_missing(row['missing'])}）" if row.get("missing") else ""),
            row["unit"],
            row["date"] or "",
            _status(row["status"]),
            "、".join(row["tags"]),
        ]
        for row in rows
    ]
    out.print(fitted_table(columns, cells, title=title))
    total = len(rows) if total is None else total
    if len(rows) == total:
        err.print(f"共 {total} 条")
        return
    shown = f"前 {len(rows)}" if offset == 0 else f"第 {offset + 1}–{offset + len(rows)}"
    err.print(f"共 {total} 条，显示{shown} 条；用 --limit/--offset 翻页，--all 显示全部")


def record_detail(data: dict[str, Any]) -> None:
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold", no_wrap=True)
    meta.add_column(overflow="fold")
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
    if data.get("created"):
        fields.append(("录入时间", format_local_time(data["created"])))
    if data.get("updated") and data["updated"] != data.get("created"):
        fields.append(("修改时间", format_local_time(data["updated"])))
    if data.get("summary"):
        fields.append(("摘要", data["summary"]))
    for key, value in fields:
        meta.add_row(key, value)
    # The title above the panel, not in its border, where a long one would be cut with "…".
    out.print(Text(data["title"], style="bold"))
    out.print(Panel(meta, expand=False))
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
    columns = [Col("单位", key=True), Col("记录数", justify="right", keep=True), Col("别名")]
    cells = [[row["name"], str(row["count"]), "、".join(row["aliases"])] for row in rows]
    out.print(fitted_table(columns, cells))


def tag_suggestions(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("词表中的标签在正文里都没有出现")
        return
    columns = [
        Col("标签", key=True),
        Col("出现次数", justify="right", keep=True),
        Col("匹配到", drop=1),
        Col("已有", keep=True),
    ]
    cells = [
        [row["tag"], str(row["count"]), "、".join(row["matched"]), "✓" if row["applied"] else ""]
        for row in rows
    ]
    out.print(fitted_table(columns, cells, title="推荐标签"))


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
    columns = [
        Col("文件", key=True, max_width=40),
        Col("结果", keep=True),
        Col("记录"),
        Col("编码", keep=True, drop=1),
        Col("说明"),
    ]
    cells: list[list[Any]] = []
    for r in reports:
        label, style = OUTCOME_LABELS.get(r.outcome, (r.outcome, ""))
        message = "；".join(x for x in [r.message, *r.warnings, *r.notes, *_origins(r)] if x)
        if r.bulletin_id:
            message = (f"简报 {r.bulletin_id}；" + message).rstrip("；")
        cells.append(
            [
                r.path,
                Text(label, style=style),
                "、".join(map(str, r.record_ids)),
                r.encoding or "",
                message,
            ]
        )
    title = "导入结果（试运行，未写入）" if dry_run else "导入结果"
    err.print(fitted_table(columns, cells, title=title, width=err.width))
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


def _indented(text: Text, indent: int = 4) -> Text:
    """``text`` wrapped to the console less ``indent`` cells, every line indented (wrapped
    lines and a next paragraph too), with no spaces padding the lines' ends."""
    lines = text.wrap(out, max(out.width - indent, 10))
    result = Text()
    for number, line in enumerate(lines):
        if number:
            result.append("\n")
        line.rstrip()
        result.append(" " * indent)
        result.append_text(line)
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
        out.print(_indented(Text(meta.lstrip(), style="dim")))
        if hit.snippet:
            out.print(_indented(_highlighted(hit.snippet, hit.highlights)))
    shown = f"第 {offset + 1}–{offset + len(hits)} 条，" if offset or len(hits) < total else ""
    err.print(f"{shown}共 {total} 条")


def duplicate_pairs(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("没有发现相似的记录")
        return
    columns = [Col("相似度", justify="right", keep=True), Col("记录", key=True), Col("相似记录")]
    cells = [
        [
            f"{row['similarity']:.0%}",
            f"[{row['record_id']}] {row['title']}（{row['unit']}）",
            f"[{row['other_id']}] {row['other_title']}（{row['other_unit']}）",
        ]
        for row in rows
    ]
    out.print(fitted_table(columns, cells, title="疑似重复的记录"))


def bulletin_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err.print("（没有简报）")
        return
    columns = [
        Col("编号", justify="right", keep=True),
        Col("系列", drop=2),
        Col("期号", key=True),
        Col("日期", keep=True),
        Col("编印单位", drop=1),
        Col("篇数", justify="right", keep=True),
    ]
    cells = [
        [
            str(row["id"]),
            row["series"],
            f"{row['year']} 年第 {row['number']} 期",
            row["date"],
            row["office"],
            str(row["record_count"]),
        ]
        for row in rows
    ]
    out.print(fitted_table(columns, cells))


def bulletin_detail(data: dict[str, Any]) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row("期号", f"{data['year']} 年第 {data['number']} 期")
    head.add_row("日期", data["date"])
    head.add_row("编印单位", data["office"])
    for key in ("报", "送", "发"):
        if data["distribution"].get(key):
            head.add_row(key, "，".join(data["distribution"][key]))
    out.print(Text(data["series"], style="bold red"))
    out.print(Panel(head, expand=False))
    if data.get("editor_note"):
        out.print(Text("编者按：", style="bold").append(data["editor_note"], style=""))
    for index, record in enumerate(data.get("records", []), start=1):
        out.print(
            f"{index}. [{record['id']}] {record['title']}（{record['unit']}，{_kind(record['kind'])}）"
        )


def rubric(config: Any, path: Path | None) -> None:
    from dataclasses import asdict

    from caselib.choose.scoring import TERM_LABELS

    criteria = [Col("评分项", key=True), Col("权重", justify="right", keep=True), Col("说明")]
    cells = [[c.name, f"{c.weight:g}", c.description] for c in config.rubric.criteria]
    out.print(fitted_table(criteria, cells, title=f"评分细则（{config.rubric.scale_label}）"))
    weights = [
        [TERM_LABELS.get(name, name), f"{weight:g}"]
        for name, weight in asdict(config.weights).items()
    ]
    out.print(
        fitted_table(
            [Col("项", key=True), Col("权重", justify="right", keep=True)],
            weights,
            title="排序权重",
        )
    )
    out.print("排序得分 = 各项“取值 × 权重”之和；每项取值 0–1，权重即该项最多可得的分数")
    low, high = config.length.case
    s_low, s_high = config.length.story
    out.print(
        f"篇幅指导范围：案例 {low}–{high} 字，故事 {s_low}–{s_high} 字；时效半衰期 {config.freshness.half_life_days:g} 天"
    )
    out.print("采用积分：" + "，".join(f"{k} {v:g}" for k, v in config.adoption_points.items()))
    err.print(
        f"配置文件：{path}"
        if path
        else "使用默认配置（caselib rubric --init 可写出配置文件以便修改）",
        soft_wrap=True,
    )


def review_table(rows: list[dict[str, Any]], criteria: list[str]) -> None:
    if not rows:
        err.print("（尚无评分）")
        return
    columns = [
        Col("评审人", key=True),
        *(Col(name, justify="right", keep=True) for name in criteria),
        Col("加权平均", justify="right", keep=True),
        Col("评语"),
        Col("时间", keep=True, drop=1),
    ]
    cells = []
    for row in rows:
        mean = row["weighted_mean"]
        cells.append(
            [
                row["reviewer"],
                *(f"{row['scores'][c]:g}" if c in row["scores"] else "—" for c in criteria),
                f"{mean:.2f}" if mean is not None else "—",
                row["comment"] or "",
                format_local_time(row["created"]),
            ]
        )
    styles = ["" if row["current"] else "dim strike" for row in rows]
    out.print(fitted_table(columns, cells, title="评分", row_styles=styles))


def ranking(result: Any, *, explain: bool, limited: bool) -> None:
    if not len(result):
        err.print("没有符合条件的记录")
        return
    if explain:
        _ranking_explained(result, limited)
        return
    columns = [
        Col("名次", justify="right", keep=True),
        Col("编号", justify="right", keep=True),
        Col("得分", justify="right", keep=True),
        Col("标题", key=True),
        Col("单位", drop=1),
    ]
    if limited:
        columns.append(Col("选择"))
    rows: list[list[Any]] = []
    styles: list[str] = []
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
        rows.append(cells)
        styles.append("" if record.selected or not limited else "dim")
    out.print(fitted_table(columns, rows, title="排序结果", row_styles=styles))


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
    columns = [
        Col("名称", key=True),
        Col("记录数", justify="right", keep=True),
        Col("创建时间", keep=True, drop=1),
    ]
    cells = [[row["name"], str(row["count"]), format_local_time(row["created_at"])] for row in rows]
    out.print(fitted_table(columns, cells))


def shortlist_detail(data: dict[str, Any]) -> None:
    columns = [
        Col("序号", justify="right", keep=True),
        Col("编号", justify="right", keep=True),
        Col("标题", key=True),
        Col("单位", drop=1),
        Col("类型", keep=True, drop=2),
        Col("状态", keep=True),
    ]
    cells = [
        [
            str(item["position"]),
            str(item["id"]),
            item["title"],
            item["unit"],
            _kind(item["kind"]),
            _status(item["status"]) + ("（回收站）" if item["trashed"] else ""),
        ]
        for item in data["items"]
    ]
    out.print(fitted_table(columns, cells, title=f"入围名单：{data['name']}"))


STATS_COLUMNS = (
    Col("记录", justify="right", keep=True),
    Col("报送", justify="right", keep=True),
    Col("采用", justify="right", keep=True),
    Col("采用率", justify="right", keep=True, drop=1),
    Col("平均评分", justify="right", keep=True, drop=3),
    Col("积分", justify="right", keep=True, drop=2),
)


def stats_table(rows: list[Any], by: str) -> None:
    from caselib.choose.stats import GROUPINGS

    label = GROUPINGS.get(by, by)
    cells = []
    for row in rows:
        rate = f"{row.adoption_rate:.0%}" if row.adoption_rate is not None else "—"
        mean = f"{row.mean_score:.2f}" if row.mean_score is not None else "—"
        cells.append(
            [
                row.label,
                str(row.records),
                str(row.reported_records),
                str(row.adopted_records),
                rate,
                mean,
                f"{row.points:g}",
            ]
        )
    styles = ["bold" if row.key == "" else "" for row in rows]
    table = fitted_table(
        [Col(label, key=True), *STATS_COLUMNS], cells, title=f"按{label}统计", row_styles=styles
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
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
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
