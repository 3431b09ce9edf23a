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
        # Markdown without caselib's front matter (none, or other tools' keys) is read as a
        # document (tests/test_recognition.py), and what it lacks leaves it incomplete
        # (test_markdown_without_unit_is_kept_incomplete): only a broken front matter fails.
        ("---\ntitle: [未闭合\nunit: 机关党委\n---\n\n正文", "YAML 头第 2 行格式错误"),
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


def test_markdown_without_unit_is_kept_incomplete(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "无单位.md"
    path.write_text(
        "---\ntitle: 迎新路上\ndate: 2022-08-27\n---\n\n党员干部帮新生搬行李。\n", "utf-8"
    )
    report = cli.ok("import", str(path), "--json").json()[0]
    assert report["outcome"] == "imported" and report["records"][0]["missing"] == ["unit"]
    assert cli.ok("show", str(report["record_ids"][0]), "--json").json()["unit"] == "待补单位"


HEAD = "---\nkind: case\ntitle: 机关党委：党建引领聚合力\nunit: 机关党委\n"


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (
            HEAD + "tags: [共同缔造, 决策共谋\nsummary: 摘要\n",
            "YAML 头第 5 行格式错误：方括号“[ ]”没有闭合，或其中各项之间缺少英文逗号",
        ),
        (
            "---\nkind: case\ntitle: 机关党委: 党建引领聚合力\nunit: 机关党委\n",
            "YAML 头第 3 行格式错误：多了英文冒号加空格“: ”，或缩进不对：含“: ”的值请整个用引号括起来，字段名顶格写",
        ),
        (
            '---\nkind: case\ntitle: "机关党委：党建引领聚合力\nunit: 机关党委\n',
            "YAML 头第 3 行格式错误：引号没有闭合",
        ),
        (
            "---\nkind: case\ntitle 机关党委：党建引领聚合力\nunit: 机关党委\n",
            "YAML 头第 3 行格式错误：字段名后缺少英文冒号加空格“: ”",
        ),
        (
            HEAD + "tags: [共同缔造]]\n",
            "YAML 头第 5 行格式错误：这一行多了符号或缩进不对：每行应为顶格的“字段: 值”",
        ),
        (HEAD + "summary: @机关党委\n", "YAML 头第 5 行格式错误：值不能以“@”“`”“%”开头（请用引号括起来）"),
    ],
)  # fmt: skip
def test_front_matter_errors_are_chinese_and_name_the_line_to_fix(front: str, message: str) -> None:
    from caselib.errors import InvalidInputError
    from caselib.text.markdown import parse_record

    with pytest.raises(InvalidInputError) as caught:
        parse_record(front + "---\n\n正文。\n")
    assert str(caught.value) == message


def test_a_rejected_edit_is_kept_aside_word_for_word(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import tempfile

    import caselib.cli.records as records_cli

    rid = cli.ok("add", "-t", "机关党委：党建引领聚合力", "-u", "机关党委", input="正文一段。\n")
    record_id = rid.stdout.strip()
    before = cli.ok("show", record_id, "--json").json()
    monkeypatch.setattr(records_cli, "is_interactive", lambda: True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\nt = open(p, encoding='utf-8').read()\n"
        "t = t.replace('tags: []', 'tags: [共同缔造, 决策共谋').replace('正文一段。', '改写后的正文。')\n"
        "open(p, 'w', encoding='utf-8').write(t)\n",
        "utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    run = cli("edit", record_id)
    assert run.exit_code == 1
    kept = next(tmp_path.glob(f"caselib-edit-{record_id}-*.md"))
    assert run.stderr == (
        f"修改未保存；您编辑的内容已留在 {kept}，可修正后用 --file 重新提交\n"
        "错误：YAML 头第 7 行格式错误：方括号“[ ]”没有闭合，或其中各项之间缺少英文逗号\n"
    )
    text = kept.read_text("utf-8")
    assert "tags: [共同缔造, 决策共谋\n" in text and text.endswith("改写后的正文。\n")
    assert cli.ok("show", record_id, "--json").json() == before
    # corrected, the kept text goes in with --file
    kept.write_text(text.replace("决策共谋\n", "决策共谋]\n"), "utf-8")
    cli.ok("edit", record_id, "--file", str(kept))
    after = cli.ok("show", record_id, "--json").json()
    assert after["tags"] == ["共同缔造", "决策共谋"]
    assert after["body"] == [{"type": "paragraph", "text": "改写后的正文。"}]
