"""The Markdown format: the sample library imports, exports and re-imports without loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselib.store.schemas import validate_record
from caselib.text.blocks import Block
from caselib.text.markdown import parse_body, parse_record, render_body, render_record

from .conftest import CASES_DIR, Cli


def test_sample_library_shape() -> None:
    files = sorted(CASES_DIR.glob("*.md"))
    records = [validate_record(parse_record(p.read_text("utf-8"))) for p in files]
    cases = [r for r in records if r.kind == "case"]
    stories = [r for r in records if r.kind == "story"]
    assert len(records) >= 12 and len(cases) >= 8 and len(stories) >= 4
    assert len({r.unit for r in records}) >= 5
    length = lambda r: sum(len(b.text) for b in r.body)  # noqa: E731
    assert all(
        1000 <= length(r) <= 3000 and any(b.type == "heading" for b in r.body) for r in cases
    )
    assert all(300 <= length(r) <= 800 for r in stories)
    tags = {t for r in records for t in r.tags}
    assert {"决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"} <= tags
    dates = sorted(r.date for r in records if r.date)
    assert (dates[-1] - dates[0]).days >= 300


def test_sample_files_are_in_canonical_form() -> None:
    """Rendering a parsed sample file gives back the file byte for byte."""
    for path in sorted(CASES_DIR.glob("*.md")):
        text = path.read_text("utf-8")
        data = validate_record(parse_record(text))
        assert render_record(data.model_dump()) == text, path.name


def test_body_round_trip_with_awkward_paragraphs() -> None:
    blocks = [
        Block.heading("一、提升党建引领力", 1),
        Block.heading("（一）身入心至", 2),
        Block.heading("1. 下基层", 3),
        Block.paragraph("#号开头的段落"),
        Block.paragraph("\\反斜杠开头"),
        Block.paragraph("Mixed English text 与中文 282项"),
    ]
    assert parse_body(render_body(blocks)) == blocks


def test_wrapped_lines_join_without_spaces_between_chinese() -> None:
    assert parse_body("机关党委坚持党建引领，\n以决策共谋为抓手。\n\nline one\nline two") == [
        Block.paragraph("机关党委坚持党建引领，以决策共谋为抓手。"),
        Block.paragraph("line one line two"),
    ]


def test_import_export_import_is_lossless(sample: Cli, tmp_path: Path) -> None:
    original = sample.ok("list", "--json").json()
    full = [sample.ok("show", str(r["id"]), "--json").json() for r in original]
    out = tmp_path / "out"
    sample.ok("export", "--all", "--format", "md", "-o", str(out))
    files = sorted(out.glob("*.md"))
    assert len(files) == len(full)
    # the exported text of each record is the sample file's text plus its provenance
    for path in files:
        data = validate_record(parse_record(path.read_text("utf-8")))
        source = CASES_DIR / str(data.source_name)
        expected = validate_record(parse_record(source.read_text("utf-8")))
        assert data.model_dump(exclude={"source_name", "source_hash"}) == expected.model_dump(
            exclude={"source_name", "source_hash"}
        )
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(out))
    again = [
        fresh.ok("show", str(r["id"]), "--json").json() for r in fresh.ok("list", "--json").json()
    ]
    volatile = {"id", "created", "updated"}
    strip = lambda rows: sorted(  # noqa: E731
        ({k: v for k, v in r.items() if k not in volatile} for r in rows), key=lambda r: r["title"]
    )
    assert strip(again) == strip(full)


def test_reimport_unchanged_changes_nothing(sample: Cli) -> None:
    before = sample.ok("list", "--json").json()
    run = sample.ok("import", str(CASES_DIR), "--json")
    assert {r["outcome"] for r in run.json()} == {"unchanged"}
    assert sample.ok("list", "--json").json() == before


def test_export_refuses_to_overwrite(sample: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sample.ok("export", "--all", "--format", "md", "-o", str(out))
    victim = sorted(out.glob("*.md"))[0]
    victim.write_text("用户改过的文件", encoding="utf-8")
    run = sample("export", "--all", "--format", "md", "-o", str(out))
    assert run.exit_code == 1 and "--force" in run.stderr
    assert victim.read_text(encoding="utf-8") == "用户改过的文件"
    sample.ok("export", "--all", "--format", "md", "-o", str(out), "--force")
    assert victim.read_text(encoding="utf-8").startswith("---")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Markdown without caselib's front matter (no front matter, other keys) is read as
        # a foreign document (tests/test_recognition.py); these fail for what they lack.
        ("没有 YAML 头", "识别单位"),
        ("---\ntitle: [未闭合\nunit: 机关党委\n---\n\n正文", "YAML 头格式错误"),
        ("---\ntitle: 题\nkind: case\n---\n\n正文", "缺少必填字段：单位"),
    ],
)
def test_bad_markdown_is_reported_per_file(
    cli: Cli, tmp_path: Path, text: str, message: str
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "bad.md").write_text(text, encoding="utf-8")
    (folder / "good.md").write_text(
        "---\ntitle: 文学院党委：好\nunit: 文学院党委\n---\n\n正文。\n", "utf-8"
    )
    reports = {Path(r["path"]).name: r for r in cli("import", str(folder), "--json").json()}
    assert reports["bad.md"]["outcome"] == "failed" and message in reports["bad.md"]["message"]
    assert reports["good.md"]["outcome"] == "imported"
    assert [r["title"] for r in cli.ok("list", "--json").json()] == ["文学院党委：好"]
