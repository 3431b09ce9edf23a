"""Consoles that cannot show Chinese, arguments that are not UTF-8, and numbers too large for
the library: each gets a degraded or one-line Chinese answer, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

HUGE = "99999999999999999999"


def caselib(db: Path, *args: str | bytes, encoding: str) -> subprocess.CompletedProcess[bytes]:
    """The real program in a child process whose console encoding is ``encoding``."""
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100", "CASELIB_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "caselib", *args], env=env, capture_output=True, timeout=120
    )


@pytest.mark.parametrize(
    ("encoding", "args"),
    [
        ("ascii", ["list"]),
        ("ascii", ["search", "党建"]),
        ("ascii", ["show", "1"]),
        ("ascii", ["stats"]),
        ("ascii", ["tags"]),
        ("gbk", ["tag", "suggest", "1"]),  # the ✓ column is not in GBK
        ("gbk", ["rank", "--explain"]),
    ],
)
def test_a_console_that_cannot_show_chinese_gets_replacement_characters(
    sample: Cli, encoding: str, args: list[str]
) -> None:
    run = caselib(sample.db, *args, encoding=encoding)
    assert run.returncode == 0, run.stderr.decode(encoding, "replace")
    assert b"Traceback" not in run.stderr
    shown = run.stdout.decode(encoding)  # what the console receives is valid in its encoding
    assert shown.strip()
    if encoding == "gbk":  # GBK has Chinese: it is shown, only what GBK lacks is replaced
        assert "共同缔造" in shown or "标签" in shown


@pytest.mark.parametrize("encoding", ["ascii", "gbk"])
@pytest.mark.parametrize("args", [["list", "--json"], ["show", "1", "--json"], ["tags", "--json"]])
def test_json_is_escaped_not_mangled_when_the_console_cannot_encode_it(
    sample: Cli, encoding: str, args: list[str]
) -> None:
    expected = sample.ok(*args).json()
    run = caselib(sample.db, *args, encoding=encoding)
    assert run.returncode == 0, run.stderr.decode(encoding, "replace")
    assert json.loads(run.stdout.decode(encoding)) == expected


def test_json_keeps_chinese_as_it_is_on_a_utf8_console(sample: Cli) -> None:
    run = caselib(sample.db, "show", "1", "--json", encoding="utf-8")
    text = run.stdout.decode("utf-8")
    assert "\\u" not in text
    assert json.loads(text)["unit"] in text


def test_list_json_into_a_utf8_pipe_is_one_record_a_line(sample: Cli) -> None:
    """``list --json`` writes the objects SQLite built as bytes: Chinese as it is, one record
    a line, the same records as ``show --json`` gives."""
    run = caselib(sample.db, "list", "--json", encoding="utf-8")
    lines = run.stdout.decode("utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 14 + 2
    records = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert all("\\u" not in line for line in lines)
    shown = sample.ok("show", str(records[0]["id"]), "--json").json()
    assert records[0] == {k: v for k, v in shown.items() if k not in ("body", "history")}


@pytest.mark.parametrize(
    "args", [[b"search", "党建".encode("gbk")], [b"list", b"--unit", "机关党委".encode("gbk")]]
)
def test_gbk_bytes_on_the_command_line_get_one_chinese_line(sample: Cli, args: list[bytes]) -> None:
    run = caselib(sample.db, *args, encoding="utf-8")
    assert run.returncode == 2
    lines = run.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and "UTF-8" in lines[0], lines
    assert run.stdout == b""


def test_surrogate_escaped_arguments_are_refused_in_process(sample: Cli) -> None:
    # how Python hands over the GBK bytes of 党建 on a UTF-8 system
    run = sample("search", "党建".encode("gbk").decode("utf-8", "surrogateescape"))
    assert run.exit_code == 2 and run.stderr.startswith("错误：") and run.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["show", HUGE],
        ["show", "9223372036854775808"],
        ["rm", "1", HUGE],
        ["restore", HUGE],
        ["tag", HUGE, "+共同缔造"],
        ["tag", "suggest", HUGE],
        ["export", HUGE, "-F", "json"],
        ["review", HUGE, "-r", "张三", "-s", "典型性=4"],
        ["reviews", HUGE],
        ["report", HUGE, "--to", "省委教育工委"],
        ["adopt", HUGE, "--by", "省委教育工委工作简报第8期", "--level", "省级"],
        ["bulletin", "show", HUGE],
        ["bulletin", "show", f"2022-{HUGE}"],
        ["list", "-n", HUGE],
        ["list", "--offset", HUGE],
        ["search", "党建", "-n", HUGE],
        ["shortlist", "add", "季度报送", HUGE],
        ["rank", "--top", HUGE],
        [
            "export",
            "--all",
            "-F",
            "docx",
            "--issue",
            HUGE,
            "--series",
            "党建工作简报",
            "-o",
            "x.docx",
        ],
    ],
)
def test_a_number_too_large_is_out_of_range_not_an_overflow(sample: Cli, args: list[str]) -> None:
    run = sample(*args)  # an OverflowError would be raised here by the Cli helper
    assert run.exit_code in (1, 2), run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), run.stderr
    assert "超出范围" in lines[0] or "不存在" in lines[0], lines[0]


@pytest.mark.parametrize("args", [["tag", "²", "+共同缔造"], ["tag", "suggest", "²"]])
def test_a_digit_that_is_not_a_decimal_number_is_a_usage_mistake(
    sample: Cli, args: list[str]
) -> None:
    run = sample(*args)  # "²".isdigit() is true, yet int("²") raises ValueError
    assert run.exit_code == 1
    assert run.stderr.strip() in (
        "错误：用法：caselib tag 记录编号 +标签 -标签",
        "错误：用法：caselib tag suggest 记录编号",
    )


def test_full_width_digits_name_the_record(sample: Cli) -> None:
    assert "记录 1 的标签：" in sample.ok("tag", "１", "+全角编号").stderr
