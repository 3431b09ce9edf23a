"""Shell completion: ``caselib --install-completion`` and ``--show-completion``.

Typer writes the scripts (bash, zsh, fish, PowerShell) and answers the shell's requests; this
module detects the shell and says in Chinese what was done. At start-up only ``prepare`` runs
(a look at one environment variable); Typer's completion code loads when it is needed.
"""

from __future__ import annotations

import os
from typing import Any

import typer

from caselib.cli.common import fail, note

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def complete_var(prog_name: str) -> str:
    """The environment variable through which the shell asks for completions."""
    return "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())


def prepare(prog_name: str) -> None:
    """Make Typer's completion classes ready when the shell is asking for completions."""
    if os.environ.get(complete_var(prog_name)):
        from typer._completion_classes import completion_init

        completion_init()


def _shell() -> str:
    from typer._completion_shared import _get_shell_name

    name = _get_shell_name()
    if name is None:  # not run from a shell (shellingham found none): fall back on $SHELL
        name = os.path.basename(os.environ.get("SHELL", "")) or None
    if name not in SHELLS:
        fail(
            f"无法为当前的 shell（{name or '未识别'}）安装补全：支持 bash、zsh、fish 和 PowerShell"
        )
    assert name is not None
    return name


def install(ctx: Any, param: Any, value: bool) -> None:
    """``--install-completion``: add completion to the current shell's start-up file."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import install as install_script

    prog_name = ctx.find_root().info_name or "caselib"
    shell = _shell()
    shell, path = install_script(
        shell=shell, prog_name=prog_name, complete_var=complete_var(prog_name)
    )
    note(f"已为 {shell} 安装 {prog_name} 的命令补全（{path}），重新打开终端后生效")
    raise typer.Exit()


def show(ctx: Any, param: Any, value: bool) -> None:
    """``--show-completion``: print the completion script, to copy or adapt."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script

    prog_name = ctx.find_root().info_name or "caselib"
    typer.echo(
        get_completion_script(
            prog_name=prog_name, complete_var=complete_var(prog_name), shell=_shell()
        )
    )
    raise typer.Exit()
