"""The ``caselib`` command line: a thin client of the caselib package.

Command modules import the library only inside the commands, so ``caselib --help`` and
``--version`` never load SQLAlchemy, python-docx or other heavy packages. Only the command
being run is built (imported and read by Typer); ``caselib --help`` lists the commands from
the table in ``caselib.cli.commands``.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from caselib import __version__
from caselib.cli.commands import COMMANDS, MODULES
from caselib.cli.common import State, fail
from caselib.cli.zh import CATALOGUE, ChineseGroup, ChineseTyper, usage_line, write_section


class CaselibGroup(ChineseGroup):
    """Turns caselib's errors and Click's usage errors into one Chinese line on stderr
    (exit 1 and 2), and refuses arguments that are not text before anything runs.

    Its commands are built when named (``get_command``), not all at start-up."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def command_names(self) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            command = build(cmd_name)
            if command is None:
                return None
            self.commands[cmd_name] = command
        return self.commands[cmd_name]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, line) for name, (_module, line) in COMMANDS.items()]
        write_section(formatter, CATALOGUE.gettext("Commands"), rows)

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        argv = sys.argv[1:] if args is None else list(args)
        for arg in argv:
            if _undecodable(arg):
                typer.echo(
                    "错误：命令行参数不是 UTF-8 文本（终端可能在用 GBK 等编码，请改用 UTF-8）",
                    err=True,
                )
                sys.exit(2)
        from caselib.cli.completion import prepare

        prepare(kwargs.get("prog_name") or "caselib")
        return super().main(argv, *rest, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except NoArgsIsHelpError:
            raise
        except ClickException as exc:
            _usage_error(exc)

    def invoke(self, ctx: Any) -> Any:
        from caselib.errors import CaselibError

        try:
            return super().invoke(ctx)
        except CaselibError as exc:
            fail(str(exc))
        except NoArgsIsHelpError:
            raise
        except ClickException as exc:
            _usage_error(exc)
        except OverflowError:  # a number past what the library can hold (SQLite INTEGER)
            fail("数字太大，超出范围：库中没有这样的编号")
        except OSError as exc:  # a path the system refuses (too long, no permission, full disk)
            fail(_file_error(exc))
        except Exception as exc:
            from caselib.store.faults import from_database_error

            error = from_database_error(exc, ctx.obj.db if isinstance(ctx.obj, State) else None)
            if error is None:
                raise
            fail(str(error))
        except KeyboardInterrupt:
            typer.echo("已取消", err=True)
            raise typer.Exit(130) from None


def _undecodable(arg: str) -> bool:
    """True for an argument that held bytes that are not UTF-8 (Python keeps them as lone
    surrogates, which cannot be printed, searched or stored)."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in arg)


def _file_error(exc: OSError) -> str:
    """One Chinese line for a file operation the system refused, naming the file (its end
    only, when the name is too long to read)."""
    from caselib.errors import os_reason

    name = str(exc.filename) if exc.filename else ""
    if len(name) > 60:
        name = "…" + name[-40:]
    return f"文件操作失败：{os_reason(exc)}" + (f"：{name}" if name else "")


def _usage_error(exc: Any) -> Any:
    typer.echo(usage_line(exc), err=True)
    raise typer.Exit(exc.exit_code)


app = ChineseTyper(
    name="caselib",
    cls=CaselibGroup,
    help="caselib：经验案例与暖心故事库——收集、标注、检索、评审、择优报送、编印简报。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich help panels cost ~80 ms of start-up
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"caselib {__version__}")
        raise typer.Exit()


def _install_completion(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    if value:
        from caselib.cli import completion

        completion.install(ctx, param, value)


def _show_completion(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    if value:
        from caselib.cli import completion

        completion.show(ctx, param, value)


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="路径",
            envvar="CASELIB_DB",
            help="库的位置：文件路径或 SQLAlchemy URL（默认在用户数据目录）。",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出。"),
    ] = False,
    install_completion: Annotated[
        bool,
        typer.Option(
            "--install-completion",
            callback=_install_completion,
            is_eager=True,
            expose_value=False,
            help="为当前的 shell（bash、zsh、fish、PowerShell）安装命令补全。",
        ),
    ] = False,
    show_completion: Annotated[
        bool,
        typer.Option(
            "--show-completion",
            callback=_show_completion,
            is_eager=True,
            expose_value=False,
            help="显示当前 shell 的补全脚本（可复制或自行安装）。",
        ),
    ] = False,
) -> None:
    """caselib：经验案例与暖心故事库。"""
    ctx.obj = State(db=db)


def registry(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """A Typer holding what ``modules`` (names under ``caselib.cli``) register: their
    commands and sub-apps, not yet read (Typer reads a command's signature when building it)."""
    holder = ChineseTyper()
    for module in modules:
        import_module(f"caselib.cli.{module}").register(holder)
    return holder


def build(name: str) -> Any:
    """The Click command (or group) named ``name``, built from its module alone; None for a
    name that is no command."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    if name not in COMMANDS:
        return None
    holder = registry((COMMANDS[name][0],))
    for info in holder.registered_commands:
        assert info.callback is not None
        if (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    for group in holder.registered_groups:
        if group.name == name:
            return get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    return None


def command_tree() -> Any:
    """caselib's whole Click command tree, every command built (for tests and tools that
    walk it)."""
    group = typer.main.get_command(app)
    for name in group.list_commands(None):  # type: ignore[attr-defined]
        group.get_command(None, name)  # type: ignore[attr-defined]
    return group


def main() -> None:
    _degrade_output()
    app()


def _degrade_output() -> None:
    """On a console that cannot show every character (a GBK or ASCII terminal, or
    PYTHONIOENCODING), print what it can and replace the rest instead of crashing."""
    import io

    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")
