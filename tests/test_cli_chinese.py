"""Chinese all the way down: help pages, usage errors, the shipped catalogue, completion."""

from __future__ import annotations

import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselib.cli import app, command_tree
from tests.conftest import Cli

LOCALE = Path(__file__).resolve().parent.parent / "src" / "caselib" / "locale" / "zh_CN"
PO = LOCALE / "LC_MESSAGES" / "caselib.po"
MO = LOCALE / "LC_MESSAGES" / "caselib.mo"
ENGLISH = (
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Show this message",
    "default:",
    "required",
    "env var",
    "Error",
    "Try '",
    "Invalid value",
    "No such",
    "Missing",
    "Possible options",
    "Did you mean",
    "Got unexpected",
    "requires",
    "Aborted",
)
TYPE_LABELS = re.compile(r"<[a-z]|\{[a-z_]+\}|int range|list\[")


def command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(path: list[str], command: object) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    walk([], command_tree())
    return paths


def params() -> list[tuple[str, object]]:
    """Every parameter that takes a value (flags take none), with its command's path."""
    found: list[tuple[str, object]] = []

    def walk(path: str, command: object) -> None:
        found.extend(
            (path, p)
            for p in getattr(command, "params", [])
            if not getattr(p, "is_flag", False) and not getattr(p, "hidden", False)
        )
        for name, sub in getattr(command, "commands", {}).items():
            walk(f"{path} {name}".strip(), sub)

    walk("", command_tree())
    return found


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "caselib")
def test_every_help_page_is_chinese(path: list[str]) -> None:
    code, out, err = invoke(*path, "--help")
    assert code == 0, err
    assert out.startswith("用法：caselib"), out[:200]
    assert "选项：" in out and "显示本帮助并退出。" in out
    for word in ENGLISH:
        assert word not in out, (path, word)
    assert not TYPE_LABELS.search(out), (path, TYPE_LABELS.search(out))


def test_help_shows_defaults_required_and_environment_in_chinese() -> None:
    _, out, _ = invoke("--help")
    assert "--db 路径" in out and "[环境变量：CASELIB_DB]" in out and "命令：" in out
    _, out, _ = invoke("review", "--help")  # the group: one record's review, or the sheets
    assert "用法：caselib review 编号 --reviewer" in out and "命令：" in out
    _, out, _ = invoke("review", "12", "--help")  # one record's review
    assert "用法：caselib review [选项] 编号" in out
    assert "-r, --reviewer 姓名" in out and "[必填]" in out and "参数：" in out
    _, out, _ = invoke("list", "--help")
    assert "--sort 排序" in out and "[默认：date]" in out and "-n, --limit 数量" in out
    _, out, _ = invoke("rm", "--help")
    assert "用法：caselib rm [选项] 编号..." in out


def test_help_lines_fit_the_terminal_counting_chinese_as_two_columns() -> None:
    from caselib.cli.zh import width

    for path in (["add"], ["export"], []):
        _, out, _ = invoke(*path, "--help")
        assert max(width(line) for line in out.splitlines()) <= 80, path


@pytest.mark.parametrize("path_param", params(), ids=lambda pp: f"{pp[0]} {pp[1].name}")  # type: ignore[attr-defined]
def test_every_value_has_a_chinese_metavar(path_param: tuple[str, object]) -> None:
    _, param = path_param
    metavar = getattr(param, "metavar", None)
    assert metavar and re.search(r"[\u4e00-\u9fff]", metavar), (path_param[0], param)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list", "--db", "b.db"], "--db 是 caselib 本身的选项，要写在命令之前"),
        (["list", "--bogus"], "没有选项 --bogus"),
        (["list", "--tga", "x"], "没有选项 --tga（可能是："),
        (["list", "-n", "-1"], "-n, --limit 的值无效：不能小于 0：-1"),
        (["list", "-n", "许多"], "-n, --limit 的值无效：应为整数：许多"),
        (["list", "-n"], "选项 '-n' 后面需要一个值"),
        (["show"], "缺少参数 编号"),
        (["show", "abc"], "编号 的值无效：应为整数：abc"),
        (["review", "1", "-s", "典型性=4"], "缺少选项 -r, --reviewer"),
        (["dupes", "--threshold", "2"], "不能大于 1"),
        (["info", "多余"], "多余的参数：多余"),
        (["lsit"], "没有命令 'lsit'（是不是 list？）"),
        (["shortlist"], "缺少命令"),
        (["--bogus"], "没有选项 --bogus"),
        (["show", "\x1b[31m"], "\\x1b[31m"),  # control characters shown, not sent to the terminal
    ],
)
def test_usage_errors_are_one_chinese_line(cli: Cli, args: list[str], expected: str) -> None:
    run = cli(*args)
    assert run.exit_code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("错误：") and expected in lines[0], lines[0]
    assert "查看用法" in lines[0]
    for word in ENGLISH:
        assert word not in lines[0], word
    assert "\x1b" not in run.stderr


