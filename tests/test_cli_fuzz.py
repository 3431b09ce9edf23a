"""Fuzzing the command line: whatever a user types, caselib answers with exit code 0, 1 or 2,
never a traceback, and never shows SQL, Python module paths or web addresses.

The argument lists are drawn from the commands' own definitions (every command, every option,
every argument, found by walking the command tree), with values that are valid, invalid,
huge, negative, empty, Chinese or full of control characters, plus options that do not
exist and options given in the wrong place. All run against one library (the sample cases)
made once for the module; writing commands are free to change it, and every file they write
lands in the module's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from caselib.cli import app, command_tree
from tests.conftest import CASES_DIR, Cli

FORBIDDEN = ("Traceback", "SELECT ", "INSERT ", "sqlite3.", "sqlalchemy", "http://", "https://")


def _commands() -> list[tuple[list[str], Any]]:
    """Every runnable command as (path, click command), groups included."""
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    walk([], command_tree())
    return found


COMMANDS = _commands()


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding the library (sample cases imported), a few files to point at, and
    the working directory for relative output paths."""
    home = tmp_path_factory.mktemp("fuzz")
    db = home / "lib.db"
    from caselib.tags import init_library

    init_library(str(db))
    Cli(db).ok("import", str(CASES_DIR))
    shutil.copy(next(CASES_DIR.glob("*.md")), home / "一篇.md")
    (home / "gbk.txt").write_bytes("机关党委：编者按".encode("gbk"))
    (home / "out").mkdir()
    before = Path.cwd()
    os.chdir(home)
    try:
        yield home
    finally:
        os.chdir(before)


NUMBERS = [
    "1",
    "2",
    "7",
    "14",
    "0",
    "-1",
    "99999999999999999999",
    "9223372036854775808",
    "1.5",
    "²",
    "１２",
]
NASTY = [
    "",
    " ",
    "党建",
    "共同缔造",
    "机关党委",
    "\x1b[31m红\x1b[0m",
    "a\tb\nc",
    "\x07",
    "-",
    "--",
    "'",
    '"',
    "%",
    "_",
    "NEAR(",
    "OR",
    "-党建",
    "😀",
    "\u200b",
    "x" * 300,
]
BY_METAVAR: dict[str, list[str]] = {
    "编号": NUMBERS,
    "数量": NUMBERS,
    "期号": NUMBERS,
    "份数": NUMBERS,
    "位置": NUMBERS,
    "日期": ["2022-10-20", "2022年10月20日", "2022-13-45", "昨天", "0000-00-00", "99999-01-01"],
    "标签": ["共同缔造", "决策共谋", "不存在的标签", "党建/共同缔造"],
    "单位": ["机关党委", "计算机学院党委", "不存在的单位"],
    "类型": ["case", "story", "经验案例", "poem"],
    "状态": ["submitted", "shortlisted", "reported", "adopted", "unknown"],
    "格式": ["md", "json", "csv", "xlsx", "docx", "pdf", "DOCX"],
    "路径": ["out/", "out/x.json", "一篇.md", "missing/x.docx", "lib.db", "out/y.csv", "gbk.txt"],
    "文件": ["一篇.md", "gbk.txt", "missing.txt", "out", "lib.db"],
    "相似度": ["0", "0.5", "1", "2", "-0.1", "nan", "inf"],
    "简报": ["2022-13", "1", "2022-99999999999999999999", "2022年第13期", "13"],
    "名称": ["党建工作简报", "新系列"],
    "名单": ["2022年第四季度报送", "新名单"],
    "评分项=分数": ["典型性=4", "典型性=99", "=3", "典型性", "不存在=1", "创新性=-1"],
    "排序": ["date", "id", "title", "unit", "updated", "bogus"],
    "分组": ["unit", "tag", "month", "status", "bogus"],
    "指标": ["records", "reports", "adoption_rate", "points", "bogus"],
    "级别": ["校级", "省级", "国家级", "宇宙级"],
    "检索词": ["党建", "共同缔造 OR 暖心", '"机关党委"', "-党建", "NEAR(党建", "*"],
    "编号 ±标签": [
        "12",
        "+共同缔造",
        "-旧标签",
        "suggest",
        "1",
        "--json",
        "²",
        "１２",
        "99999999999999999999",
    ],
}


def _value(param: Any) -> st.SearchStrategy[str]:
    known = BY_METAVAR.get(param.metavar or "", [])
    return st.sampled_from(known + NASTY) if known else st.sampled_from(NASTY) | st.text(max_size=8)


@st.composite
def invocation(draw: st.DrawFn) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    params = [p for p in command.params if p.name not in ("install_completion", "show_completion")]
    for param in draw(st.lists(st.sampled_from(params), max_size=5)) if params else []:
        if param.param_type_name == "option":
            args.append(draw(st.sampled_from(param.opts)))
            if not param.is_flag:
                args.append(draw(_value(param)))
        else:
            args.extend(draw(st.lists(_value(param), min_size=1, max_size=3)))
    noise = st.sampled_from(
        ["--bogus", "-z", "--db", "--json", "-h", "--", "-1", "99999999999999999999"]
    )
    for _ in range(draw(st.integers(0, 2))):
        args.insert(draw(st.integers(len(path), len(args))), draw(noise))
    return args


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=invocation())
def test_any_command_line_gets_an_answer_not_a_traceback(fuzz_home: Path, args: list[str]) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(fuzz_home / "lib.db"), *args], input="")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"caselib {args!r} raised") from result.exception
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr)
    output = result.stdout + result.stderr
    for text in FORBIDDEN:
        assert text not in output, (args, text, output[-2000:])
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        # a usage error is one Chinese line (no args at all prints the help, which is fine)
        assert len(lines) == 1 and lines[0].startswith("错误："), (args, result.stderr)


def test_the_fuzzer_reaches_every_command() -> None:
    """The command tree walked above is the whole CLI (a new command is fuzzed without edits)."""
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {
        "list",
        "show",
        "export",
        "tag",
        "bulletin show",
        "shortlist add",
        "units merge",
    } <= names
    assert len(names) > 30


@pytest.mark.parametrize(
    "args",
    [
        ["backup", "-o", "备" * 300 + ".db"],
        ["export", "--all", "-o", "简报" * 150 + ".xlsx"],
        ["export", "--all", "-o", "a" * 300 + ".docx"],
        ["import", "收件箱" * 100 + ".docx"],
    ],
    ids=["backup", "xlsx", "docx", "import"],
)
def test_a_file_name_the_system_refuses_is_one_chinese_line(
    fuzz_home: Path, args: list[str]
) -> None:
    """A name longer than the file system allows (255 bytes) stops the command with the
    reason in Chinese, the name's end shown, nothing written."""
    run = Cli(fuzz_home / "lib.db")(*args)
    assert run.exit_code == 1, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), run.stderr
    assert "文件名过长" in lines[0] or "不存在" in lines[0], lines[0]
    written = [p.name for p in fuzz_home.rglob("*") if len(p.name) > 100 or ".tmp" in p.name]
    assert written == [], written
