"""``caselib export`` and ``caselib.publish`` (selection, formats, docx_export): selection, every format, the bulletin workflow
(settings remembered per series, numbering, recording) and refusals that leave no trace.

Rendering through LibreOffice lives in test_export_render.py; the DOCX writer's own layout
checklist in test_docx_writer.py. Here the DOCX is read as XML (python-docx and zipfile).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from caselib.errors import ConflictError
from caselib.publish import docx_export, formats, selection
from caselib.store.library import Library

from .conftest import Cli

pytestmark = pytest.mark.backends

SERIES = "党员干部下基层察民情解民忧暖民心实践活动简报"
OFFICE = "湖北大学党史学习教育领导小组办公室"
SUPERIORS = "省委党史学习教育领导小组办公室"
QUARTER = "2022年第四季度报送"
HEADERS = [
    "编号",
    "类型",
    "标题",
    "单位",
    "标签",
    "事件日期",
    "报送日期",
    "状态",
    "评分",
    "评审数",
    "报送",
    "采用",
    "字数",
]


# --------------------------------------------------------------------------------------------
# Helpers


def docx_paragraphs(path: Path) -> list[str]:
    """The text of every paragraph of the body, table cells included, in document order."""
    body = Document(str(path)).element.body
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]
    return [t for t in texts if t.strip()]


def squeezed(path: Path) -> str:
    return "".join("".join(t.split()) for t in docx_paragraphs(path))


def in_order(text: str, needles: list[str]) -> bool:
    pos = 0
    for needle in needles:
        found = text.find("".join(needle.split()), pos)
        if found < 0:
            return False
        pos = found + 1
    return True


def bulletins(cli: Cli) -> list[dict[str, Any]]:
    with Library.open(str(cli.db)).session() as session:
        from caselib.bulletin_view import bulletin_ids, bulletin_object
        from caselib.records import raw_connection

        conn = raw_connection(session)
        return [bulletin_object(conn, i) for i in bulletin_ids(conn)]


def show(cli: Cli, rid: int) -> dict[str, Any]:
    data: dict[str, Any] = cli.ok("show", str(rid), "--json").json()
    return data


def files_in(folder: Path) -> list[str]:
    """Files under ``folder``, the test's library (lib.db and its journals) left out."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith("lib.db")
    )


HEADER_OPTIONS = [
    "--series",
    SERIES,
    "--office",
    OFFICE,
    "--to-superiors",
    SUPERIORS,
    "--to-peers",
    "湖北大学党史学习教育领导小组成员",
    "--to-units",
    "湖北大学党史学习教育领导小组办公室成员单位、各二级党组织",
]


@pytest.fixture
def quarter(sample: Cli) -> Cli:
    """The sample library with a shortlist of two cases and a story, not in id order."""
    sample.ok("shortlist", "add", QUARTER, "3", "1", "12")
    return sample


def first_issue(cli: Cli, out: Path, *extra: str) -> Path:
    """Issue 13 of 2022 from the shortlist, every header option given."""
    target = out / "简报第13期.docx"
    out.mkdir(exist_ok=True)
    cli.ok(
        "export",
        "--shortlist",
        QUARTER,
        "--format",
        "docx",
        "-o",
        str(target),
        *HEADER_OPTIONS,
        "--issue",
        "13",
        "--date",
        "2022-10-20",
        *extra,
    )
    return target


# --------------------------------------------------------------------------------------------
# Selection and bad input


def test_no_selection_is_refused(sample: Cli, tmp_path: Path) -> None:
    run = sample("export", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    assert run.exit_code == 1
    assert run.stderr.strip() == (
        "错误：请指定要导出的记录：记录编号、--all、--shortlist、--bulletin 或筛选条件（--tag、--unit 等）"
    )
    assert files_in(tmp_path) == []


def test_two_ways_of_selecting_are_refused(sample: Cli) -> None:
    run = sample("export", "1", "--all", "--tag", "共同缔造", "-F", "json")
    assert run.exit_code == 1
    assert "只能用一种方式" in run.stderr and "记录编号、--all、筛选条件" in run.stderr


def test_unknown_format(sample: Cli, tmp_path: Path) -> None:
    run = sample("export", "1", "--format", "odt", "-o", str(tmp_path / "a.odt"))
    assert run.exit_code == 1
    assert (
        run.stderr.strip() == "错误：不支持的导出格式：odt（可用：md、json、csv、xlsx、docx、pdf）"
    )


def test_unknown_shortlist_suggests_the_close_name(quarter: Cli, tmp_path: Path) -> None:
    run = quarter(
        "export", "--shortlist", "2022年第四季度", "-F", "docx", "-o", str(tmp_path / "a.docx")
    )
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1 and "不存在" in run.stderr and QUARTER in run.stderr
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2030-01-01"], "没有符合筛选条件的记录"),
        (["--shortlist", "空名单"], "入围名单“空名单”是空的"),
        (["--tag", "没有这个标签"], "没有这个标签"),
    ],
)
def test_empty_or_unknown_selection(
    sample: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    if "空名单" in args:
        sample.ok("shortlist", "add", "空名单", "1")
        sample.ok("shortlist", "rm", "空名单", "1")
    run = sample("export", *args, "-F", "csv", "-o", str(tmp_path / "a.csv"))
    assert run.exit_code == 1 and message in run.stderr
    assert files_in(tmp_path) == []


def test_a_trashed_record_is_not_exported_by_id(sample: Cli) -> None:
    sample.ok("rm", "2")
    run = sample("export", "1", "2", "-F", "json")
    assert run.exit_code == 1 and "记录 2 在回收站中" in run.stderr
    ids = [r["id"] for r in sample.ok("export", "--all", "-F", "json").json()]
    assert 2 not in ids and len(ids) == 13


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "md"])
def test_output_is_required(sample: Cli, fmt: str) -> None:
    run = sample("export", "1", "--format", fmt)
    assert run.exit_code == 1 and f"导出 {fmt} 需要用 -o 指定" in run.stderr


