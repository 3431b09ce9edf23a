"""Expert review through Excel: sheets out, filled as reviewers fill them, back in, summarised.

Everything goes through real files: the sheets caselib writes are opened and filled with
openpyxl the way a reviewer's Excel would save them, one is re-saved by LibreOffice Calc, and
the import, the reviews, the ranking and the summary are checked from the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from caselib.store.config import default_config
from caselib.store.library import Library
from caselib.tags import init_library

from .conftest import CASES_DIR, IN_CI, Cli

LIST = "2022年第四季度候选"
CANDIDATES = [1, 5, 3, 7, 9]  # the shortlist's order: 序号 1–5
CRITERIA = ["真实性", "典型性", "创新性", "实效性", "可推广性"]
WEIGHTS = {c.name: c.weight for c in default_config().rubric.criteria}


# ---------------------------------------------------------------------------------------------
# Helpers: a reviewer's spreadsheet program


def _columns(ws: Any) -> dict[str, int]:
    """Header first lines → column numbers (1-based), as a reviewer reads the header row."""
    out: dict[str, int] = {}
    for cell in ws[2]:
        if cell.value:
            out.setdefault(str(cell.value).splitlines()[0], cell.column)
    return out


def _row_of(ws: Any, record_id: int) -> int:
    id_col = _columns(ws)["记录编号"]
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, id_col).value == record_id:
            return r
    raise AssertionError(f"record {record_id} not in the sheet")


def fill(
    source: Path,
    target: Path,
    scores: Mapping[int, Mapping[str, Any]],
    comments: Mapping[int, str] | None = None,
) -> Path:
    """Type ``scores`` (record id → criterion → value as typed) into the sheet, save as
    ``target``."""
    wb = load_workbook(source)
    ws = wb["评分表"]
    cols = _columns(ws)
    for rid, given in scores.items():
        r = _row_of(ws, rid)
        for name, value in given.items():
            ws.cell(r, cols[name], value=value)
    for rid, text in (comments or {}).items():
        ws.cell(_row_of(ws, rid), cols["评语"], value=text)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def cell_of(path: Path, record_id: int, criterion: str) -> str:
    """The address of a score cell, e.g. "F5"."""
    from openpyxl.utils import get_column_letter

    ws = load_workbook(path)["评分表"]
    return f"{get_column_letter(_columns(ws)[criterion])}{_row_of(ws, record_id)}"


def calc_or_skip() -> str:
    """soffice with Calc (a writer-only LibreOffice cannot open .xlsx); CI must have both."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    program = Path(os.path.realpath(exe)).parent if exe else None
    if exe is None or program is None or not any(program.glob("libsclo.so*")):
        if IN_CI:
            pytest.fail("LibreOffice Calc is required under CI (.ci/run installs it)")
        pytest.skip("LibreOffice Calc is not installed on this machine")
    return exe


def resave_with_libreoffice(source: Path, outdir: Path, profile: Path) -> Path:
    exe = calc_or_skip()
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = outdir / source.name
    assert out.is_file()
    return out


def full(*values: float) -> dict[str, float]:
    return dict(zip(CRITERIA, values, strict=True))


def weighted(scores: Mapping[str, float]) -> float:
    total = sum(WEIGHTS[k] for k in scores)
    return sum(WEIGHTS[k] * v for k, v in scores.items()) / total


def current_reviews(cli: Cli, rid: int) -> dict[str, dict[str, Any]]:
    return {r["reviewer"]: r for r in cli.ok("reviews", str(rid), "--json").json()}


def history(cli: Cli, rid: int) -> int:
    return len(cli.ok("reviews", str(rid), "--history", "--json").json())


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def panel(sample: Cli, tmp_path: Path) -> tuple[Cli, Path]:
    """The sample library with the shortlist and the two reviewers' sheets (no PDF)."""
    sample.ok("shortlist", "add", LIST, *map(str, CANDIDATES))
    out = tmp_path / "评审"
    sample.ok(
        "review", "sheets", "--shortlist", LIST, "-r", "王老师", "-r", "李老师",
        "-o", str(out), "--no-pdf",
    )  # fmt: skip
    return sample, out


def _import(cli: Cli, *args: str) -> Any:
    return cli("review", "import", *map(str, args))


# ---------------------------------------------------------------------------------------------
# The round trip


