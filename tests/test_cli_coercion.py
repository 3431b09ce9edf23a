"""Option values converted without pydantic give what Typer's own converter gives: the same
value, or the same Chinese usage error, for every parameter of every command."""

from __future__ import annotations

from typing import Any

import pytest
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from caselib.cli import command_tree
from caselib.cli.coercion import DirectParam, direct_param
from caselib.cli.zh import usage_message

SAMPLES = [
    "12", "0", "1", "007", "-1", "+3", " 4", "5 ", "1_000", "1.0", "0.5", "1.5", "2.", ".5",
    "1e3", "abc", "", "９", "१२", "9223372036854775807", "9223372036854775808",
    "99999999999999999999", "nan", "inf", "true", "no", "党建", "a\0b", "-", "./x.md",
    "/no/such/dir/x.md", "README.md", "tests",
]  # fmt: skip


def _params() -> list[tuple[str, Any]]:
    found = []

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            found.append((f"{path} {param.name}", param))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(command_tree(), "caselib")
    return found


def _outcome(runtime: Any, value: Any, param: Any) -> tuple[str, Any]:
    try:
        return "value", runtime.coerce(value, param=param, ctx=None)
    except BadParameter as exc:
        return "error", usage_message(exc)


PARAMS = _params()


def test_every_parameter_converts_without_pydantic() -> None:
    """Each kind of parameter caselib uses has a direct converter (none left to pydantic)."""
    missing = [name for name, param in PARAMS if direct_param(param.type_descriptor) is None]
    assert missing == []


@pytest.mark.parametrize("name,param", PARAMS, ids=[name for name, _param in PARAMS])
def test_direct_conversion_matches_typer(name: str, param: Any) -> None:
    direct = direct_param(param.type_descriptor)
    assert isinstance(direct, DirectParam)
    typer_own = build_runtime_param(param.type_descriptor)
    annotation = param.type_descriptor.annotation
    values: list[Any] = [(s,) if param.multiple or param.nargs == -1 else s for s in SAMPLES]
    if annotation is bool:
        values += [True, False]
    if param.multiple or param.nargs == -1:
        values += [("1", "2"), ("3", "x"), ()]
    for value in values:
        assert _outcome(direct, value, param) == _outcome(typer_own, value, param), value
