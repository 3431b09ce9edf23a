"""Chinese for what Typer prints itself: help layout, usage lines and usage errors.

Typer bundles its own copy of Click, whose help headings and error messages are plain English;
``typer.core`` marks a few of its own strings for gettext. The catalogue
``caselib/locale/zh_CN/LC_MESSAGES/caselib.po`` (compiled to ``caselib.mo`` beside it) holds
the Chinese for all of them, with the English originals as msgids. This module installs the
catalogue into ``typer.core``, formats help pages with it (Chinese usage line, option names
with their metavar, ``[默认：…]``) and turns Click's usage errors into one Chinese line.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Callable
from difflib import get_close_matches
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

import typer
import typer.core
from typer._click.exceptions import UsageError
from typer._click.formatting import join_options
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from caselib.cli.coercion import install
from caselib.cli.common import MAX_NUMBER

GLOBAL_OPTIONS = ("--db", "--version")  # options of `caselib` itself, not of a command

_MO = Path(__file__).resolve().parent.parent / "locale" / "zh_CN" / "LC_MESSAGES" / "caselib.mo"


def _load() -> NullTranslations:
    try:
        with _MO.open("rb") as handle:
            return GNUTranslations(handle)
    except OSError:  # a broken install: English rather than a crash
        return NullTranslations()


CATALOGUE = _load()
_ = CATALOGUE.gettext
# typer.core looks its help headings, "[default: …]", "[required]" and "Aborted!" up through
# the module-level name ``_`` (gettext.gettext, which follows the user's locale): use ours.
typer.core._ = _  # type: ignore[attr-defined]


def printable(text: str) -> str:
    """``text`` with control characters (and lone surrogates) shown as escapes."""
    return "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else ascii(ch)[1:-1]
        for ch in text
    )


# ---- help pages


def _range(param: Any) -> str | None:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if high == MAX_NUMBER:  # an id or a count: its bounds go without saying
        return None
    if low is not None and high is not None:
        return f"{low}～{high}"
    if low is not None:
        return f"不小于 {low}"
    if high is not None:
        return f"不大于 {high}"
    return None


def _default(param: Any) -> str | None:
    if param.show_default is False or param.param_type_name != "option":
        return None
    if isinstance(param.show_default, str):
        return param.show_default
    value = param.default
    if value is None or isinstance(value, bool) or callable(value) or value in ("", [], ()):
        return None
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(getattr(value, "value", value))


def _fallback_metavar(param: Any) -> str:
    annotation = getattr(param.type_descriptor, "annotation", None)
    if annotation is int:
        return "整数"
    if annotation is float:
        return "数值"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "路径"
    return "文字"


def metavar(param: Any) -> str:
    """The word shown for the value of ``param`` (its metavar, else a Chinese word for its type)."""
    if param.metavar:
        return str(param.metavar)
    if param.param_type_name == "argument":
        return "参数"
    return _fallback_metavar(param)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (Chinese characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = "，。、；：？！）》」』”’…"  # punctuation that stays at the end of a line


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` terminal columns: Chinese may break after any
    character (but no line starts with a closing mark such as ，or ）), other words and
    ``[默认：…]`` only at their ends."""
    lines: list[str] = []
    line = ""
    used = 0  # width(line), kept as the line grows
    for token in re.findall(r"\[[^\]]{1,30}\]|[!-~]+| |[^ -~]", text):
        if token.isascii():
            size = len(token)
        elif len(token) == 1:  # one Chinese character or mark: most tokens of a help page
            size = 2 if unicodedata.east_asian_width(token) in "WF" else 1
        else:
            size = width(token)
        if not line or used + size <= columns:
            line += token
            used += size
            continue
        cut = len(line)
        if token in _NO_LINE_START:  # carry the last word and its marks over with it
            while cut > 0 and line[cut - 1] in _NO_LINE_START:
                cut -= 1
            if cut > 0 and "!" <= line[cut - 1] <= "~":
                while cut > 0 and "!" <= line[cut - 1] <= "~":
                    cut -= 1
            else:
                cut -= 1
            if cut <= 0:  # nothing to carry: let the mark overhang
                line += token
                used += size
                continue
        lines.append(line[:cut].rstrip())
        line = (line[cut:] + token).lstrip()
        used = width(line)
    if line.strip():
        lines.append(line.rstrip())
    return lines