def test_round_trip_sheets_import_ranking_and_summary(
    panel: tuple[Cli, Path], tmp_path: Path
) -> None:
    cli, out = panel
    wang, li = out / "评分表-王老师.xlsx", out / "评分表-李老师.xlsx"
    assert (out / "阅读材料.docx").is_file()

    # 王老师 scores everything; he types "4分" for one cell. He likes 5 best, then 1.
    wang_scores = {
        1: full(5, 4, 4, 5, 4),
        5: full(5, 5, 5, 5, 5),
        3: full(3, 3, 2, 3, 3),
        7: full(4, 4, 3, 4, 4),
        9: full(2, 2, 2, 2, 3),
    }
    typed: dict[int, dict[str, Any]] = {rid: dict(s) for rid, s in wang_scores.items()}
    typed[7]["典型性"] = "4分"
    back = tmp_path / "回收"
    fill(wang, back / wang.name, typed, {5: "做法新、成效实，建议报送。"})
    # 李老师 is harsher and leaves 创新性 empty everywhere; he also puts 5 first.
    li_scores = {
        1: {"真实性": 4, "典型性": 3, "实效性": 4, "可推广性": 3},
        5: {"真实性": 4, "典型性": 4, "实效性": 4.5, "可推广性": 4},
        3: {"真实性": 2, "典型性": 2, "实效性": 2, "可推广性": 2},
        7: {"真实性": 3, "典型性": 3, "实效性": 3, "可推广性": 3},
        9: {"真实性": 1, "典型性": 2, "实效性": 1, "可推广性": 1},
    }
    filled_li = fill(li, tmp_path / "填写" / li.name, li_scores)
    # ... and his office saves the sheet with LibreOffice instead of Excel.
    resave_with_libreoffice(filled_li, back, tmp_path / "lo-profile")

    run = _import(cli, back)
    assert run.exit_code == 0, run.stderr
    where = cell_of(back / wang.name, 7, "典型性")
    assert f"评分表-王老师.xlsx {where}：“4分”按 4 分读入" in run.stderr
    assert "已导入 王老师 对 5 条记录的评分" in run.stderr
    assert "已导入 李老师 对 5 条记录的评分" in run.stderr

    for rid in CANDIDATES:
        reviews = current_reviews(cli, rid)
        assert reviews["王老师"]["scores"] == wang_scores[rid]
        assert reviews["李老师"]["scores"] == li_scores[rid]
        assert "创新性" not in reviews["李老师"]["scores"]
        assert reviews["王老师"]["weighted_mean"] == pytest.approx(weighted(wang_scores[rid]))
    assert current_reviews(cli, 5)["王老师"]["comment"] == "做法新、成效实，建议报送。"

    # The ranking: both reviewers put 5 first and 9 last; reviews weigh more than the rest.
    summary = cli.ok(
        "review", "summary", "--shortlist", LIST, "--top", "3", "--date", "2023-03-01", "--json"
    ).json()
    rows = summary["rows"]
    assert [r["id"] for r in rows][0] == 5
    assert [r["id"] for r in rows][-1] == 9
    assert summary["reviewers"] == ["李老师", "王老师"]  # in the order their reviews came in
    for row in rows:
        assert row["reviews"]["王老师"] == pytest.approx(weighted(wang_scores[row["id"]]))
        assert row["reviews"]["李老师"] == pytest.approx(weighted(li_scores[row["id"]]))
        assert row["position"] == CANDIDATES.index(row["id"]) + 1
        assert row["criteria"]["典型性"]["王老师"] == wang_scores[row["id"]]["典型性"]
        assert "李老师" not in row["criteria"]["创新性"]
    # The calibrated score is the one the ranking shows, and the selection is the ranking's.
    ranked = {r["id"]: r for r in cli.ok("rank", "--date", "2023-03-01", "--json").json()}
    for row in rows:
        assert row["calibrated"] == pytest.approx(ranked[row["id"]]["review_normalised"])
    assert [r["selected"] for r in rows] == [True, True, True, False, False]
    assert rows[3]["reason"] == "跳过：已选满 3 项"
    # Both reviewers order the five alike: calibrated scores follow their common order.
    assert [r["id"] for r in sorted(rows, key=lambda r: -r["calibrated"])] == [5, 1, 7, 3, 9]

    target = tmp_path / "汇总表.xlsx"
    cli.ok("review", "summary", "--shortlist", LIST, "--top", "3", "--date", "2023-03-01",
           "-o", str(target))  # fmt: skip
    wb = load_workbook(target)
    assert wb.sheetnames == ["汇总", *CRITERIA]
    ws = wb["汇总"]
    header = [str(c.value or "") for c in ws[2]]
    assert header[:5] == ["排名", "序号", "编号", "标题", "单位"]
    assert "王老师\n加权分" in header and "李老师\n加权分" in header
    assert [ws.cell(r, 3).value for r in range(3, 8)] == [r["id"] for r in rows]
    chosen = header.index("是否入选") + 1
    assert [ws.cell(r, chosen).value for r in range(3, 8)] == ["入选"] * 3 + ["未入选"] * 2
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any(t.startswith("评审组长签字：") for t in texts)
    assert len(ws._charts) == 1
    crit = wb["创新性"]
    li_col = [str(c.value) for c in crit[2]].index("李老师") + 1
    assert all(crit.cell(r, li_col).value is None for r in range(3, 8))

    # The same sheets again: nothing changes, and the user is told so.
    before = {rid: history(cli, rid) for rid in CANDIDATES}
    again = _import(cli, back)
    assert again.exit_code == 0
    assert "评分表-王老师.xlsx：王老师 的评分与库中已有的相同，未作改动" in again.stderr
    assert "评分表-李老师.xlsx：李老师 的评分与库中已有的相同，未作改动" in again.stderr
    assert {rid: history(cli, rid) for rid in CANDIDATES} == before


