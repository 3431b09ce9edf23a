"""Adding, showing, editing, tagging and trashing records, through the CLI and the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from caselib.errors import ConflictError, InvalidInputError, NotFoundError
from caselib.records import (
    add_record,
    change_tags,
    get_record,
    record_to_json,
    restore_record,
    trash_record,
)
from caselib.store.library import Library
from caselib.store.schemas import validate_record
from caselib.text.blocks import Block

from .conftest import Cli

pytestmark = pytest.mark.backends

STORY = """8月27日清晨，阳逻校区的学生回迁工作开始了。
机关党员干部早早来到宿舍楼下，帮同学们搬运行李、核查健康码。
## 后来
一位同学专程送来感谢信：“老师们辛苦了！”
"""


def test_add_from_stdin_prints_the_id_and_keeps_paragraphs(cli: Cli) -> None:
    run = cli.ok(
        "add",
        "--title",
        "机关党委：迎新路上的暖心身影",
        "--unit",
        "机关党委",
        "--date",
        "2022年8月27日",
        "--kind",
        "story",
        "--tag",
        "暖心",
        input=STORY,
    )
    record_id = int(run.stdout.strip())
    shown = cli.ok("show", str(record_id), "--json").json()
    assert shown["id"] == record_id
    assert shown["kind"] == "story"
    assert shown["unit"] == "机关党委"
    assert shown["date"] == "2022-08-27"
    assert shown["tags"] == ["暖心"]
    assert shown["status"] == "submitted"
    assert shown["body"] == [
        {"type": "paragraph", "text": "8月27日清晨，阳逻校区的学生回迁工作开始了。"},
        {
            "type": "paragraph",
            "text": "机关党员干部早早来到宿舍楼下，帮同学们搬运行李、核查健康码。",
        },
        {"type": "heading", "text": "后来", "level": 1},
        {"type": "paragraph", "text": "一位同学专程送来感谢信：“老师们辛苦了！”"},
    ]
    assert "新建单位：机关党委" in run.stderr


def test_add_with_body_file_and_json(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "story.txt"
    body.write_text(STORY, encoding="utf-8")
    run = cli.ok(
        "add",
        "--kind",
        "story",
        "--title",
        "迎新",
        "--unit",
        "文学院党委",
        "--tag",
        "迎新",
        "--tag",
        "志愿服务",
        "--body-file",
        str(body),
        "--json",
    )
    data = run.json()
    assert data["title"] == "迎新" and data["tags"] == ["迎新", "志愿服务"]
    assert isinstance(data["id"], int)


def test_add_api_matches_cli(library: Library) -> None:
    data = validate_record(
        {
            "title": "机关党委：党建引领聚合力",
            "unit": "机关党委",
            "tags": ["共同缔造", "决策共谋"],
            "date": "2022.10.20",
            "body": [Block.heading("身入心至下基层"), Block.paragraph("正文。")],
        }
    )
    with library.session() as session:
        change = add_record(session, data)
        record = record_to_json(change.record, body=True)
    assert record["tags"] == ["共同缔造", "决策共谋"]
    assert record["body"][0] == {"type": "heading", "text": "身入心至下基层", "level": 1}
    assert change.notes == ["新建单位：机关党委"]  # the tags are in the default vocabulary


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "  ", "--unit", "机关党委"], "标题不能为空"),
        (["--unit", "机关党委"], "缺少标题"),
        (["--title", "题目"], "缺少单位"),
        (["--title", "题目", "--unit", "机关党委", "--date", "22-10-20"], "2022年10月20日"),
        (["--title", "题目", "--unit", "机关党委", "--kind", "poem"], "case（经验案例）"),
        (["--title", "题目", "--unit", "机关党委", "--tag", "共同 缔造"], "不能包含空格"),
        (
            ["--title", "题目", "--unit", "机关党委", "--body-file", "/nonexistent/x.txt"],
            "正文文件不存在",
        ),
    ],
)
def test_add_bad_input_is_one_line_and_writes_nothing(
    cli: Cli, args: list[str], message: str
) -> None:
    run = cli("add", *args, input="正文一段。\n")
    assert run.exit_code == 1
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert cli.ok("list", "--json").json() == []
    assert "机关党委" not in [u["name"] for u in cli.ok("units", "--json").json()]


def test_add_body_not_utf8(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "gbk.txt"
    body.write_bytes("机关党委组织党员干部下沉一线。".encode("gbk"))
    run = cli("add", "--title", "题目", "--unit", "机关党委", "--body-file", str(body))
    assert run.exit_code == 1 and "不是 UTF-8" in run.stderr


def test_add_empty_body(cli: Cli) -> None:
    run = cli("add", "--title", "题目", "--unit", "机关党委", input="\n\n")
    assert run.exit_code == 1 and "正文不能为空" in run.stderr


EDITOR_SCRIPT = """import pathlib, sys
seen, body, path = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
text = path.read_text("utf-8")
pathlib.Path(seen).write_text(text, "utf-8")
path.write_text(text + body.replace("|", "\\n"), "utf-8")
"""


def _terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> Path:
    """A terminal session: prompts allowed, an editor that appends ``body`` ("|" for a line
    break) to the file it is given and keeps a copy of the template it saw."""
    import caselib.cli.records as records_cli

    monkeypatch.setattr(records_cli, "is_interactive", lambda: True)
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT, "utf-8")
    seen = tmp_path / "template.md"
    monkeypatch.setenv("EDITOR", f'{sys.executable} {script} {seen} "{body}"')
    return seen


def test_add_on_a_terminal_asks_kind_title_unit_date_and_tags(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _terminal(
        monkeypatch, tmp_path, "|## 一、背景||迎新第一天，党员干部在校门口帮新生搬行李。|"
    )
    answers = "story\n机关党委：迎新路上的暖心身影\n机关党委\n2022年8月27日\n暖心 迎新，共同缔造\n"
    run = cli.ok("add", "--json", input=answers)
    # the prompts went to stderr, the library's tags offered before the tag prompt
    for prompt in ("类型", "标题", "单位", "事件日期", "标签"):
        assert prompt in run.stderr
    assert "库中已有标签：\n" in run.stderr
    assert "\n  共同缔造：决策共谋、发展共建、建设共管、成果共享、效果共评\n" in run.stderr
    new_id = json.loads(run.stdout[run.stdout.index("{") :])["id"]
    data = cli.ok("show", str(new_id), "--json").json()
    assert (data["kind"], data["title"], data["unit"], data["date"]) == (
        "story",
        "机关党委：迎新路上的暖心身影",
        "机关党委",
        "2022-08-27",
    )
    assert data["tags"] == ["暖心", "迎新", "共同缔造"]
    assert data["body"] == [
        {"type": "heading", "text": "一、背景", "level": 1},
        {"type": "paragraph", "text": "迎新第一天，党员干部在校门口帮新生搬行李。"},
    ]
    # the template showed the layout: the answers as front matter, hints on the body
    template = seen.read_text("utf-8")
    assert template.startswith("---\n# 新记录")
    assert (
        "kind: story\ntitle: 机关党委：迎新路上的暖心身影\nunit: 机关党委\ndate: 2022-08-27"
        in template
    )
    assert "tags: [暖心, 迎新, 共同缔造]" in template
    assert "\nauthor:\ncontact:\nsummary:\n---\n" in template  # the optional fields, empty
    assert "## 一级小标题" in template and "暖心故事：写一件具体的事" in template
    # what was saved, not a bare number
    assert (
        f"已新增记录 {new_id}：机关党委：迎新路上的暖心身影（机关党委，暖心故事，2022-08-27；"
        "标签：暖心、迎新、共同缔造；正文 25 字）" in run.stderr
    )


def test_add_on_a_terminal_asks_again_after_a_bad_kind_or_date(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _terminal(monkeypatch, tmp_path, "|经验案例正文。|")
    answers = "新闻\n案例\n文学院党委：经典共读\n文学院党委\n2022-02-30\n\n\n"
    run = cli.ok("add", input=answers)
    assert "类型只能是 case（经验案例）或 story（暖心故事）" in run.stderr
    assert "无法识别的日期“2022-02-30”" in run.stderr
    data = cli.ok("show", run.stdout.strip().splitlines()[-1], "--json").json()
    assert (data["kind"], data["date"], data["tags"]) == ("case", None, [])


def test_add_in_an_editor_left_unchanged_adds_nothing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import caselib.cli.records as records_cli

    monkeypatch.setattr(records_cli, "is_interactive", lambda: True)
    monkeypatch.setenv("EDITOR", "true")
    run = cli(
        "add", "-t", "机关党委：迎新", "-u", "机关党委", "-k", "case", "-d", "", "--tag", "迎新"
    )
    assert run.exit_code == 1 and run.stderr.endswith("错误：编辑器中未做修改：未新增记录\n")
    assert cli.ok("list", "--json").json() == []


def test_a_malformed_new_record_is_kept_aside(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _terminal(monkeypatch, tmp_path, "|正文。|")
    run = cli(
        "add",
        "-t",
        "题目",
        "-u",
        "机关党委",
        "-k",
        "case",
        "-d",
        "",
        "--tag",
        "迎新",
        "--status",
        "已完成",
    )
    assert run.exit_code == 1
    assert "状态“已完成”无效" in run.stderr
    kept = next(tmp_path.glob("caselib-add-*.md"))
    assert f"未新增记录；您写的内容已留在 {kept}" in run.stderr
    assert kept.read_text("utf-8").endswith("\n正文。\n")
    assert cli.ok("list", "--json").json() == []


@pytest.mark.parametrize(
    ("env", "platform", "on_path", "expected"),
    [
        ({"VISUAL": "code -w", "EDITOR": "vim"}, "linux", ["nano"], "code -w"),
        ({"EDITOR": "vim"}, "linux", ["nano"], "vim"),
        ({}, "linux", ["nano", "vi"], "nano"),
        ({}, "linux", ["vi"], "vi"),
        ({}, "win32", [], "notepad"),
    ],
)
def test_the_editor_is_visual_then_editor_then_a_sensible_default(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    platform: str,
    on_path: list[str],
    expected: str,
) -> None:
    import shutil

    from caselib.cli import common

    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(common.sys, "platform", platform)
    monkeypatch.setattr(
        shutil, "which", lambda name: f"/usr/bin/{name}" if name in on_path else None
    )
    assert common.choose_editor() == expected


def test_no_editor_at_all_is_one_chinese_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import caselib.cli.records as records_cli

    monkeypatch.setattr(records_cli, "is_interactive", lambda: True)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    run = cli("add", "-t", "题目", "-u", "机关党委", "-k", "case", "-d", "", "--tag", "迎新")
    assert run.exit_code == 1
    assert run.stderr.endswith("错误：找不到文本编辑器：请设置环境变量 EDITOR（如 EDITOR=nano）\n")


def test_add_from_stdin_says_what_was_saved(cli: Cli) -> None:
    run = cli.ok(
        "add",
        "-t",
        "文学院党委：经典共读",
        "-u",
        "文学院党委",
        "--tag",
        "理论学习",
        input="正文一段。\n",
    )
    rid = int(run.stdout)
    assert run.stderr.endswith(
        f"已新增记录 {rid}：文学院党委：经典共读（文学院党委，经验案例；标签：理论学习；正文 5 字）\n"
    )


def test_show_unknown_record(cli: Cli) -> None:
    run = cli("show", "999")
    assert run.exit_code == 1 and run.stderr.strip() == "错误：记录不存在：999"


def test_show_renders_title_and_body(sample: Cli) -> None:
    first = sample.ok("list", "--json").json()[0]
    run = sample.ok("show", str(first["id"]))
    assert first["title"][:10] in run.stdout


def _add(cli: Cli, title: str = "机关党委：党建引领聚合力", **extra: str) -> int:
    args = ["add", "--title", title, "--unit", "机关党委"]
    for key, value in extra.items():
        args += [f"--{key}", value]
    return int(cli.ok(*args, input="正文第一段。\n正文第二段。\n").stdout)


def test_edit_with_editor_saves_valid_changes(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import caselib.cli.records as records_cli

    rid = _add(cli)
    monkeypatch.setattr(records_cli, "is_interactive", lambda: True)
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys\np=sys.argv[1]\nt=open(p,encoding='utf-8').read()\n"
        "t=t.replace('status: submitted','status: reviewing').replace('正文第二段。','正文第二段（已修改）。')\n"
        "open(p,'w',encoding='utf-8').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    cli.ok("edit", str(rid))
    data = cli.ok("show", str(rid), "--json").json()
    assert data["status"] == "reviewing"
    assert data["body"][1]["text"] == "正文第二段（已修改）。"


def test_invalid_edit_is_shown_and_nothing_saved(cli: Cli, tmp_path: Path) -> None:
    rid = _add(cli)
    before = cli.ok("show", str(rid), "--json").json()
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\nkind: case\ntitle: 新题目\nunit: 机关党委\ndate: 2022-02-30\n---\n\n正文。\n", "utf-8"
    )
    run = cli("edit", str(rid), "--file", str(bad))
    assert run.exit_code == 1 and "无法识别的日期" in run.stderr
    assert cli.ok("show", str(rid), "--json").json() == before


def test_edit_needs_a_terminal(cli: Cli) -> None:
    rid = _add(cli)
    run = cli("edit", str(rid))
    assert run.exit_code == 1 and "终端" in run.stderr


def test_rm_trash_restore_and_purge(cli: Cli) -> None:
    keep = _add(cli, "机关党委：保留")
    rid = _add(cli, "机关党委：删除")
    cli.ok("rm", str(rid))
    assert [r["id"] for r in cli.ok("list", "--json").json()] == [keep]
    assert [r["id"] for r in cli.ok("trash", "--json").json()] == [rid]
    cli.ok("restore", str(rid))
    assert cli.ok("trash", "--json").json() == []
    assert {r["id"] for r in cli.ok("list", "--json").json()} == {keep, rid}
    run = cli("rm", str(rid), "--purge")  # no terminal, no --yes: refused
    assert run.exit_code == 1
    cli.ok("rm", str(rid), "--purge", "--yes")
    assert cli("show", str(rid)).exit_code == 1


def test_rm_unknown_leaves_others(cli: Cli) -> None:
    rid = _add(cli)
    run = cli("rm", str(rid), "404")
    assert run.exit_code == 1 and "404" in run.stderr
    assert [r["id"] for r in cli.ok("list", "--json").json()] == [rid]


def test_tag_adds_and_removes(cli: Cli) -> None:
    rid = _add(cli, tag="旧标签")
    run = cli.ok("tag", str(rid), "+共同缔造", "+决策共谋", "-旧标签", "--json")
    assert run.json()["tags"] == ["共同缔造", "决策共谋"]


def test_tag_duplicate_and_unknown(cli: Cli) -> None:
    rid = _add(cli, tag="共同缔造")
    run = cli("tag", str(rid), "+共同缔造")
    assert run.exit_code == 1 and "已有标签" in run.stderr
    run = cli("tag", str(rid), "-共同缔早")
    assert run.exit_code == 1 and "共同缔造" in run.stderr  # suggests the closest name
    assert cli.ok("show", str(rid), "--json").json()["tags"] == ["共同缔造"]


def test_api_errors(library: Library) -> None:
    with library.session() as session, pytest.raises(NotFoundError):
        get_record(session, 1)
    data = validate_record(
        {"title": "题", "unit": "文学院党委", "tags": ["暖心"], "body": [Block.paragraph("正文。")]}
    )
    with library.session() as session:
        rid = add_record(session, data).record.id
    assert rid is not None
    with library.session() as session:
        trash_record(session, rid)
    with library.session() as session, pytest.raises(InvalidInputError):
        trash_record(session, rid)
    with library.session() as session:
        restore_record(session, rid)
    with library.session() as session, pytest.raises(ConflictError):
        change_tags(session, rid, ["暖心"], [])
