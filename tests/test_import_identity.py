"""Import of what offices really send (issue: real documents): a readable file always becomes
a record, incomplete if need be; units from the filing; files known by their bytes; the
report says everything; bad input is refused with a reason."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from .conftest import Cli

STORY = (
    "迎新路上\n\n"
    "8月27日，党员干部在报到点帮新生搬运行李，还为家长送上热水。\n\n"
    "志愿者们从清晨忙到傍晚，累计服务新生和家长一千余人次。\n"
)
CASE_NEXT_MONTH = (
    "食堂“点单”服务\n\n"
    "后勤党支部在食堂设立“师生点单”窗口，每周征集菜品意见，按意见调整菜单。\n\n"
    "一个月来共收到建议三百余条，新增菜品十二道，师生满意度明显提升。\n"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_a_document_without_unit_or_date_is_kept_incomplete_and_completed_by_edit(
    cli: Cli, tmp_path: Path
) -> None:
    path = _write(tmp_path / "迎新纪实.txt", STORY)
    run = cli("import", str(path), "--json")
    assert run.exit_code == 0, run.stderr
    report = run.json()[0]
    assert report["outcome"] == "imported"
    entry = report["records"][0]
    assert entry["unit"] == "待补单位" and entry["missing"] == ["unit", "date"]
    assert entry["sources"]["unit"] == "未找到"
    assert any("缺少单位、日期" in w for w in report["warnings"])
    assert not any("新建单位" in w for w in report["warnings"])  # the placeholder is no new unit
    rid = report["record_ids"][0]

    listed = cli.ok("list", "--incomplete", "--json").json()
    assert [r["id"] for r in listed] == [rid] and listed[0]["missing"] == ["unit", "date"]
    assert "待补单位、日期" in cli.ok("list", "--incomplete").stdout.replace("\n", "")
    assert "用 caselib edit 补全" in cli.ok("show", str(rid)).stdout

    fixed = tmp_path / "fixed.md"
    fixed.write_text(
        "---\nkind: story\ntitle: 迎新路上\nunit: 机关党委\ndate: 2022-08-27\n---\n\n"
        "8月27日，党员干部在报到点帮新生搬运行李，还为家长送上热水。\n",
        "utf-8",
    )
    cli.ok("edit", str(rid), "--file", str(fixed))
    assert cli.ok("show", str(rid), "--json").json()["missing"] == []
    assert cli.ok("list", "--incomplete", "--json").json() == []


def test_a_document_without_title_takes_the_file_name_and_is_marked(
    cli: Cli, tmp_path: Path
) -> None:
    # one long paragraph: no line reads as a title
    body = "8月27日上午，机关党委组织党员志愿者在新生报到点开展迎新服务，" * 6 + "。\n"
    path = _write(tmp_path / "机关党委-迎新纪实.txt", body)
    report = cli.ok("import", str(path), "--json").json()[0]
    entry = report["records"][0]
    if "title" in entry["missing"]:  # the reader found no title: the file name stands in
        assert entry["title"] == "迎新纪实" and entry["sources"]["title"] == "文件名（待补）"
    assert entry["unit"] == "机关党委" and entry["sources"]["unit"] == "文件名前缀"


def test_unit_from_the_folder_the_office_sorted_the_file_into(cli: Cli, tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    _write(inbox / "后勤保障处" / "2022" / "食堂点单.txt", CASE_NEXT_MONTH)
    _write(inbox / "新建文件夹" / "d01_迎新.txt", STORY)
    reports = cli.ok("import", str(inbox), "--json").json()
    units = {Path(r["path"]).name: r["records"][0] for r in reports}
    assert units["食堂点单.txt"]["unit"] == "后勤保障处"
    assert units["食堂点单.txt"]["sources"]["unit"] == "所在文件夹"
    # neither "新建文件夹" nor the prefix "d01" is a unit
    assert units["d01_迎新.txt"]["unit"] == "待补单位"


def test_unit_named_at_the_start_of_the_text_when_the_library_knows_it(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("add", "-t", "机关党委：跑腿办事", "-u", "计算机学院党委", "-f", "-", input="正文。")
    text = "一场温暖的迎新\n\n计算机学院党委组织党员志愿者服务新生报到，累计服务三百余人次。\n"
    report = cli.ok("import", str(_write(tmp_path / "迎新.txt", text)), "--json").json()[0]
    assert report["records"][0]["unit"] == "计算机学院党委"
    assert report["records"][0]["sources"]["unit"] == "正文提到的已有单位"


def test_unit_a_news_title_opens_with_is_the_last_fall_back(cli: Cli, tmp_path: Path) -> None:
    """四川师范大学“三项联创”打造… names its unit as the title's subject: taken when nothing
    else names one, after a 来源 line, the folder the office sorted it into and the file name."""
    body = "近年来，学校党委坚持党建引领，联动孵化党建示范项目39个，有效激发基层党组织活力。\n"
    title = "四川师范大学“三项联创”打造示范化党建矩阵\n"
    inbox = tmp_path / "收件箱"
    _write(inbox / "组织部" / "三项联创.txt", title + "学校" + body)
    pages = [
        _write(tmp_path / "d30_三项联创.txt", title + body),
        inbox,
        _write(tmp_path / "d31_党建品牌.txt", "四川农业大学打造党建品牌\n来源：组织部\n" + body),
    ]
    found = []
    for page in pages:
        [entry] = cli.ok("import", str(page), "--json").json()[0]["records"]
        found.append((entry["unit"], entry["sources"]["unit"]))
    assert found == [
        ("四川师范大学", "标题开头"),
        ("组织部", "所在文件夹"),
        ("组织部", "来源行"),
    ]


def test_a_forms_contact_person_and_numbers_become_author_and_contact(
    cli: Cli, tmp_path: Path
) -> None:
    text = (
        "案例名称：食堂“点单”服务\n申报单位：后勤集团党委\n联系人：李四  联系电话：027-66666666\n"
        "后勤党支部在食堂设立“师生点单”窗口，每周征集菜品意见，按意见调整菜单。\n"
    )
    [rid] = cli.ok("import", str(_write(tmp_path / "申报.txt", text)), "--json").json()[0][
        "record_ids"
    ]
    record = cli.ok("show", str(rid), "--json").json()
    assert (record["author"], record["contact"]) == ("李四", "027-66666666")
    assert "联系人" not in json.dumps(record.get("source_info") or {}, ensure_ascii=False)


def test_same_name_in_two_folders_is_two_records(cli: Cli, tmp_path: Path) -> None:
    """Next month's 案例.txt from another unit is a new record, not "unchanged"."""
    tmp_path = tmp_path / "收件箱"
    first = _write(tmp_path / "后勤保障处" / "案例.txt", CASE_NEXT_MONTH)
    second = _write(tmp_path / "机关党委" / "案例.txt", STORY)
    reports = cli.ok("import", str(tmp_path), "--json").json()
    assert [r["outcome"] for r in reports] == ["imported", "imported"]
    ids = [r["record_ids"][0] for r in reports]
    assert ids[0] != ids[1]
    # the same bytes again, wherever they lie, change nothing
    copy = _write(tmp_path / "转发" / "另存为.txt", first.read_text("utf-8"))
    again = cli.ok("import", str(copy), str(second), "--json").json()
    assert [r["outcome"] for r in again] == ["unchanged", "unchanged"]
    assert [r["record_ids"] for r in again] == [[ids[0]], [ids[1]]]