def test_sheet_layout(panel: tuple[Cli, Path]) -> None:
    """Locked except scores and comments, validation with Chinese messages, frozen header,
    print setup, the 说明 sheet from the rubric, hidden identity cells."""
    _cli, out = panel
    wb = load_workbook(out / "评分表-王老师.xlsx")
    assert wb.sheetnames == ["评分表", "说明", "caselib"]
    ws = wb["评分表"]
    cols = _columns(ws)
    assert list(cols)[:4] == ["序号", "标题", "单位", "类型"]
    assert list(cols)[4:9] == CRITERIA
    assert ws.cell(2, cols["实效性"]).value == "实效性\n（权重 1.2，1–5 分）"
    assert [ws.cell(r, 1).value for r in range(3, 8)] == [1, 2, 3, 4, 5]
    assert [ws.cell(r, cols["记录编号"]).value for r in range(3, 8)] == CANDIDATES
    assert "王老师" in str(ws["A1"].value)
    assert ws.protection.sheet and not ws.protection.password
    for r in range(3, 8):
        for name, c in cols.items():
            locked = ws.cell(r, c).protection.locked
            assert locked == (name not in (*CRITERIA, "评语")), (name, r)
    from openpyxl.utils import get_column_letter

    assert ws.column_dimensions[get_column_letter(cols["记录编号"])].hidden
    assert ws.column_dimensions[get_column_letter(cols["文本校验"])].hidden
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    (dv,) = ws.data_validations.dataValidation
    assert str(dv.sqref) == "E3:I7"
    assert "1–5" in dv.prompt and "1–5" in dv.error and dv.showErrorMessage
    assert ws.freeze_panes == "C3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"
    guide = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for c in default_config().rubric.criteria:
        assert c.name in guide and c.description in guide
    assert wb["caselib"].sheet_state == "veryHidden" and wb["caselib"].protection.sheet


def test_reading_pack_numbered_as_in_the_sheet(panel: tuple[Cli, Path]) -> None:
    from docx import Document

    cli, out = panel
    # a long title may be set on two lines (a line break inside its paragraph)
    paragraphs = Document(str(out / "阅读材料.docx")).paragraphs
    text = "\n".join(p.text.replace("\n", "") for p in paragraphs)
    titles = {r["id"]: r["title"] for r in cli.ok("list", "--json").json()}
    for n, rid in enumerate(CANDIDATES, start=1):
        assert f"{n}. {titles[rid]}" in text
    # The records themselves keep their titles.
    assert cli.ok("show", "1", "--json").json()["title"] == titles[1]


def test_reading_pack_pdf_when_libreoffice_is_there(sample: Cli, tmp_path: Path) -> None:
    from .conftest import need_tool_or_skip

    need_tool_or_skip("soffice")
    sample.ok("shortlist", "add", LIST, "1", "5")
    run = sample.ok("review", "sheets", "--shortlist", LIST, "-r", "王老师", "-o", str(tmp_path))
    assert (tmp_path / "阅读材料.pdf").is_file(), run.stderr