@pytest.mark.parametrize(
    ("fmt", "name", "extra"),
    [
        ("json", "a.json", []),
        ("csv", "a.csv", []),
        ("xlsx", "a.xlsx", []),
        ("docx", "汇编.docx", []),
        ("docx", "简报.docx", HEADER_OPTIONS),
    ],
)
def test_an_existing_file_is_kept_without_force(
    quarter: Cli, tmp_path: Path, fmt: str, name: str, extra: list[str]
) -> None:
    target = tmp_path / name
    old = "办公室自己改过的文件\n".encode() * 10
    target.write_bytes(old)
    args = ["export", "--shortlist", QUARTER, "--format", fmt, "-o", str(target), *extra]
    run = quarter(*args)
    assert run.exit_code == 1 and "文件已存在" in run.stderr and "--force" in run.stderr
    assert target.read_bytes() == old  # byte-identical
    assert files_in(tmp_path) == [name]  # no temporary file left behind
    assert bulletins(quarter) == []
    quarter.ok(*args, "--force")
    assert target.read_bytes() != old
    assert len(bulletins(quarter)) == (1 if extra else 0)


@pytest.mark.parametrize("issue", ["0", "-3"])
def test_issue_must_be_positive(quarter: Cli, tmp_path: Path, issue: str) -> None:
    target = tmp_path / "a.docx"
    run = quarter(
        "export", "--shortlist", QUARTER, "-F", "docx", "-o", str(target), *HEADER_OPTIONS,
        "--issue", issue,
    )  # fmt: skip
    assert run.exit_code == 1
    assert run.stderr.strip() == f"错误：期号必须是正整数：{issue}"
    assert not target.exists() and bulletins(quarter) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, "找不到编者按文件"),
        (
            lambda p: p.write_bytes("编者按：本期推介三篇案例。".encode("gbk")),
            "编者按文件不是 UTF-8 编码",
        ),
        (lambda p: p.write_bytes(b"\n  \n"), "编者按是空的"),
    ],
)
def test_bad_editor_note_file(quarter: Cli, tmp_path: Path, make: Any, message: str) -> None:
    note = tmp_path / "note.txt"
    if make is not None:
        make(note)
    out = tmp_path / "out"
    out.mkdir()
    run = quarter(
        "export", "--shortlist", QUARTER, "-F", "docx", "-o", str(out / "a.docx"),
        *HEADER_OPTIONS, "--editor-note", str(note),
    )  # fmt: skip
    assert run.exit_code == 1 and message in run.stderr and run.stderr.count("\n") == 1
    assert files_in(out) == [] and bulletins(quarter) == []


def _zip_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "不是 Word 文档")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, "找不到模板文件"),
        (
            lambda p: p.write_text("这只是改了扩展名的文本", encoding="utf-8"),
            "模板不是有效的 Word 文档",
        ),
        (_zip_without_document, "模板不是有效的 Word 文档"),
    ],
)
@pytest.mark.parametrize("bulletin", [True, False])
def test_bad_template(
    quarter: Cli, tmp_path: Path, make: Any, message: str, bulletin: bool
) -> None:
    template = tmp_path / "我校简报模板.docx"
    if make is not None:
        make(template)
    target = tmp_path / "out" / "a.docx"
    target.parent.mkdir()
    extra = HEADER_OPTIONS if bulletin else []
    run = quarter(
        "export", "--shortlist", QUARTER, "-F", "docx", "-o", str(target), *extra,
        "--template", str(template),
    )  # fmt: skip
    assert run.exit_code == 1 and message in run.stderr and run.stderr.count("\n") == 1
    assert files_in(target.parent) == [] and bulletins(quarter) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-F", "xlsx", "--office", OFFICE], "只用于 --format docx"),
        (["-F", "docx", "--office", OFFICE], "--office 是简报的报头选项"),
        (["-F", "docx", "--series", SERIES, "--title", "汇编"], "--title、--subtitle 只用于汇编"),
        (["-F", "csv", "--template", "t.docx"], "--template 只用于 --format docx"),
        (
            [
                "-F",
                "docx",
                "--series",
                SERIES,
                "--editor-note",
                "a.txt",
                "--editor-note-text",
                "按",
            ],
            "只能给一个",
        ),
    ],
)
def test_options_that_do_not_fit_the_format(
    quarter: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    run = quarter("export", "--shortlist", QUARTER, "-o", str(tmp_path / "out.x"), *args)
    assert run.exit_code == 1 and message in run.stderr
    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------------------------
# JSON and Markdown


def test_json_to_stdout_in_shortlist_order_with_bodies(quarter: Cli) -> None:
    data = quarter.ok("export", "--shortlist", QUARTER, "--format", "json").json()
    assert [r["id"] for r in data] == [3, 1, 12]
    for record in data:
        shown = show(quarter, record["id"])
        assert record == {k: v for k, v in shown.items() if k != "history"}
        assert record["body"] and "\\u" not in json.dumps(record, ensure_ascii=False)


def test_json_file_format_from_the_suffix(quarter: Cli, tmp_path: Path) -> None:
    target = tmp_path / "名单.json"
    quarter.ok("export", "3", "1", "-o", str(target))
    data = json.loads(target.read_text("utf-8"))
    assert [r["id"] for r in data] == [3, 1]
    assert data[0]["body"] == show(quarter, 3)["body"]


def test_markdown_round_trip_of_a_selection(sample: Cli, tmp_path: Path) -> None:
    out = tmp_path / "backup"
    sample.ok("export", "--tag", "共同缔造", "--format", "md", "-o", f"{out}/")
    files = sorted(out.glob("*.md"))
    ids = [r["id"] for r in sample.ok("list", "--tag", "共同缔造", "--json").json()]
    assert len(files) == len(ids) > 3
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(out))
    skip = {"id", "created", "updated"}

    def strip(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k not in skip and k != "history"}

    before = sorted((strip(show(sample, i)) for i in ids), key=lambda r: r["title"])
    after = sorted(
        (strip(show(fresh, r["id"])) for r in fresh.ok("list", "--json").json()),
        key=lambda r: r["title"],
    )
    assert after == before


