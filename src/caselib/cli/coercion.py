"""Option values converted without pydantic, for the values a command line usually holds.

Typer converts every parameter through a pydantic ``TypeAdapter``: importing pydantic and
building the adapters took about half of a read command's time. caselib's parameters are
plain ``str``, ``bool``, ``int`` and ``float`` (with bounds), ``Path`` and lists of these; a
value of the common form (``12``, ``0.5``, a text, a path) is converted here, directly. Anything
else — a value out of bounds, a sign, spaces, a form this module does not read — goes to
Typer's own converter, so every error (and every unusual value) is exactly what it was;
``tests/test_cli_coercion.py`` compares the two on every parameter of every command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer._click import Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path
from typer._typing import get_args, get_origin

_INT = re.compile(r"[1-9][0-9]{0,17}|0")  # no sign, space or underscore; within 2**63
_FLOAT = re.compile(r"(?:[1-9][0-9]{0,8}|0)(?:\.[0-9]{1,9})?")


class _Defer(Exception):
    """The value is not of a form converted here: Typer's converter decides."""


def _leaf(annotation: Any, descriptor: TypeDescriptor) -> Any:
    """A converter of one value, or None when this module does not handle the annotation."""
    info = descriptor.parameter_info
    if info.parser is not None or info.clamp:
        return None
    low, high = info.min, info.max

    def bounded(number: Any) -> Any:
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Defer
        return number

    if annotation is str:

        def text(value: Any, param: Any, ctx: Context) -> Any:
            if type(value) is not str:
                raise _Defer
            return value

        return text
    if annotation is bool:

        def flag(value: Any, param: Any, ctx: Context) -> Any:
            if type(value) is not bool:
                raise _Defer
            return value

        return flag
    if annotation is int:

        def integer(value: Any, param: Any, ctx: Context) -> Any:
            if type(value) is int:
                return bounded(value)
            if type(value) is not str or not _INT.fullmatch(value):
                raise _Defer
            return bounded(int(value))

        return integer
    if annotation is float:

        def number(value: Any, param: Any, ctx: Context) -> Any:
            if type(value) is not str or not _FLOAT.fullmatch(value):
                raise _Defer
            return bounded(float(value))

        return number
    if annotation is Path and not (
        info.path_type or info.resolve_path or info.allow_dash or descriptor.file_annotation
    ):

        def path(value: Any, param: Any, ctx: Context) -> Any:
            if type(value) is not str or not value or "\0" in value:
                raise _Defer
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)

        return path
    return None


@dataclass(frozen=True)
class DirectParam(RuntimeParam):
    """Converts the common values itself and hands the rest to Typer's converter."""

    convert: Any = None
    is_list: bool = False
    descriptor: TypeDescriptor | None = None
    _fallback: list[RuntimeParam] = field(default_factory=list)

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        try:
            if self.is_list:
                items = value if isinstance(value, (list, tuple)) else [value]
                return [self.convert(item, param, ctx) for item in items]
            return self.convert(value, param, ctx)
        except _Defer:
            return self.fallback()._coerce_value(value, param=param, ctx=ctx)

    def fallback(self) -> RuntimeParam:
        if not self._fallback:
            assert self.descriptor is not None
            self._fallback.append(build_runtime_param(self.descriptor))
        return self._fallback[0]


def direct_param(descriptor: TypeDescriptor) -> RuntimeParam | None:
    """A converter for ``descriptor`` that needs no pydantic for common values, or None."""
    annotation = descriptor.annotation
    is_list = get_origin(annotation) is list  # type: ignore[comparison-overlap]
    if is_list:
        (annotation,) = get_args(annotation)
    convert = _leaf(annotation, descriptor)
    if convert is None:
        return None
    return DirectParam(
        parameter_info=descriptor.parameter_info,
        annotation=descriptor.annotation,
        convert=convert,
        is_list=is_list,
        descriptor=descriptor,
    )


def install(params: list[Any]) -> None:
    """Give each of a command's parameters its direct converter (before any value is read)."""
    for param in params:
        if getattr(param, "_runtime_param", False) is None:
            param._runtime_param = direct_param(param.type_descriptor)