def test_update_replaces_only_the_record_from_the_same_path(cli: Cli, tmp_path: Path) -> None:
    tmp_path = tmp_path / "收件箱"
    a = _write(tmp_path / "后勤保障处" / "案例.txt", CASE_NEXT_MONTH)
    b = _write(tmp_path / "机关党委" / "案例.txt", STORY)
    ids = [r["record_ids"][0] for r in cli.ok("import", str(tmp_path), "--json").json()]
    _write(a, CASE_NEXT_MONTH.replace("十二道", "十五道"))
    plain = cli.ok("import", str(tmp_path), "--json").json()
    assert [r["outcome"] for r in plain] == ["changed", "unchanged"]
    assert "--update" in plain[0]["message"]
    updated = cli.ok("import", str(tmp_path), "--update", "--json").json()
    assert [r["outcome"] for r in updated] == ["updated", "unchanged"]
    assert [r["record_ids"][0] for r in updated] == ids
    assert "十五道" in json.dumps(cli.ok("show", str(ids[0]), "--json").json(), ensure_ascii=False)
    assert "搬运行李" in json.dumps(
        cli.ok("show", str(ids[1]), "--json").json(), ensure_ascii=False
    )
    assert b.exists()


def test_exit_code_is_1_when_any_file_failed(cli: Cli, tmp_path: Path) -> None:
    tmp_path = tmp_path / "收件箱"
    _write(tmp_path / "好.txt", STORY)
    (tmp_path / "照片.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    run = cli("import", str(tmp_path), "--unit", "机关党委", "--json")
    assert run.exit_code == 0, "a photo in the folder is skipped, not a failure"
    assert sorted(r["outcome"] for r in run.json()) == ["imported", "skipped"]
    (tmp_path / "坏.docx").write_bytes(b"PK\x03\x04 not a zip")
    run = cli("import", str(tmp_path), "--unit", "机关党委", "--json")
    assert run.exit_code == 1
    assert sorted(r["outcome"] for r in run.json()) == ["failed", "skipped", "unchanged"]


def test_markdown_over_the_size_limit_is_refused_before_reading(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caselib.intake import importing

    monkeypatch.setattr(importing, "MAX_TEXT_BYTES", 1000)
    path = _write(
        tmp_path / "大.md", "---\ntitle: 大文件\nunit: 机关党委\n---\n\n" + "正文。" * 500
    )
    run = cli("import", str(path), "--json")
    assert run.exit_code == 1 and "文件过大" in run.json()[0]["message"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_links_loops_and_outside_targets_are_reported_not_followed(
    cli: Cli, tmp_path: Path
) -> None:
    inbox = tmp_path / "收件箱"
    _write(inbox / "机关党委" / "迎新.txt", STORY)
    secret = _write(tmp_path / "外面" / "口令.txt", "这是不该被读取的内容，不属于收件箱。\n")
    os.symlink(secret, inbox / "外链.txt")
    os.symlink(inbox, inbox / "机关党委" / "回到上级")
    os.symlink(inbox / "不存在.txt", inbox / "断链.txt")
    reports = {Path(r["path"]).name: r for r in cli("import", str(inbox), "--json").json()}
    assert reports["外链.txt"]["outcome"] == "skipped"
    assert "导入文件夹之外" in reports["外链.txt"]["message"]
    assert "循环" in reports["回到上级"]["message"]
    assert "不存在" in reports["断链.txt"]["message"]
    assert reports["迎新.txt"]["outcome"] == "imported"
    assert "不该被读取" not in json.dumps(cli.ok("list", "--json").json(), ensure_ascii=False)


def test_gbk_file_names_are_read_and_control_characters_escaped(cli: Cli, tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path / "收件箱")
    os.makedirs(folder)
    gbk_name = "机关党委-迎新纪实.txt".encode("gbk")
    with open(os.path.join(folder, gbk_name), "wb") as f:
        f.write(STORY.encode("utf-8"))
    with open(os.path.join(folder, "响铃\x07.txt".encode()), "wb") as f:
        f.write(CASE_NEXT_MONTH.encode("utf-8"))
    run = cli("import", os.fsdecode(folder), "--json")
    reports = run.json()
    names = sorted(r["path"] for r in reports)
    assert any(n.endswith("机关党委-迎新纪实.txt") for n in names)
    assert any(n.endswith("响铃\\x07.txt") for n in names)
    gbk = next(r for r in reports if r["path"].endswith("迎新纪实.txt"))
    assert gbk["records"][0]["unit"] == "机关党委"
    table = cli("import", os.fsdecode(folder)).stderr
    assert "\x07" not in table


def test_a_converted_file_of_mostly_unreadable_characters_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "乱码.txt"
    # what a converter makes of a binary file: Latin-1 letters, box drawing, symbols
    garbage = "".join(chr(0x00C0 + (i * 37) % 64) + chr(0x2500 + i % 100) for i in range(200))
    path.write_text("标题\n\n" + garbage + "\n", "utf-8")
    run = cli("import", str(path), "--unit", "机关党委", "--json")
    assert run.exit_code == 1
    assert "无法识别的字符" in run.json()[0]["message"]
    assert cli.ok("list", "--json").json() == []


def test_a_bulletin_split_into_records_is_said(cli: Cli, tmp_path: Path) -> None:
    from .test_readers import MULTI

    path = tmp_path / "简报.txt"
    path.write_bytes(MULTI.encode("gbk"))
    report = cli.ok("import", str(path), "--json").json()[0]
    assert len(report["record_ids"]) == 3
    assert "一个文件拆分为 3 条记录" in report["warnings"]
    assert [r["sources"].get("date") for r in report["records"]] == ["简报日期"] * 3