def test_markdown_names_survive_slashes_in_titles(cli: Cli, tmp_path: Path) -> None:
    cli.ok("add", "--title", "文学院：读书/写作/分享 三合一", "--unit", "文学院", input="正文。\n")
    out = tmp_path / "md"
    cli.ok("export", "--all", "-o", str(out))
    assert [p.name for p in out.iterdir()] == ["0001-文学院：读书_写作_分享 三合一.md"]


# --------------------------------------------------------------------------------------------
# CSV and XLSX


@pytest.fixture
def tracked(quarter: Cli) -> Cli:
    """Reviews, a report and an adoption, so the table's score and tracking columns have data."""
    for reviewer, score in (("张明", "4"), ("李华", "5")):
        quarter.ok(
            "review", "3", "-r", reviewer, "-s", f"真实性={score}", "-s", "典型性=4",
            "-s", "创新性=3", "-s", "实效性=5", "-s", "可推广性=4",
        )  # fmt: skip
    quarter.ok("review", "1", "-r", "张明", "-s", "真实性=3", "-s", "典型性=3")
    quarter.ok("report", "3", "--to", "省委教育工委", "--date", "2022-11-01")
    quarter.ok("report", "3", "--to", "省委组织部", "--date", "2022-11-05")
    quarter.ok(
        "adopt", "3", "--by", "省委教育工委工作简报第8期", "--level", "省级", "--date", "2022-11-20"
    )
    return quarter


def rank_scores(cli: Cli) -> dict[int, float]:
    return {r["id"]: r["score"] for r in cli.ok("rank", "--json").json()}


