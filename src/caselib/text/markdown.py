"""The Markdown form of a record: YAML front matter, then the body.

Body blocks are separated by blank lines; ``## ``, ``### `` and ``#### `` mark headings of
level 1, 2 and 3; a table is a GitHub pipe table (a header row, a ``|---|`` separator row,
then the other rows); every other block is a paragraph (a paragraph that would start with
``#``, ``|`` or ``\\`` is written with a leading backslash). This is the format of the sample
library, of ``export --format md`` and of ``edit``.

In a table cell ``|`` is written ``\\|``, a backslash ``\\\\``, a line break ``<br>`` (and a
``<br`` of the text itself ``\\<br``), as GitHub reads them. A pipe table is read as GitHub reads
it: leading and trailing pipes optional, alignment colons ignored, cells trimmed, and every row
as wide as the header (short rows filled with empty cells, long ones cut).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from caselib.errors import InvalidInputError
from caselib.text.blocks import Block

FIELD_ORDER = (
    "kind",
    "title",
    "unit",
    "date",
    "end_date",
    "submitted",
    "author",
    "contact",
    "status",
    "tags",
    "summary",
    "source",
)
_HEADING = re.compile(r"^(#{2,4}) +(.*)$")


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines of one paragraph: no space between Chinese characters."""
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if text and not (_is_cjk(text[-1]) or _is_cjk(line[0])):
            text += " "
        text += line
    return text


def parse_body(text: str) -> list[Block]:
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip("\n")):
        lines = chunk.strip("\n").split("\n")
        if not chunk.strip():
            continue
        blocks.extend(_parse_chunk(lines))
    return blocks


def _parse_chunk(lines: list[str]) -> list[Block]:
    """The blocks of lines between blank lines: a heading, a paragraph, or a pipe table with
    the lines before it (a paragraph) and after it (read again) around it."""
    table = _find_table(lines)
    if table is not None:
        start, end, block = table
        before = _parse_chunk(lines[:start]) if start else []
        after = _parse_chunk(lines[end:]) if end < len(lines) else []
        return [*before, block, *after]
    match = _HEADING.match(lines[0].strip())
    if match and len(lines) == 1:
        return [Block.heading(match.group(2).strip(), len(match.group(1)) - 1)]
    paragraph = join_lines(lines)
    if paragraph.startswith("\\"):
        paragraph = paragraph[1:]
    return [Block.paragraph(paragraph)] if paragraph else []


