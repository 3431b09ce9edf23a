"""The ``caselib`` command line: a thin client of the caselib package.

Command modules import the library only inside the commands, so ``caselib --help`` and
``--version`` never load SQLAlchemy, python-docx or other heavy packages.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from caselib import __version__
from caselib.cli.common import State, fail


class CaselibGroup(TyperGroup):
    """Turns caselib's errors into one Chinese line on stderr and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        from caselib.errors import CaselibError

        try:
            return super().invoke(ctx)
        except CaselibError as exc:
            fail(str(exc))
        except Exception as exc:
            from caselib.store.faults import from_database_error

            error = from_database_error(exc, ctx.obj.db if isinstance(ctx.obj, State) else None)
            if error is None:
                raise
            fail(str(error))
        except KeyboardInterrupt:
            typer.echo("已取消", err=True)
            raise typer.Exit(130) from None


app = typer.Typer(
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


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CASELIB_DB",
            help="库的位置：文件路径或 SQLAlchemy URL（默认在用户数据目录）。",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出。"),
    ] = False,
) -> None:
    """caselib：经验案例与暖心故事库。"""
    ctx.obj = State(db=db)


from caselib.cli import (  # noqa: E402
    browse,
    export,
    intake,
    library,
    records,
    review,
    sheets,
    taxonomy,
)

records.register(app)
browse.register(app)
intake.register(app)
export.register(app)
review.register(app)
sheets.register(app)
taxonomy.register(app)
library.register(app)


def main() -> None:
    app()