def write_section(formatter: Any, heading: str, rows: list[tuple[str, str]]) -> None:
    """A help section (``选项：`` and its rows), aligned by terminal columns."""
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{heading}：\n")
    indent = formatter.current_indent + 2
    first = min(max(width(name) for name, _text in rows), 28) + 2
    columns = max(formatter.width - indent - first, 30)
    for name, text in rows:
        lines = wrap(text, columns) or [""]
        if width(name) + 2 > first:
            formatter.write(f"{'':>{indent}}{name}\n")
            pad = " " * (indent + first)
            for line in lines:
                formatter.write(f"{pad}{line}\n".rstrip(" ") if not line else f"{pad}{line}\n")
            continue
        formatter.write(f"{'':>{indent}}{name}{' ' * (first - width(name))}{lines[0]}\n")
        for line in lines[1:]:
            formatter.write(f"{' ' * (indent + first)}{line}\n")


def help_record(param: Any, ctx: Any) -> tuple[str, str] | None:
    """The two help columns of one parameter, in Chinese."""
    if param.hidden:
        return None
    if param.param_type_name == "argument":
        name = metavar(param) + ("..." if param.nargs != 1 else "")
    else:
        name = join_options(param.opts)[0]
        if param.secondary_opts:
            name += " / " + join_options(param.secondary_opts)[0]
        if not param.is_flag and not param.count:
            name += f" {metavar(param)}"
    text = _(param.help) if param.help else ""
    extra = []
    if param.param_type_name == "option" and param.show_envvar and param.envvar:
        extra.append(_("env var: {var}").format(var=param.envvar))
    default = _default(param)
    if default:
        extra.append(_("default: {default}").format(default=default))
    limits = _range(param)
    if limits:
        extra.append(limits)
    if param.required:
        extra.append(_("required"))
    if extra:
        text = f"{text}  [{'；'.join(extra)}]" if text else f"[{'；'.join(extra)}]"
    return name, text