def test_csv_has_a_bom_one_row_per_record_and_chinese_intact(tracked: Cli, tmp_path: Path) -> None:
    target = tmp_path / "入围.csv"
    tracked.ok("export", "--shortlist", QUARTER, "--format", "csv", "-o", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert rows[0] == HEADERS
    assert [int(r[0]) for r in rows[1:]] == [3, 1, 12]
    by_id = {int(r[0]): dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
    first = show(tracked, 3)
    row = by_id[3]
    assert row["标题"] == first["title"] and row["单位"] == first["unit"]
    assert row["类型"] == "经验案例" and by_id[12]["类型"] == "暖心故事"
    assert row["标签"] == "、".join(first["tags"])
    assert row["事件日期"] == first["date"] and row["报送日期"] == (first["submitted"] or "")
    assert row["状态"] == "已采用"
    assert row["评分"] == f"{rank_scores(tracked)[3]:.2f}"
    assert row["评审数"] == "2" and by_id[1]["评审数"] == "1" and by_id[12]["评审数"] == "0"
    assert row["报送"] == "省委教育工委（2022-11-01）；省委组织部（2022-11-05）"
    assert row["采用"] == "省委教育工委工作简报第8期（省级，2022-11-20）"
    assert row["字数"] == str(first["length"])


def test_xlsx_header_frozen_widths_filter_and_values(tracked: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "共同缔造案例.xlsx"
    tracked.ok("export", "--tag", "共同缔造", "--format", "xlsx", "-o", str(target))
    ws = load_workbook(target).active
    ids = sorted(r["id"] for r in tracked.ok("list", "--tag", "共同缔造", "--json").json())
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:M{len(ids) + 1}"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and all(c.font.b for c in ws[1])
    assert [r[0] for r in rows[1:]] == ids
    scores = rank_scores(tracked)
    for row in rows[1:]:
        data = show(tracked, row[0])
        assert row[2] == data["title"] and row[3] == data["unit"]
        assert row[5] == dt.datetime.fromisoformat(data["date"])  # a date cell, not text
        assert row[8] == pytest.approx(round(scores[row[0]], 2))
        assert row[12] == data["length"]
    assert ws.cell(row=2, column=9).number_format == "0.00"
    # Columns fit Chinese: a CJK character is as wide as two Latin ones.
    longest = max(rows[1:], key=lambda r: len(r[2]))[2]
    widths = column_widths(ws)
    assert widths[3] >= min(60, 2 * len(longest) - 4)
    assert widths[3] > widths[1]
    assert widths[4] >= 2 * max(len(r[3]) for r in rows[1:])


def column_widths(ws: Any) -> dict[int, float]:
    """Each column's width as stored (a <col> element may cover several columns)."""
    return {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}


def _openpyxl_table(target: Path, rows: list[list[Any]]) -> None:
    """The export's sheet built cell by cell with openpyxl (normal mode): the reference."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "记录"
    ws.append(list(formats.TABLE_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for cells in ws.iter_rows(min_row=2, min_col=9, max_col=9):
        cells[0].number_format = "0.00"
    for i, width in enumerate(formats.column_widths(rows), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:M{len(rows) + 1}"
    wb.save(target)


def test_xlsx_reads_back_as_openpyxl_writes_it(quarter: Cli, tmp_path: Path) -> None:
    """The exported sheet against one openpyxl builds from the same rows: the same values and
    types, styles, panes and filter, columns as wide on screen; markup characters, spaces at
    the ends, text XML cannot hold (control characters), a literal _x0041_ and text that looks
    like XlsxWriter's own rich-text markup survive."""
    from openpyxl import load_workbook

    from caselib.store.config import default_config

    with Library.open(str(quarter.db)).session() as session:
        rows = formats.table_rows(
            session, [3, 1, 12], config=default_config(), reference_date=dt.date(2023, 1, 1)
        )
    rows[0][2] = " <标题> & “引号” "
    rows[1][3] = "<r>甲&乙</r>"
    ours, reference = tmp_path / "ours.xlsx", tmp_path / "openpyxl.xlsx"
    formats.export_xlsx(ours, rows)
    _openpyxl_table(reference, rows)
    a, b = load_workbook(ours).active, load_workbook(reference).active
    assert list(a.iter_rows(values_only=True)) == list(b.iter_rows(values_only=True))
    assert (a.title, a.freeze_panes, a.auto_filter.ref) == (
        b.title,
        b.freeze_panes,
        b.auto_filter.ref,
    )
    # openpyxl stores the width asked for; Excel (and XlsxWriter) store it with the column's
    # 5-pixel padding (Calibri 11: 7 pixels a character), so that it shows that many
    # characters. XlsxWriter gives neighbours of the same width one <col> element.
    shown = {i: (round(width * 7) - 5) / 7 for i, width in column_widths(a).items()}
    asked = column_widths(b)
    assert shown == asked == dict(enumerate(formats.column_widths(rows), start=1))
    for x, y in zip(a.iter_rows(), b.iter_rows(), strict=True):
        assert [(c.number_format, c.font.b, c.data_type) for c in x] == [
            (c.number_format, c.font.b, c.data_type) for c in y
        ]
    # Control characters cannot be written as XML text: Excel's _xHHHH_ escape carries them,
    # and a literal _xHHHH_ is protected the same way (openpyxl does not undo these escapes
    # in the cells; Excel and LibreOffice do, see test_xlsx_opens_in_libreoffice).
    rows[1][2] = "标题\x07响铃"
    rows[2][2] = "字段_x0041_"
    formats.export_xlsx(ours, rows, force=True)
    with zipfile.ZipFile(ours) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<t>标题_x0007_响铃</t>" in sheet and "<t>字段_x005F_x0041_</t>" in sheet


def test_a_failed_xlsx_export_leaves_no_file_behind(
    quarter: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (here a cell of no XLSX type in the last row) leaves neither
    the target nor XlsxWriter's temporary files."""
    import tempfile

    from caselib.store.config import default_config

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    with Library.open(str(quarter.db)).session() as session:
        rows = formats.table_rows(
            session, [3, 1, 12], config=default_config(), reference_date=dt.date(2023, 1, 1)
        )
    rows[-1][-1] = object()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TypeError):
        formats.export_xlsx(out / "x.xlsx", rows)
    assert list(out.iterdir()) == []
    assert list(temporary.iterdir()) == []


def test_xlsx_opens_in_libreoffice(quarter: Cli, tmp_path: Path) -> None:
    """LibreOffice Calc reads the export: converted to CSV as shown (dates and the 0.00 scores
    in their number formats), it gives the CSV export's cells, also for text with a control
    character, a literal _x0041_, spaces at the ends or markup."""
    import shutil
    import subprocess

    from caselib.store.config import default_config

    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is required under CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    quarter.ok("export", "--all", "-o", str(tmp_path / "all.xlsx"))
    quarter.ok("export", "--all", "-o", str(tmp_path / "all.csv"))
    with Library.open(str(quarter.db)).session() as session:
        rows = formats.table_rows(
            session, [3, 1, 12], config=default_config(), reference_date=dt.date(2023, 1, 1)
        )
    rows[0][2], rows[1][2], rows[2][2] = "标题\x07响铃", " 字段_x0041_ ", "<r>甲&乙</r>"
    formats.export_xlsx(tmp_path / "odd.xlsx", rows)
    formats.export_csv(tmp_path / "odd.csv", rows)
    out = tmp_path / "converted"
    subprocess.run(
        [
            "soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
            "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false",
            "--outdir", str(out), str(tmp_path / "all.xlsx"), str(tmp_path / "odd.xlsx"),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    for name, count in (("all.csv", 15), ("odd.csv", 4)):
        calc = list(csv.reader(io.StringIO((out / name).read_text("utf-8-sig"))))
        ours = list(csv.reader(io.StringIO((tmp_path / name).read_text("utf-8-sig"))))
        assert len(calc) == len(ours) == count
        for got, want in zip(calc, ours, strict=True):
            assert got == want


def test_missing_folders_are_reported_and_folders_get_safe_names(
    quarter: Cli, tmp_path: Path
) -> None:
    deep = tmp_path / "报送" / "2022" / "名单.csv"
    run = quarter("export", "--shortlist", QUARTER, "-o", str(deep))
    assert run.exit_code == 1
    assert run.stderr == f"错误：输出位置所在的文件夹不存在：{deep.parent}（请先创建）\n"
    assert not (tmp_path / "报送").exists()
    deep.parent.mkdir(parents=True)
    quarter.ok("export", "--shortlist", QUARTER, "-o", str(deep))
    assert deep.is_file()
    # An existing folder, or a new one written with a trailing slash, gets a file named
    # after the selection, slashes and all made safe.
    quarter.ok("shortlist", "add", "Q4/校级", "1")
    folder = tmp_path / "folder"
    folder.mkdir()
    quarter.ok("export", "--shortlist", "Q4/校级", "--format", "xlsx", "-o", str(folder))
    quarter.ok("export", "--tag", "共同缔造", "--kind", "case", "-F", "csv", "-o", str(folder))
    assert files_in(folder) == sorted(["共同缔造_经验案例.csv", "入围名单“Q4_校级”.xlsx"])
    new = tmp_path / "新文件夹"
    run = quarter("export", "1", "-F", "docx", "-o", f"{new}/")
    assert run.exit_code == 1 and run.stderr == f"错误：输出文件夹不存在：{new}（请先创建）\n"
    new.mkdir()
    quarter.ok(
        "export", "1", "-F", "docx", "-o", f"{new}/", *HEADER_OPTIONS, "--date", "2022-10-20"
    )
    quarter.ok("export", "1", "3", "-F", "docx", "-o", f"{new}/")
    assert files_in(new) == sorted([f"{SERIES}2022年第1期.docx", "经验案例汇编.docx"])


def test_display_width_counts_east_asian_wide_characters_as_two() -> None:
    import unicodedata

    assert formats.display_width("abc") == 3
    assert formats.display_width("机关党委：ab") == 12
    assert formats.display_width("“共同缔造”") == 10  # curly quotes are narrow (ambiguous)
    assert formats.display_width("ＡＢ（１）") == 10  # full-width forms
    # The regex shortcut agrees with unicodedata for every character of the BMP and a sample
    # of the supplementary planes.
    for code in [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x40000, 17)]:
        ch = chr(code)
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        assert formats.display_width(ch) == 1 + wide, hex(code)


def test_distribution_names_are_split() -> None:
    assert docx_export.split_names(["甲，乙、丙", "丁;戊；甲", " 己。", ""]) == [
        "甲",
        "乙",
        "丙",
        "丁",
        "戊",
        "己",
    ]


# --------------------------------------------------------------------------------------------
# Bulletin DOCX


def test_bulletin_from_a_shortlist_is_written_and_recorded(quarter: Cli, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_bytes("\ufeff编者按：本期推介两篇经验案例，\n一个暖心故事。\n".encode())
    target = first_issue(quarter, tmp_path / "out", "--editor-note", str(note), "--copies", "60")
    titles = [show(quarter, i)["title"] for i in (3, 1, 12)]
    text = squeezed(target)
    assert in_order(
        text,
        [SERIES, "第13期", OFFICE, "2022年10月20日", "编者按：本期推介两篇经验案例，一个暖心故事。"]
        + titles
        + [
            f"报：{SUPERIORS}。",
            "发：湖北大学党史学习教育领导小组办公室成员单位，各二级党组织。",
            "共印60份",
        ],
    )
    for rid in (3, 1, 12):
        for block in show(quarter, rid)["body"]:
            assert "".join(block["text"].split()) in text
    [issue] = bulletins(quarter)
    assert [r["id"] for r in issue["records"]] == [3, 1, 12]
    assert (issue["series"], issue["year"], issue["number"]) == (SERIES, 2022, 13)
    assert issue["date"] == "2022-10-20" and issue["office"] == OFFICE
    assert issue["editor_note"] == "本期推介两篇经验案例，一个暖心故事。"
    assert issue["distribution"] == {
        "报": [SUPERIORS],
        "送": ["湖北大学党史学习教育领导小组成员"],
        "发": ["湖北大学党史学习教育领导小组办公室成员单位", "各二级党组织"],
    }
    assert issue["copies"] == 60 and issue["source"] == "简报第13期.docx"


def test_bulletin_layout_essentials_in_the_xml(quarter: Cli, tmp_path: Path) -> None:
    target = first_issue(quarter, tmp_path)
    doc = Document(str(target))
    sect = doc.sections[-1]._sectPr
    size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")  # A4
    assert {k: int(margins.get(qn(f"w:{k}"))) for k in ("top", "bottom", "left", "right")} == {
        "top": 2098,
        "bottom": 1984,
        "left": 1587,
        "right": 1474,
    }
    runs = [r for r in doc.element.body.iter(qn("w:r")) if r.find(qn("w:t")) is not None]
    assert runs
    for run in runs:
        fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.xml[:200]
    east_asia = {r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) for r in runs}
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体"} <= east_asia
    red = [
        "".join(t.text for t in r.iter(qn("w:t")))
        for r in runs
        if (color := r.find(f"{qn('w:rPr')}/{qn('w:color')}")) is not None
        and color.get(qn("w:val")) == "FF0000"
    ]
    assert "".join(red) == SERIES  # red only in the 报头
    # Page numbers "— N —" on odd (right) and even (left) footers, switched on in settings.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, jc in (
        (doc.sections[-1].footer, "right"),
        (doc.sections[-1].even_page_footer, "left"),
    ):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml and f'w:val="{jc}"' in xml


def test_series_settings_are_remembered_and_the_number_follows(
    quarter: Cli, tmp_path: Path
) -> None:
    first_issue(quarter, tmp_path)
    second = tmp_path / "第14期.docx"
    run = quarter.ok(
        "export", "2", "4", "-F", "docx", "-o", str(second), "--series", SERIES,
        "--date", "2022-11-10", "--to-peers", "校领导",
    )  # fmt: skip
    assert "沿用上一期的编印单位、报/发名单" in run.stderr
    latest = bulletins(quarter)[0]
    assert (latest["number"], latest["year"], latest["office"]) == (14, 2022, OFFICE)
    assert latest["distribution"]["报"] == [SUPERIORS]
    assert latest["distribution"]["送"] == ["校领导"]
    assert latest["distribution"]["发"] == [
        "湖北大学党史学习教育领导小组办公室成员单位",
        "各二级党组织",
    ]
    assert [r["id"] for r in latest["records"]] == [2, 4]
    assert in_order(
        squeezed(second), ["第14期", OFFICE, "2022年11月10日", f"报：{SUPERIORS}。", "送：校领导。"]
    )
    # Only --issue: the series is the latest one's.
    third = tmp_path / "第20期.docx"
    quarter.ok(
        "export", "5", "-F", "docx", "-o", str(third), "--issue", "20", "--date", "2022-12-01"
    )
    assert (bulletins(quarter)[0]["series"], bulletins(quarter)[0]["number"]) == (SERIES, 20)
    # No date: today, and numbering restarts each year.
    fourth = tmp_path / "今年.docx"
    quarter.ok("export", "6", "-F", "docx", "-o", str(fourth), "--series", SERIES)
    today = dt.date.today()
    expected = 21 if today.year == 2022 else 1
    newest = next(b for b in bulletins(quarter) if b["records"][0]["id"] == 6)
    assert (newest["date"], newest["number"]) == (today.isoformat(), expected)


def test_a_new_series_needs_an_office_and_is_flagged_when_close(
    quarter: Cli, tmp_path: Path
) -> None:
    run = quarter("export", "1", "-F", "docx", "-o", str(tmp_path / "a.docx"), "--series", "新简报")
    assert run.exit_code == 1 and "请用 --office 指定编印单位" in run.stderr
    first_issue(quarter, tmp_path)
    run = quarter.ok(
        "export", "1", "-F", "docx", "-o", str(tmp_path / "b.docx"),
        "--series", "湖北大学" + SERIES, "--office", OFFICE,
    )  # fmt: skip
    assert "新的简报系列" in run.stderr and SERIES in run.stderr


def test_an_existing_issue_is_refused_before_anything_is_written(
    quarter: Cli, tmp_path: Path
) -> None:
    first_issue(quarter, tmp_path / "first")
    before = bulletins(quarter)
    target = tmp_path / "again" / "简报第13期.docx"
    target.parent.mkdir()
    run = quarter(
        "export", "2", "-F", "docx", "-o", str(target), "--series", SERIES,
        "--issue", "13", "--date", "2022-12-30",
    )  # fmt: skip
    assert run.exit_code == 1 and run.stderr.count("\n") == 1
    assert (
        f"简报已存在：{SERIES} 2022 年第 13 期" in run.stderr and "--bulletin 2022-13" in run.stderr
    )
    assert files_in(target.parent) == []
    assert bulletins(quarter) == before


def test_a_failed_export_records_nothing_and_keeps_the_old_file(
    quarter: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever step fails (building the document, storing the issue, renaming the finished
    file into place), the old file is intact, no temporary file is left and no issue is stored."""
    import os

    import caselib.bulletins
    import caselib.publish.docx_writer
    from caselib.errors import CaselibError, ConflictError

    target = tmp_path / "简报.docx"
    target.write_bytes(b"old")
    args = ["export", "--shortlist", QUARTER, "-F", "docx", "-o", str(target), *HEADER_OPTIONS]

    def broken_writer(*args: Any, **kwargs: Any) -> None:
        raise CaselibError("文档生成失败")

    def broken_record(*args: Any, **kwargs: Any) -> None:
        raise ConflictError("简报已存在：另一个导出抢先登记了这一期")

    def broken_replace(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    for module, name, broken, message in (
        (caselib.publish.docx_writer, "write_bulletin", broken_writer, "文档生成失败"),
        (caselib.bulletins, "record_bulletin", broken_record, "另一个导出抢先登记"),
        (os, "replace", broken_replace, f"无法写入 {target}：磁盘空间已满"),
    ):
        with monkeypatch.context() as patch:
            patch.setattr(module, name, broken)
            run = quarter(*args, "--force")
        assert run.exit_code == 1 and message in run.stderr and run.stderr.count("\n") == 1
        assert target.read_bytes() == b"old" and files_in(tmp_path) == ["简报.docx"]
        assert bulletins(quarter) == []
    quarter.ok(*args, "--force")
    assert target.read_bytes().startswith(b"PK") and len(bulletins(quarter)) == 1


def test_dry_run_writes_and_records_nothing(quarter: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out" / "简报.docx"
    target.parent.mkdir()
    run = quarter.ok(
        "export", "--shortlist", QUARTER, "-F", "docx", "-o", str(target), *HEADER_OPTIONS,
        "--date", "2022-10-20", "--dry-run",
    )  # fmt: skip
    assert "第 1 期（2022-10-20）" in run.stdout and OFFICE in run.stdout
    assert "导出后登记为新的一期" in run.stdout
    assert files_in(target.parent) == [] and bulletins(quarter) == []
    run = quarter.ok("export", "--all", "-o", str(tmp_path / "md"), "--dry-run")
    assert "14 个文件" in run.stdout and not (tmp_path / "md").exists()


def test_editor_note_text_option(quarter: Cli, tmp_path: Path) -> None:
    target = first_issue(quarter, tmp_path, "--editor-note-text", "编者按：请各单位\n学习借鉴。")
    assert "编者按：请各单位学习借鉴。" in squeezed(target)
    assert bulletins(quarter)[0]["editor_note"] == "请各单位学习借鉴。"


def test_the_template_passes_through(quarter: Cli, tmp_path: Path) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    template = tmp_path / "我校简报模板.docx"
    doc = Document()
    doc.styles.add_style("我校落款", WD_STYLE_TYPE.PARAGRAPH)
    doc.save(str(template))
    target = first_issue(quarter, tmp_path, "--template", str(template))
    with zipfile.ZipFile(target) as z:
        assert "我校落款" in z.read("word/styles.xml").decode("utf-8")
    assert SERIES in squeezed(target)
    compilation = tmp_path / "汇编.docx"
    quarter.ok("export", "1", "-o", str(compilation), "--template", str(template))
    with zipfile.ZipFile(compilation) as z:
        assert "我校落款" in z.read("word/styles.xml").decode("utf-8")


def test_reexporting_an_issue_keeps_its_header_and_records_nothing(
    quarter: Cli, tmp_path: Path
) -> None:
    original = first_issue(quarter, tmp_path, "--editor-note-text", "本期推介。", "--copies", "30")
    again = tmp_path / "again"
    again.mkdir()
    run = quarter.ok("export", "--bulletin", "2022-13", "-F", "docx", "-o", str(again))
    [written] = again.iterdir()
    assert written.name == f"{SERIES}2022年第13期.docx"
    assert docx_paragraphs(written) == docx_paragraphs(original)
    assert len(bulletins(quarter)) == 1 and "已登记" not in run.stderr
    data = quarter.ok("export", "--bulletin", "2022-13", "-F", "json").json()
    assert [r["id"] for r in data] == [3, 1, 12]
    run = quarter(
        "export",
        "--bulletin",
        "2022-13",
        "-F",
        "docx",
        "-o",
        str(again / "x.docx"),
        "--office",
        "别处",
    )
    assert run.exit_code == 1 and "不能更改报头" in run.stderr


# --------------------------------------------------------------------------------------------
# Compilation DOCX


def test_compilation_has_cover_contents_and_no_masthead(quarter: Cli, tmp_path: Path) -> None:
    target = tmp_path / "案例汇编.docx"
    run = quarter.ok("export", "12", "3", "1", "--format", "docx", "-o", str(target))
    assert "经验案例与暖心故事汇编" in run.stderr
    paragraphs = docx_paragraphs(target)
    titles = [show(quarter, i)["title"] for i in (3, 1, 12)]  # cases first, then the story
    assert paragraphs[0] == "经验案例与暖心故事汇编"
    assert in_order(squeezed(target), ["目录", *titles, *titles])
    assert SERIES not in "".join(paragraphs) and "报：" not in "".join(paragraphs)
    with zipfile.ZipFile(target) as z:
        assert "FF0000" not in z.read("word/document.xml").decode("utf-8")
    assert bulletins(quarter) == []
    cases = tmp_path / "cases.docx"
    quarter.ok(
        "export",
        "--kind",
        "case",
        "-o",
        str(cases),
        "--title",
        "实践活动经验案例汇编",
        "--subtitle",
        "2022年12月",
    )
    assert docx_paragraphs(cases)[:2] == ["实践活动经验案例汇编", "2022年12月"]


def test_docx_round_trip_through_import(sample: Cli, tmp_path: Path) -> None:
    """A bulletin of every sample record, imported into a fresh library, gives back the same
    titles, units, kinds, headings and paragraphs."""
    target = tmp_path / "全部.docx"
    sample.ok("export", "--all", "-o", str(target), *HEADER_OPTIONS, "--date", "2022-10-20")
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(target))

    def essentials(cli: Cli) -> list[tuple[str, str, str, list[Any]]]:
        out = []
        for row in cli.ok("list", "--json").json():
            data = show(cli, row["id"])
            out.append((data["title"], data["unit"], data["kind"], data["body"]))
        return sorted(out)

    assert essentials(fresh) == essentials(sample)
    [issue] = bulletins(fresh)
    assert (issue["series"], issue["number"], issue["office"]) == (SERIES, 1, OFFICE)


def test_compilation_round_trip_through_import(sample: Cli, tmp_path: Path) -> None:
    """A compilation's cover and table of contents are front matter: importing it gives back
    the articles alone, with their titles, units, kinds and bodies."""
    target = tmp_path / "汇编.docx"
    sample.ok("export", "--all", "-o", str(target))
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(target))

    def essentials(cli: Cli) -> list[tuple[str, str, str, list[Any]]]:
        rows = cli.ok("list", "--json").json()
        return sorted(
            (d["title"], d["unit"], d["kind"], d["body"])
            for d in (show(cli, row["id"]) for row in rows)
        )

    assert essentials(fresh) == essentials(sample)


# --------------------------------------------------------------------------------------------
# The Python API, as a script would use it


def test_the_api_without_the_cli(quarter: Cli, tmp_path: Path) -> None:
    lib = Library.open(str(quarter.db))
    with lib.session() as session:
        picked = selection.select_records(session, shortlist=QUARTER)
        records = selection.load_records(session, picked.ids)
        spec = docx_export.plan_bulletin(
            session,
            docx_export.BulletinRequest(series=SERIES, office=OFFICE, date=dt.date(2022, 10, 20)),
            today=dt.date(2030, 1, 1),
        )
        assert (spec.number, spec.date) == (1, dt.date(2022, 10, 20))
        issued = docx_export.export_bulletin(session, tmp_path / "a.docx", spec, records)
        stored = issued.bulletin
        assert stored is not None and stored.number == 1
        assert not (tmp_path / "a.docx").exists()  # placed once the issue is committed
        again = docx_export.plan_bulletin(
            session, docx_export.BulletinRequest(series=SERIES), today=dt.date(2022, 10, 27)
        )
        assert (again.number, again.office) == (2, OFFICE)
        with pytest.raises(ConflictError):
            docx_export.plan_bulletin(
                session,
                docx_export.BulletinRequest(series=SERIES, number=1),
                today=dt.date(2022, 12, 1),
            )
    issued.place()
    assert (tmp_path / "a.docx").read_bytes().startswith(b"PK")
    assert [r["id"] for r in bulletins(quarter)[0]["records"]] == [3, 1, 12]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.odt"], "无法按扩展名 .odt 导出：可用 .docx、.pdf、.xlsx、.csv、.json，md 导出到文件夹；也可用 --format 指定格式"),
        (["-F", "docx", "-o", "x.pdf"], "输出文件“x.pdf”的扩展名与导出格式 docx 不符：请改为 .docx"),
        (["-F", "xlsx", "-o", "名单.csv"], "输出文件“名单.csv”的扩展名与导出格式 xlsx 不符：请改为 .xlsx"),
        (["-F", "md", "-o", "备份.docx"], "md 格式每条记录导出为一个文件，-o 应给出文件夹（如 备份/），而不是“备份.docx”"),
    ],
)  # fmt: skip
def test_an_output_name_must_agree_with_the_format(
    quarter: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    run = quarter("export", "1", *args)
    assert run.exit_code == 1 and run.stderr == f"错误：{message}\n"
    assert files_in(tmp_path) == []


def test_an_output_name_without_a_suffix_gets_the_formats(quarter: Cli, tmp_path: Path) -> None:
    quarter.ok("export", "1", "3", "-F", "xlsx", "-o", str(tmp_path / "第四季度名单"))
    quarter.ok("export", "1", "-F", "docx", "-o", str(tmp_path / "汇编.终稿"))
    quarter.ok("export", "1", "-o", str(tmp_path / "备份"))
    quarter.ok("export", "3", "-o", str(tmp_path / "2022.11"))  # a folder named with a dot
    assert [p.name[:5] for p in (tmp_path / "2022.11").iterdir()] == ["0003-"]
    files = [f for f in files_in(tmp_path) if not f.startswith("2022.11/")]
    assert [f for f in files if not f.startswith("备份/")] == [
        "汇编.终稿.docx",
        "第四季度名单.xlsx",
    ]
    backup = [f for f in files if f.startswith("备份/")]
    assert len(backup) == 1 and backup[0].startswith("备份/0001-") and backup[0].endswith(".md")


def test_records_still_lacking_unit_or_title_are_not_printed(cli: Cli, tmp_path: Path) -> None:
    """An imported text whose unit nobody could read holds the placeholder 待补单位: a
    bulletin or compilation naming it is refused (dry run included), nothing is written or
    registered; once the unit is filled in, the same export goes through."""
    page = tmp_path / "page.txt"
    page.write_text(
        "校园里，我们都是孩子们的亲人\n"
        "暑假期间，后勤员工照看留校职工子女，开设托管班，组织读书、手工和体育活动。\n",
        encoding="utf-8",
    )
    [rid] = cli.ok("import", str(page), "--json").json()[0]["record_ids"]
    assert show(cli, rid)["missing"] == ["unit", "date"]  # a missing date is never printed
    out = tmp_path / "简报.docx"
    issue = ("export", str(rid), "-o", str(out), "--series", "党建工作简报", "--office", OFFICE)
    for args in (issue, (*issue, "--dry-run"), ("export", str(rid), "-o", str(out))):
        run = cli(*args)
        assert run.exit_code != 0
        assert run.stderr.strip().splitlines() == [
            f"错误：记录 {rid}（待补单位）尚未补全，不能印入"
            f"{'汇编' if '--series' not in args else '简报'}：请先补全（如 caselib edit {rid}）"
        ]
    assert not out.exists() and bulletins(cli) == []
    record = show(cli, rid)
    edited = tmp_path / "edited.md"
    cli.ok("export", str(rid), "--format", "md", "-o", str(tmp_path / "md"))
    [md] = (tmp_path / "md").glob("*.md")
    edited.write_text(
        md.read_text("utf-8").replace("unit: 待补单位", "unit: 后勤保障处"), encoding="utf-8"
    )
    cli.ok("edit", str(rid), "--file", str(edited))
    assert show(cli, rid)["missing"] == ["date"] and record["title"] == show(cli, rid)["title"]
    cli.ok(*issue)
    assert out.exists() and len(bulletins(cli)) == 1
