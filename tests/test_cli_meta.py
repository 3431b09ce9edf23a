"""The command line as a whole: help everywhere, documented in the README, light start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from caselib.cli import command_tree, registry
from caselib.cli.commands import COMMANDS

from .conftest import ROOT

# (pydantic is not listed: typer itself loads it to parse the parameters of a command.)
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "docx",
    "openpyxl",
    "xlsxwriter",
    "rapidfuzz",
    "lxml",
    "yaml",
    "psycopg",
)


def _commands() -> list[tuple[str, typer.models.CommandInfo | typer.models.TyperInfo]]:
    found: list[tuple[str, typer.models.CommandInfo | typer.models.TyperInfo]] = []
    app = registry()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        found.append((name, command))
    for group in app.registered_groups:
        found.append((str(group.name), group))
        for sub in group.typer_instance.registered_commands:  # type: ignore[union-attr]
            found.append((f"{group.name} {sub.name}", sub))
    return found


def test_every_command_has_chinese_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, info in _commands():
        callback = getattr(info, "callback", None)
        doc = (getattr(info, "help", None) or (callback.__doc__ if callback else "") or "").strip()
        if not doc and hasattr(info, "typer_instance"):
            doc = str(info.typer_instance.info.help or "")  # type: ignore[union-attr]
        assert doc and any("\u4e00" <= ch <= "\u9fff" for ch in doc), name
        top = name.split()[0]
        assert f"caselib {top}" in readme, f"caselib {top} is not documented in README.md"


def test_command_table_lists_every_command_with_its_help_line() -> None:
    """``caselib --help`` lists the commands from a table (the commands themselves are built
    only when run): the table holds each registered command once, in registration order,
    with the first sentence of its help; each is built from the module the table names."""
    tree = command_tree()
    registered = [name for name, _info in _commands() if " " not in name]
    assert list(COMMANDS) == list(tree.commands) == registered
    for name, command in tree.commands.items():
        module, line = COMMANDS[name]
        assert command.get_short_help_str(limit=1000).split("。")[0].rstrip("。…") == line, name
        assert not command.hidden, name


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["add", "--help"],
        ["search", "--help"],
        ["tags", "--help"],
        ["export", "--help"],
    ],
)
def test_help_does_not_import_heavy_libraries(args: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['caselib', *{args!r}]\n"
        "from caselib.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "caselib", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("caselib ")


def test_usage_error_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "caselib", "show"], capture_output=True, text=True
    )
    assert result.returncode == 2