class ChineseHelp:
    """Help page and usage line in Chinese; mixed into caselib's command and group classes."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [_("[OPTIONS]")]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if param.param_type_name != "argument":
                continue
            name = metavar(param)
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        if isinstance(self, TyperGroup):
            pieces.append(_("COMMAND [ARGS]..."))
        return pieces

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        install(self.get_params(ctx))  # type: ignore[attr-defined]
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except UsageError as exc:  # the parser's own errors come without the command
            if exc.ctx is None:
                exc.ctx, exc.cmd = ctx, ctx.command
            raise

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        text = inspect.cleandoc(getattr(self, "help", None) or "").partition("\f")[0]
        if not text:
            return
        indent = formatter.current_indent + 2
        for paragraph in text.split("\n\n"):
            formatter.write_paragraph()
            for line in wrap(" ".join(paragraph.split("\n")), formatter.width - indent):
                formatter.write(f"{'':>{indent}}{line}\n")

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def format_options(self, ctx: Any, formatter: Any) -> None:
        rows: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            record = help_record(param, ctx)
            if record is not None:
                rows[param.param_type_name].append(record)
        for kind, heading in (("argument", _("Arguments")), ("option", _("Options"))):
            if rows[kind]:
                write_section(formatter, heading, rows[kind])
        if isinstance(self, TyperGroup):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):  # type: ignore[attr-defined]
            command = self.get_command(ctx, name)  # type: ignore[attr-defined]
            if command is not None and not command.hidden:
                text = command.get_short_help_str(limit=1000)
                rows.append((name, text.split("。")[0].rstrip("。…")))
        if rows:
            write_section(formatter, _("Commands"), rows)


class ChineseCommand(ChineseHelp, TyperCommand):
    """A caselib command: Chinese help."""


class ChineseGroup(ChineseHelp, TyperGroup):
    """A group of caselib commands: Chinese help, and a Chinese guess at a mistyped command."""

    def command_names(self) -> list[str]:
        """The names a mistyped command is compared with."""
        return list(self.commands)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            guesses = get_close_matches(args[0], self.command_names()) if args else []
            if guesses and self.get_command(ctx, args[0]) is None:
                exc.message = f"{exc.message.rstrip('。')}（是不是 {'、'.join(guesses)}？）"
            raise


class ChineseTyper(typer.Typer):
    """A Typer whose commands and groups print Chinese help (sub-apps of caselib use it too)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", ChineseGroup)
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(**kwargs)

    def command(
        self, name: str | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", ChineseCommand)
        return super().command(name, **kwargs)


# ---- usage errors


def _param_hint(param: Any) -> str:
    if param is None:
        return ""
    if param.param_type_name == "option":
        return str(join_options(param.opts)[0])
    return metavar(param)


def _validation(exc: BaseException) -> str | None:
    """Chinese for a value that failed Typer's (pydantic's) validation."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if errors is None:
        return None
    try:
        first = errors()[0]
    except (IndexError, TypeError):
        return None
    limits = first.get("ctx") or {}
    kind = "too_large" if limits.get("le") == MAX_NUMBER else first["type"]
    text = CATALOGUE.pgettext("pydantic", kind)
    if text == first["type"]:
        text = CATALOGUE.pgettext("pydantic", "value_error")
    try:
        text = text.format(**limits)
    except (KeyError, IndexError, ValueError):
        text = CATALOGUE.pgettext("pydantic", "value_error")
    value = first.get("input")
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        text += f"：{printable(shown)}"
    return text


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)(?:!r)?\}", msgid)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


# Click's messages that arrive already formatted: matched back to their msgid, then translated
_FORMATTED = (
    "Option {name} requires an argument.",
    "Option {name} requires {count} arguments.",
    "Option {name} does not take a value.",
    "Got unexpected extra argument(s) ({args})",
    "Argument {name} takes {count} values.",
    "Value must be an iterable.",
    "Value {value} is not a valid {label}.",
)


def _formatted(message: str) -> str:
    translated = _(message)
    if translated != message:
        return translated
    for msgid in _FORMATTED:
        match = _pattern(msgid).match(message)
        if match:
            values = {k: printable(v) for k, v in match.groupdict().items()}
            return _(msgid).replace("{name!r}", "{name}").format(**values)
    if re.search(r"[A-Za-z]{3,}", message) and not re.search(r"[\u4e00-\u9fff]", message):
        return "命令行有误"  # an English message this catalogue does not know yet
    return printable(message)


def usage_message(exc: Any) -> str:
    """One Chinese line for one of Click's usage errors (without the leading 错误：)."""
    from typer._click import exceptions as click_errors

    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click_errors.NoSuchOption):
        name = printable(exc.option_name)
        if name.split("=")[0] in GLOBAL_OPTIONS and ctx is not None and ctx.parent is not None:
            root = ctx.find_root().info_name or "caselib"
            return f"{name} 是 {root} 本身的选项，要写在命令之前，如：{root} {name} … {ctx.info_name} …"
        text = _("No such option: {name}").format(name=name)
        if exc.possibilities:
            options = "、".join(sorted(exc.possibilities))
            text += _("(Possible options: {options})").format(options=options)
        return text
    if isinstance(exc, click_errors.MissingParameter):
        param = exc.param
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        msgid = {"argument": "Missing argument {hint}.", "option": "Missing option {hint}."}.get(
            kind, "Missing parameter {hint}."
        )
        return _(msgid).format(hint=_param_hint(param))
    if isinstance(exc, click_errors.BadParameter):
        message = _validation(exc) or _formatted(exc.message)
        hint = _param_hint(exc.param)
        if not hint:
            return _("Invalid value: {message}").format(message=message)
        return _("Invalid value for {hint}: {message}").format(hint=hint, message=message)
    return _formatted(str(exc.message))


def usage_line(exc: Any) -> str:
    """The whole line printed for a usage error: message and where to find help."""
    line = _("Error: {message}").format(message=usage_message(exc))
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        line += _("Try '{command} {option}' for help.").format(
            command=ctx.command_path, option=ctx.help_option_names[0]
        )
    return line