def test_sheets_refuse_to_overwrite_and_write_nothing(panel: tuple[Cli, Path]) -> None:
    cli, out = panel
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    run = cli("review", "sheets", "--shortlist", LIST, "-r", "张老师", "-r", "王老师",
              "-o", str(out), "--no-pdf")  # fmt: skip
    assert run.exit_code == 1 and "--force" in run.stderr and "Traceback" not in run.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # no 张老师 either
    bad = cli("review", "sheets", "--shortlist", "没有这个名单", "-r", "王老师", "-o", str(out))
    assert bad.exit_code == 1 and "入围名单“没有这个名单”不存在" in bad.stderr


# ---------------------------------------------------------------------------------------------
# Part 3: every bad case


def _refused(run: Any) -> None:
    assert run.exit_code == 1, run.stderr
    assert "整份未导入" in run.stderr and "Traceback" not in run.stderr


def test_out_of_range_and_non_numeric_cells_refuse_the_whole_sheet(
    panel: tuple[Cli, Path], tmp_path: Path
) -> None:
    cli, out = panel
    sheet = out / "评分表-王老师.xlsx"
    scores: dict[int, dict[str, Any]] = {rid: full(4, 4, 4, 4, 4) for rid in CANDIDATES}
    scores[3]["实效性"] = 6
    scores[7]["创新性"] = "很好"
    scores[9]["真实性"] = 3.7
    back = fill(sheet, tmp_path / "回收" / sheet.name, scores)
    run = _import(cli, back)
    _refused(run)
    assert f"评分表-王老师.xlsx {cell_of(back, 3, '实效性')}：分值 6 超出 1–5" in run.stderr
    assert f"评分表-王老师.xlsx {cell_of(back, 7, '创新性')}：“很好”不是分数" in run.stderr
    assert f"评分表-王老师.xlsx {cell_of(back, 9, '真实性')}：分值 3.7 不是整分或半分" in run.stderr
    for rid in CANDIDATES:  # a bad sheet changes nothing, not even its good rows
        assert current_reviews(cli, rid) == {}


def test_an_empty_criterion_is_allowed_and_an_empty_row_is_not_a_review(
    panel: tuple[Cli, Path], tmp_path: Path
) -> None:
    cli, out = panel
    sheet = out / "评分表-李老师.xlsx"
    back = fill(
        sheet, tmp_path / sheet.name, {1: {"典型性": 4, "实效性": 4.5}, 5: full(3, 3, 3, 3, 3)}
    )
    run = _import(cli, back)
    assert run.exit_code == 0, run.stderr
    assert "已导入 李老师 对 2 条记录的评分，3 条未评分" in run.stderr
    assert current_reviews(cli, 1)["李老师"]["scores"] == {"典型性": 4, "实效性": 4.5}
    assert current_reviews(cli, 3) == {}


def test_rows_are_matched_by_id_when_reordered_or_deleted(
    panel: tuple[Cli, Path], tmp_path: Path
) -> None:
    cli, out = panel
    sheet = out / "评分表-王老师.xlsx"
    filled = fill(
        sheet,
        tmp_path / "a.xlsx",
        {rid: full(*[n] * 5) for n, rid in zip((5, 4, 3, 2, 1), CANDIDATES, strict=True)},
    )
    wb = load_workbook(filled)
    ws = wb["评分表"]
    ws.protection.sheet = False  # as an unprotecting reviewer would
    rows = [[c.value for c in ws[r]] for r in range(3, 8)]
    rows.reverse()  # sorted the other way round …
    del rows[1]  # … and the row of record 7 deleted
    ws.delete_rows(3, 5)
    for values in rows:
        ws.append(values)
    back = tmp_path / "回收" / sheet.name
    back.parent.mkdir()
    wb.save(back)
    run = _import(cli, back)
    assert run.exit_code == 0, run.stderr
    assert "记录 7 的行已被删除，这些记录不导入" in run.stderr
    expected = {1: 5, 5: 4, 3: 3, 9: 1}
    for rid, value in expected.items():
        assert current_reviews(cli, rid)["王老师"]["scores"] == full(*[value] * 5)
    assert current_reviews(cli, 7) == {}