def _po_entries() -> dict[tuple[str | None, str], str]:
    """msgctxt/msgid -> msgstr of the .po file (single-line strings, as the file keeps them)."""
    entries: dict[tuple[str | None, str], str] = {}
    context: str | None = None
    msgid: str | None = None
    for line in PO.read_text("utf-8").splitlines():
        if line.startswith("msgctxt "):
            context = line[len("msgctxt ") :].strip().strip('"')
        elif line.startswith("msgid "):
            msgid = line[len("msgid ") :].strip()[1:-1]
        elif line.startswith("msgstr ") and msgid:
            entries[(context, msgid.replace('\\"', '"'))] = line[len("msgstr ") :].strip()[1:-1]
            context = msgid = None
    return entries


def test_the_compiled_catalogue_matches_its_source() -> None:
    entries = _po_entries()
    assert len(entries) > 40
    with MO.open("rb") as handle:
        compiled = GNUTranslations(handle)
    for (context, msgid), msgstr in entries.items():
        got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert got == msgstr, (msgid, "run msgfmt -o caselib.mo caselib.po")
        assert re.search(r"[\u4e00-\u9fff]", msgstr) or msgstr.startswith("["), msgid


def test_the_catalogue_is_installed_with_the_package() -> None:
    import tomllib

    project = tomllib.loads((PO.parents[4].parent / "pyproject.toml").read_text("utf-8"))
    data = project["tool"]["setuptools"]["package-data"]["caselib"]
    assert "locale/*/LC_MESSAGES/*.mo" in data


def test_every_english_message_looked_up_has_a_translation() -> None:
    """The strings caselib.cli.zh and typer.core look up are all in the catalogue."""
    import typer.core

    from caselib.cli import zh

    wanted = set(re.findall(r'\b_\("((?:[^"\\]|\\.)*)"\)', Path(zh.__file__).read_text("utf-8")))
    wanted |= set(zh._FORMATTED)
    wanted |= set(re.findall(r'\b_\("((?:[^"\\]|\\.)*)"\)', Path(typer.core.__file__).read_text()))
    known = {msgid for (context, msgid) in _po_entries() if context is None}
    assert wanted and not wanted - known, wanted - known


def test_install_completion_writes_the_script_and_completion_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer._completion_shared

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: None)
    result = CliRunner().invoke(app, ["--install-completion"])
    assert result.exit_code == 0, result.output
    assert "已为 bash 安装 caselib 的命令补全" in result.stderr
    script = tmp_path / ".bash_completions" / "caselib.sh"
    assert "_CASELIB_COMPLETE" in script.read_text()
    assert "caselib.sh" in (tmp_path / ".bashrc").read_text()
    # what the shell then asks: complete "caselib sea" and "caselib list --u"
    env = {"_CASELIB_COMPLETE": "complete_bash", "COMP_WORDS": "caselib sea", "COMP_CWORD": "1"}
    result = CliRunner().invoke(app, [], env=env, prog_name="caselib")
    assert result.stdout.split() == ["search"]
    env.update(COMP_WORDS="caselib list --u", COMP_CWORD="2")
    result = CliRunner().invoke(app, [], env=env, prog_name="caselib")
    assert "--unit" in result.stdout.split() and "--until" in result.stdout.split()


def test_completion_for_an_unknown_shell_is_refused_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer._completion_shared

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: None)
    result = CliRunner().invoke(app, ["--install-completion"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "错误：无法为当前的 shell（tcsh）安装补全：支持 bash、zsh、fish 和 PowerShell"
    )
    assert not any(tmp_path.iterdir())


def test_a_confirmation_asks_again_in_chinese(sample: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import caselib.cli.records

    monkeypatch.setattr(caselib.cli.records, "is_interactive", lambda: True)
    run = sample("rm", "3", "--purge", input="也许\ny\n")
    assert run.exit_code == 0, run.stderr
    assert "请回答 y（是）或 n（否）" in run.stderr and "已永久删除记录 3" in run.stderr
    for word in ENGLISH + ("invalid",):
        assert word not in run.stderr, word
    assert sample("show", "3").exit_code == 1
    run = sample("rm", "4", "--purge", input="\n")  # Enter alone: no
    assert run.exit_code == 1 and sample("show", "4").exit_code == 0
    run = sample("rm", "4", "--purge", input="")  # end of input: cancelled, in Chinese
    assert run.exit_code == 1 and "已取消" in run.stderr and "Aborted" not in run.stderr