def render_body(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        if block.type == "heading":
            parts.append("#" * (block.level + 1) + " " + block.text)
        elif block.type == "table":
            parts.append(render_table(block.rows))
        elif block.text.startswith(("#", "|", "\\")):
            parts.append("\\" + block.text)
        else:
            parts.append(block.text)
    return "\n\n".join(parts) + "\n"


# --- pipe tables -------------------------------------------------------------------------------

_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_BR = re.compile(r"<br\s*/?>", re.I)
_CELL_ESCAPE = re.compile(r"\\|\||\n|<(?=br)", re.I)
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _escape_cell(cell: str) -> str:
    cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    return _CELL_ESCAPE.sub(lambda m: "<br>" if m.group() == "\n" else "\\" + m.group(), cell)


def render_table(rows: tuple[tuple[str, ...], ...]) -> str:
    """A table as a GitHub pipe table: the first row is the header; every row is written as
    wide as the widest (GitHub reads a row only as wide as the header)."""
    width = max((len(row) for row in rows), default=0)
    if width == 0:
        return "|  |\n|---|"
    lines = []
    for i, row in enumerate(rows):
        cells = [_escape_cell(c) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)


def _split_row(line: str) -> list[str] | None:
    """The raw cells of a pipe-table line (escapes kept), or None when it has no unescaped
    pipe."""
    cells: list[str] = []
    current: list[str] = []
    piped = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current.append(line[i : i + 2])
            i += 2
            continue
        if ch == "|":
            piped = True
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if not piped:
        return None
    cells.append("".join(current))
    if not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _unescape_cell(raw: str) -> str:
    out: list[str] = []
    i = 0
    text = raw.strip()
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ASCII_PUNCTUATION:
            out.append(text[i + 1])
            i += 2
            continue
        match = _BR.match(text, i) if ch == "<" else None
        if match:
            out.append("\n")
            i = match.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find_table(lines: list[str]) -> tuple[int, int, Block] | None:
    """(first line, end line, table) of the first pipe table in ``lines``: a header line with
    a pipe, then a separator line as wide; the rows run to the first line without a pipe."""
    for k in range(1, len(lines)):
        if "|" not in lines[k] or "-" not in lines[k]:
            continue
        delimiter = _split_row(lines[k].strip())
        if not delimiter or not all(_DELIMITER_CELL.match(c.strip()) for c in delimiter):
            continue
        header_line = lines[k - 1].strip()
        header = None if header_line.startswith("\\") else _split_row(header_line)
        if header is None or len(header) != len(delimiter):
            continue
        width = len(header)
        rows = [[_unescape_cell(c) for c in header]]
        end = k + 1
        while end < len(lines):
            cells = _split_row(lines[end].strip())
            if cells is None:
                break
            row = [_unescape_cell(c) for c in cells[:width]]
            rows.append(row + [""] * (width - len(row)))
            end += 1
        return k - 1, end, Block.table(rows)
    return None


@functools.cache
def _loader() -> type:
    """A safe YAML loader that leaves dates as text, so ``parse_date`` reads every form we
    accept (2022年10月20日 too) and reports a bad date in Chinese."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    Loader.yaml_implicit_resolvers = {
        key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body text); InvalidInputError when the front matter is malformed."""
    import yaml

    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise InvalidInputError("缺少 YAML 头（文件应以 --- 开头）")
    match = re.match(r"^---[ \t]*\n(.*?)\n---[ \t]*(?:\n|$)", text, re.S)
    if not match:
        raise InvalidInputError("YAML 头没有以 --- 结束")
    try:
        meta = yaml.load(match.group(1), Loader=_loader()) or {}
    except yaml.YAMLError as exc:
        raise InvalidInputError(yaml_error_message(exc)) from exc
    if not isinstance(meta, dict):
        raise InvalidInputError("YAML 头应为“字段: 值”的形式")
    return meta, text[match.end() :]


# PyYAML's problems (English), by how they start, in the words of someone editing a record.
_YAML_PROBLEMS = (
    ("did not find expected ',' or ']'", "方括号“[ ]”没有闭合，或其中各项之间缺少英文逗号"),
    ("did not find expected ',' or '}'", "花括号“{ }”没有闭合，或其中各项之间缺少英文逗号"),
    ("found unexpected end of stream", "引号没有闭合"),
    (
        "mapping values are not allowed",
        "多了英文冒号加空格“: ”，或缩进不对：含“: ”的值请整个用引号括起来，字段名顶格写",
    ),
    ("could not find expected ':'", "字段名后缺少英文冒号加空格“: ”"),
    ("did not find expected key", "这一行多了符号或缩进不对：每行应为顶格的“字段: 值”"),
    ("expected <block end>", "这一行多了符号或缩进不对：每行应为顶格的“字段: 值”"),
    ("found character '\\t'", "含有制表符：请改用空格"),
    ("found a tab character", "含有制表符：请改用空格"),
    ("found unknown escape character", "双引号中的反斜杠“\\”写法不对"),
    ("found undefined alias", "值不能以“*”“&”开头（请用引号括起来）"),
    ("did not find expected alphabetic", "值不能以“*”“&”开头（请用引号括起来）"),
    ("found character that cannot start any token", "值不能以“@”“`”“%”开头（请用引号括起来）"),
)
# Constructs left open (a list, a quoted text): the line to fix is where they start.
_OPEN_CONTEXTS = (
    "while parsing a flow",
    "while scanning a quoted scalar",
    "while scanning a simple",
)


def yaml_error_message(exc: Exception) -> str:
    """One Chinese line for a YAML error in a record's front matter, naming the line of the
    file to fix (the file's line 1 is the opening ``---``)."""
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None)
    if context.startswith(_OPEN_CONTEXTS) and getattr(exc, "context_mark", None) is not None:
        mark = exc.context_mark  # type: ignore[attr-defined]
    where = f"第 {mark.line + 2} 行" if mark is not None else ""
    for start, chinese in _YAML_PROBLEMS:
        if problem.startswith(start):
            return f"YAML 头{where}格式错误：{chinese}"
    return f"YAML 头{where}格式错误：请检查这一行的冒号、引号、括号与缩进"


def parse_record(text: str) -> dict[str, Any]:
    """A dict ready for ``schemas.validate_record`` from a Markdown document."""
    meta, body = split_front_matter(text)
    data = dict(meta)
    source = data.pop("source", None)
    if isinstance(source, dict):
        data["source_name"] = source.get("name")
        data["source_hash"] = source.get("hash")
        # any other key is a fact the source states (文号 …)
        info = {str(k): str(v) for k, v in source.items() if k not in ("name", "hash")}
        if info:
            data["source_info"] = info
    data["body"] = parse_body(body)
    return data


def _scalar(value: Any) -> str:
    import yaml

    if isinstance(value, dt.date):
        return value.isoformat()
    dumped: str = yaml.safe_dump(value, allow_unicode=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def render_record(data: dict[str, Any], comment: str | None = None) -> str:
    """The Markdown document of a record given as ``RecordIn.model_dump()``."""
    lines = ["---"]
    if comment:
        lines += [f"# {line}" for line in comment.splitlines()]
    for key in FIELD_ORDER:
        if key == "source":
            info = data.get("source_info") or {}
            if data.get("source_name") or data.get("source_hash") or info:
                lines.append("source:")
                lines.append(f"  name: {_scalar(data.get('source_name'))}")
                lines.append(f"  hash: {_scalar(data.get('source_hash'))}")
                lines += [f"  {_scalar(k)}: {_scalar(v)}" for k, v in info.items()]
            continue
        value = data.get(key)
        if key == "tags":
            lines.append("tags: [" + ", ".join(_scalar(t) for t in value or []) + "]")
        elif value is not None and value != "":
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("---")
    blocks = [b if isinstance(b, Block) else Block.from_json(b) for b in data.get("body", [])]
    return "\n".join(lines) + "\n\n" + render_body(blocks)


def parse_plain_body(text: str) -> list[Block]:
    """Body text as typed or sent in a file: each non-empty line is a paragraph, and a
    line starting with ``## ``, ``### `` or ``#### `` is a heading."""
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        match = _HEADING.match(line)
        if match:
            blocks.append(Block.heading(match.group(2).strip(), len(match.group(1)) - 1))
        else:
            blocks.append(Block.paragraph(line))
    return blocks