def test_a_row_added_or_an_id_changed_is_refused(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, out = panel
    sheet = out / "评分表-王老师.xlsx"
    wb = load_workbook(fill(sheet, tmp_path / "a.xlsx", {1: full(4, 4, 4, 4, 4)}))
    ws = wb["评分表"]
    cols = _columns(ws)
    ws.cell(8, cols["真实性"], value=5)  # a new row below the candidates
    ws.cell(_row_of(ws, 5), cols["记录编号"], value=12)  # a record not on the sheet
    back = tmp_path / "b.xlsx"
    wb.save(back)
    run = _import(cli, back)
    _refused(run)
    assert "b.xlsx 第 8 行：没有记录编号" in run.stderr
    assert "b.xlsx 第 4 行：记录编号“12”不在这份评分表中" in run.stderr
    assert current_reviews(cli, 1) == {}


def test_a_sheet_from_another_library_is_refused(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, _out = panel
    other_db = tmp_path / "other.db"
    init_library(str(other_db))
    other = Cli(other_db)
    other.ok("import", str(CASES_DIR))
    other.ok("shortlist", "add", LIST, *map(str, CANDIDATES))
    other.ok("review", "sheets", "--shortlist", LIST, "-r", "王老师", "-o",
             str(tmp_path / "别处"), "--no-pdf")  # fmt: skip
    back = fill(tmp_path / "别处" / "评分表-王老师.xlsx", tmp_path / "x" / "评分表-王老师.xlsx",
                {1: full(4, 4, 4, 4, 4)})  # fmt: skip
    run = _import(cli, back)
    _refused(run)
    assert "评分表-王老师.xlsx：这份评分表由另一个库生成，不能导入本库" in run.stderr
    assert current_reviews(cli, 1) == {}


def test_a_sheet_of_another_or_a_deleted_shortlist_is_refused(
    panel: tuple[Cli, Path], tmp_path: Path
) -> None:
    cli, out = panel
    back = fill(
        out / "评分表-王老师.xlsx", tmp_path / "评分表-王老师.xlsx", {1: full(4, 4, 4, 4, 4)}
    )
    run = _import(cli, "--shortlist", "2023年第一季度候选", back)
    _refused(run)
    assert f"这是入围名单“{LIST}”的评分表，不是“2023年第一季度候选”的" in run.stderr
    cli.ok("shortlist", "delete", LIST)
    cli.ok("shortlist", "add", LIST, "1")  # same name, another shortlist
    run = _import(cli, back)
    _refused(run)
    assert f"评分表所属的入围名单“{LIST}”在本库中已不存在" in run.stderr
    assert current_reviews(cli, 1) == {}


def test_a_record_changed_since_the_sheet_was_made_is_named(
    panel: tuple[Cli, Path], db_path: Path, tmp_path: Path
) -> None:
    cli, out = panel
    from caselib.store.tables import Record

    lib = Library.open(str(db_path))
    with lib.session() as session:
        record = session.get(Record, 3)
        assert record is not None
        title = record.title
        record.body = [*record.body, {"type": "paragraph", "text": "（补充）新增2名志愿者。"}]
        session.add(record)
    back = fill(out / "评分表-王老师.xlsx", tmp_path / "评分表-王老师.xlsx",
                {3: full(4, 4, 4, 4, 4), 1: full(3, 3, 3, 3, 3)})  # fmt: skip
    run = _import(cli, back)
    assert run.exit_code == 0, run.stderr
    assert f"记录 3《{title}》在评分表生成后已修改" in run.stderr
    assert "记录 1《" not in run.stderr
    assert current_reviews(cli, 3)["王老师"]["scores"] == full(4, 4, 4, 4, 4)


def test_a_trashed_record_refuses_the_sheet(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, out = panel
    cli.ok("rm", "7")
    back = fill(out / "评分表-王老师.xlsx", tmp_path / "评分表-王老师.xlsx",
                {7: full(4, 4, 4, 4, 4), 1: full(3, 3, 3, 3, 3)})  # fmt: skip
    run = _import(cli, back)
    _refused(run)
    assert "在回收站中，不能评审" in run.stderr
    assert current_reviews(cli, 1) == {}


def test_an_unfilled_sheet_says_so(panel: tuple[Cli, Path]) -> None:
    cli, out = panel
    run = _import(cli, out / "评分表-王老师.xlsx")
    assert run.exit_code == 0
    assert "评分表-王老师.xlsx：王老师 还没有填写任何评分，未作改动" in run.stderr


def test_dry_run_shows_and_writes_nothing(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, out = panel
    cli.ok("review", "1", "--reviewer", "王老师", "--score", "典型性=3")
    back = fill(out / "评分表-王老师.xlsx", tmp_path / "评分表-王老师.xlsx",
                {1: {"典型性": 5}, 5: full(4, 4, 4, 4, 4)})  # fmt: skip
    run = _import(cli, "--dry-run", back)
    assert run.exit_code == 0, run.stderr
    assert "改评：典型性 3→5" in run.stderr and "新评：真实性 4" in run.stderr
    assert "将导入 王老师 对 2 条记录的评分" in run.stderr
    assert current_reviews(cli, 1)["王老师"]["scores"] == {"典型性": 3}
    assert current_reviews(cli, 5) == {}


def test_not_a_sheet_and_missing_files(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, _out = panel
    fake = tmp_path / "评分表-赵老师.xlsx"
    fake.write_text("不是表格", encoding="utf-8")
    run = _import(cli, fake)
    _refused(run)
    assert "评分表-赵老师.xlsx：无法读取" in run.stderr
    case = tmp_path / "一篇案例.md"  # a case given by mistake: openpyxl refuses its suffix
    case.write_text("# 标题\n\n正文。\n", encoding="utf-8")
    run = _import(cli, case)
    _refused(run)
    assert "一篇案例.md：无法读取" in run.stderr and "Traceback" not in run.stderr
    from openpyxl import Workbook

    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    run = _import(cli, plain)
    _refused(run)
    assert "plain.xlsx：不是 caselib 生成的评分表" in run.stderr
    missing = _import(cli, tmp_path / "没有.xlsx")
    assert missing.exit_code == 1 and "找不到评分表" in missing.stderr


def test_one_bad_sheet_does_not_stop_the_others(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, out = panel
    back = tmp_path / "回收"
    fill(out / "评分表-王老师.xlsx", back / "评分表-王老师.xlsx", {1: full(9, 4, 4, 4, 4)})
    fill(out / "评分表-李老师.xlsx", back / "评分表-李老师.xlsx", {1: full(3, 3, 3, 3, 3)})
    (back / "~$评分表-王老师.xlsx").write_bytes(b"lock")  # Excel's lock file is skipped
    run = _import(cli, back)
    assert run.exit_code == 1
    assert "1 份评分表有问题未导入" in run.stderr
    assert list(current_reviews(cli, 1)) == ["李老师"]


# ---------------------------------------------------------------------------------------------
# The command line


def test_review_with_an_id_keeps_working(sample: Cli) -> None:
    sample.ok("review", "12", "--reviewer", "王老师", "--score", "典型性=4")
    sample.ok("review", "--reviewer", "李老师", "12", "-s", "典型性=3", "-c", "可推广")
    reviews = current_reviews(sample, 12)
    assert reviews["王老师"]["scores"] == {"典型性": 4}
    assert reviews["李老师"]["comment"] == "可推广"
    data = sample.ok("review", "12", "-r", "王老师", "-s", "创新性=5", "--json").json()
    assert data["record_id"] == 12 and data["reviewer"] == "王老师"
    assert sample("review", "12", "--help").exit_code == 0
    assert "sheets" in sample.ok("review", "--help").stdout
    assert sample("review", "sheetz").exit_code == 2
    missing = sample("review", "99", "--reviewer", "王老师", "--score", "典型性=4")
    assert missing.exit_code == 1 and "99" in missing.stderr


def test_summary_needs_an_output(panel: tuple[Cli, Path], tmp_path: Path) -> None:
    cli, _out = panel
    run = cli("review", "summary", "--shortlist", LIST)
    assert run.exit_code == 1 and "-o" in run.stderr
    target = tmp_path / "汇总表.xlsx"
    cli.ok("review", "summary", "--shortlist", LIST, "-o", str(target))
    again = cli("review", "summary", "--shortlist", LIST, "-o", str(target))
    assert again.exit_code == 1 and "--force" in again.stderr


@pytest.mark.parametrize("args", [["review", "--help"], ["review", "sheets", "--help"]])
def test_review_help_does_not_load_openpyxl(args: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['caselib', *{args!r}]\n"
        "from caselib.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openpyxl', 'sqlalchemy'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
