"""``caselib import`` end to end: files as units send them, folders, bulletins, re-imports."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from caselib.intake.importing import ImportOptions, import_paths
from caselib.store.library import Library

from .conftest import CASES_DIR, SEED, Cli, need_seed

pytestmark = pytest.mark.backends

SERIES = "湖北大学党员干部下基层察民情解民忧暖民心实践活动简报"
TITLE = "机关党委：党建引领聚合力 “共同缔造”暖人心"


CASE_DOCX_PARAGRAPHS = [
    "计算机与信息工程学院党委坚持问题导向，组织党员教师深入学生宿舍，收集意见建议46条。",
    "学院与学生共同商定整改清单，明确责任人和完成时限，做到件件有回音。",
    "截至2022年11月，清单所列问题已解决41项，学生满意度提升至93%。",
]


def make_case_docx(path: Path, title: str = "计算机与信息工程学院党委：宿舍里的“议事会”") -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(title).bold = True
    doc.add_paragraph("一、倾听学生心声").runs[0].bold = True
    doc.add_paragraph(CASE_DOCX_PARAGRAPHS[0])
    doc.add_paragraph("二、共商共治见实效").runs[0].bold = True
    doc.add_paragraph(CASE_DOCX_PARAGRAPHS[1])
    doc.add_paragraph(CASE_DOCX_PARAGRAPHS[2])
    doc.save(str(path))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_seed_bulletin_imports_in_every_encoding(cli: Cli, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "第13期.txt"
    path.write_bytes(need_seed().read_text("utf-8").encode(encoding))
    report = cli.ok("import", str(path), "--json").json()[0]
    assert report["outcome"] == "imported"
    assert report["encoding"].replace("-sig", "") in {"utf-8", "gb18030", "utf-16"}
    bulletin = cli.ok("bulletin", "show", "2022-13", "--json").json()
    assert bulletin["id"] == report["bulletin_id"]
    assert bulletin["series"] == SERIES
    assert (bulletin["number"], bulletin["year"], bulletin["date"]) == (13, 2022, "2022-10-20")
    assert bulletin["office"] == "湖北大学党史学习教育领导小组办公室"
    assert bulletin["editor_note"].startswith("党员干部下基层察民情解民忧暖民心实践活动开展以来")
    assert bulletin["distribution"] == {
        "报": ["省委党史学习教育领导小组办公室", "省委教育工委省教育厅党史学习教育领导小组办公室"],
        "送": ["湖北大学党史学习教育领导小组成员"],
        "发": ["湖北大学党史学习教育领导小组办公室成员单位", "各二级党组织"],
    }
    [record] = bulletin["records"]
    assert record["title"] == TITLE and record["unit"] == "机关党委" and record["kind"] == "case"
    headings = [b["text"] for b in record["body"] if b["type"] == "heading"]
    assert headings == [
        "身入心至下基层，提升党建引领力",
        "把脉问诊促发展，提升党建服务力",
        "解难纾困暖民心，提升党建凝聚力",
    ]
    paragraphs = [b["text"] for b in record["body"] if b["type"] == "paragraph"]
    assert paragraphs[0].endswith(
        "坚持党建引领“共同缔造”，以决策共谋、发展共建、建设共管、效果共评、成果共享为抓手，着力提升党建引领力、党建服务力和党建凝聚力，汇聚红色机关力量，服务学校高质量发展。"
    )
    assert any("推动“大变化”，用一件件“贴心事”" in p for p in paragraphs)
    for line in SEED.read_text("utf-8").splitlines():
        line = line.strip()
        if len(line) > 40 and not line.startswith(("编者按", "报：")):
            assert any(line in p for p in paragraphs), line
    assert cli.ok("bulletins", "--json").json()[0]["record_count"] == 1


def test_word_case_with_unit_and_tags(cli: Cli, tmp_path: Path) -> None:
    path = make_case_docx(tmp_path / "案例.docx")
    report = cli.ok("import", str(path), "--tag", "共同缔造", "--json").json()[0]
    assert report["outcome"] == "imported" and report["bulletin_id"] is None
    record = cli.ok("show", str(report["record_ids"][0]), "--json").json()
    assert record["unit"] == "计算机与信息工程学院党委"
    assert record["tags"] == ["共同缔造"]
    assert [b["text"] for b in record["body"] if b["type"] == "paragraph"] == CASE_DOCX_PARAGRAPHS
    assert [b["text"] for b in record["body"] if b["type"] == "heading"] == [
        "一、倾听学生心声",
        "二、共商共治见实效",
    ]


def test_unit_option_comes_before_what_the_document_says(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "迎新路上\n\n8月27日，党员干部在报到点帮新生搬运行李，还为家长送上热水。\n", "utf-8"
    )
    report = cli.ok("import", str(path), "--unit", "机关党委", "--json").json()[0]
    assert report["outcome"] == "imported"
    assert report["records"][0]["sources"]["unit"] == "--unit"
    assert cli.ok("show", str(report["record_ids"][0]), "--json").json()["unit"] == "机关党委"


def _bad_files(folder: Path) -> dict[str, str]:
    """Each bad file and the exact reason the import report must give for it (caselib's own
    words, whether or not LibreOffice is installed)."""
    from caselib.intake.readers.model import MAX_XML_PART_BYTES, MB

    from .test_readers import _ole_file

    (folder / "损坏.docx").write_bytes(b"PK\x03\x04 this is not a zip")
    empty_doc = folder / "空白.docx"
    from docx import Document

    Document().save(str(empty_doc))
    # what Word writes for a password-protected .docx: an OLE file holding the encrypted package
    encrypted = _ole_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])
    (folder / "加密.docx").write_bytes(encrypted + b"\x00" * 4096)
    (folder / "二进制.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "空文件.txt").write_bytes(b"")
    (folder / "表格.xlsx").write_bytes(b"PK")
    bomb = folder / "炸弹.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>" + " " * (60 * 1024 * 1024) + "</w:document>")
    limit = MAX_XML_PART_BYTES // MB
    return {
        "损坏.docx": "不是有效的 Word 文档（压缩包损坏）",
        "空白.docx": "文档中没有可读取的文字（可能是空白文档或只有图片）",
        "加密.docx": "文件已加密，无法读取",
        "二进制.txt": "不是文本文件（含有无法识别的二进制内容）",
        "空文件.txt": "文件为空",
        "表格.xlsx": "不是可导入的文件类型（.xlsx），未读取",
        "炸弹.docx": f"Word 文档解压后过大（word/document.xml 为 60 MB，上限 {limit} MB），"
        "疑似压缩炸弹，已拒绝读取",
    }


@pytest.mark.parametrize("soffice", ["installed", "missing"])
def test_folder_with_bad_files_goes_on(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, soffice: str
) -> None:
    if soffice == "missing":
        monkeypatch.setenv("CASELIB_SOFFICE", "")  # convert.find_soffice: pretend it is missing
    inbox = tmp_path / "收件箱"
    (inbox / "机关党委").mkdir(parents=True)
    bad = _bad_files(inbox)
    make_case_docx(inbox / "机关党委" / "案例.docx", "机关党委：宿舍里的“议事会”")
    (inbox / "故事.md").write_text(
        (CASES_DIR / "10-jiguan-yingxin-xinglixiang.md").read_text("utf-8"), "utf-8"
    )
    gbk = inbox / "文学院.txt"
    gbk.write_bytes(
        "文学院党委：经典共读\n\n文学院党委组织师生开展经典共读活动，共举办读书会12场，参与学生360余人次。\n".encode(
            "gbk"
        )
    )
    run = cli("import", str(inbox), "--json")
    assert run.exit_code == 1  # some files failed: 0 only when every file came in
    reports = {Path(r["path"]).name: r for r in run.json()}
    for name, message in bad.items():
        # a file of a type caselib does not read is skipped in a folder, not failed
        assert reports[name]["outcome"] == ("skipped" if name.endswith(".xlsx") else "failed"), name
        assert reports[name]["message"] == message, name
    assert reports["案例.docx"]["outcome"] == "imported"
    assert reports["故事.md"]["outcome"] == "imported"
    assert (
        reports["文学院.txt"]["outcome"] == "imported"
        and reports["文学院.txt"]["encoding"] == "gb18030"
    )
    titles = sorted(r["title"] for r in cli.ok("list", "--json").json())
    assert len(titles) == 3 and "文学院党委：经典共读" in titles
    table = cli("import", str(inbox))
    assert table.exit_code == 1 and "失败" in table.stderr and "未变化" in table.stderr


def test_folder_with_nothing_readable(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    run = cli("import", str(empty))
    assert run.exit_code == 1 and "没有找到可导入的文件" in run.stderr
    (empty / "a.txt").write_bytes(b"")
    run = cli("import", str(empty))
    assert run.exit_code == 1
    assert cli.ok("list", "--json").json() == []


@pytest.mark.sqlite_only  # reads the library file itself
def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    before = db_path.read_bytes()
    run = cli.ok("import", str(CASES_DIR), "--dry-run", "--json")
    assert {r["outcome"] for r in run.json()} == {"imported"}
    assert all(r["record_ids"] == [] for r in run.json())
    assert cli.ok("list", "--json").json() == []
    assert cli.ok("units", "--json").json() == []
    assert db_path.read_bytes() == before


def test_changed_file_needs_update(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "story.md"
    text = (CASES_DIR / "12-houqin-gaowen-qiangxiu.md").read_text("utf-8")
    source.write_text(text, "utf-8")
    first = cli.ok("import", str(source), "--json").json()[0]
    rid = first["record_ids"][0]
    source.write_text(text.replace("status: submitted", "status: reviewing"), "utf-8")
    second = cli.ok("import", str(source), "--json").json()[0]
    assert second["outcome"] == "changed" and "--update" in second["message"]
    assert cli.ok("show", str(rid), "--json").json()["status"] == "submitted"
    third = cli.ok("import", str(source), "--update", "--json").json()[0]
    assert third["outcome"] == "updated" and third["record_ids"] == [rid]
    assert cli.ok("show", str(rid), "--json").json()["status"] == "reviewing"
    assert cli.ok("import", str(source), "--json").json()[0]["outcome"] == "unchanged"


def test_same_text_under_another_name_is_a_duplicate(cli: Cli, tmp_path: Path) -> None:
    a = tmp_path / "a.md"
    a.write_text((CASES_DIR / "11-wenxue-jianli-qibian.md").read_text("utf-8"), "utf-8")
    b = tmp_path / "b.md"
    b.write_text(a.read_text("utf-8").replace("status: reviewing", "status: submitted"), "utf-8")
    cli.ok("import", str(a))
    report = cli.ok("import", str(b), "--json").json()[0]
    assert report["outcome"] == "duplicate" and "内容相同" in report["message"]
    assert len(cli.ok("list", "--json").json()) == 1


def test_import_api(library: Library) -> None:
    reports = import_paths(library, [CASES_DIR], ImportOptions(tags=["样例"]))
    assert len(reports) == len(list(CASES_DIR.glob("*.md")))
    assert all(r.outcome == "imported" for r in reports)
    with library.session() as session:
        from caselib.records import get_record

        assert "样例" in [t.name for t in get_record(session, reports[0].record_ids[0]).tags]


def test_missing_path(cli: Cli, tmp_path: Path) -> None:
    run = cli("import", str(tmp_path / "不存在"))
    assert run.exit_code == 1 and "路径不存在" in run.stderr


def test_a_folder_flags_the_pairs_a_full_scan_finds(
    cli: Cli, library: Library, tmp_path: Path
) -> None:
    """File by file, an import flags exactly the near-duplicate pairs that a scan of the whole
    library finds afterwards (every record sharing a band verified in full: no candidate
    limit, no coarse screening), in ``caselib dupes --json``: resubmitted copies of a record
    with each kind of edit, copies of the others with characters changed, and look-alikes
    made of the same sentences, which share bands with many others and are no duplicates."""
    import random

    from caselib.duplicates import scanned_pairs

    from .test_dedupe import EDITS, ORIGINALS, WELCOME, WELCOME_TITLE

    folder = tmp_path / "报送"
    folder.mkdir()
    rng = random.Random(7)
    files: list[tuple[str, str]] = list(ORIGINALS.values())
    files += [edit(WELCOME_TITLE, WELCOME) for edit in EDITS]
    for title, text in list(ORIGINALS.values())[1:]:
        chars = list(text)
        for _ in range(8):
            chars[rng.randrange(len(chars))] = rng.choice("的一是在了和有大这主中人上为们")
        files.append((title + "（修改稿）", "".join(chars)))
    sentences = [s + "。" for _, text in ORIGINALS.values() for s in text.split("。") if len(s) > 8]
    files += [(f"机关党委：拼合的案例{i}", "".join(rng.sample(sentences, 8))) for i in range(20)]
    for n, (title, text) in enumerate(files):
        paragraphs = "\n\n".join(p.strip() for p in text.split("\n") if p.strip())
        (folder / f"{n:02d}.md").write_text(
            f"---\nkind: case\ntitle: {title}\nunit: {title.split('：')[0]}\n---\n\n{paragraphs}\n",
            "utf-8",
        )
    reports = cli.ok("import", str(folder), "--json").json()
    # a copy differing only in paragraph breaks has the same text: not imported again
    assert {r["outcome"] for r in reports} <= {"imported", "duplicate"}
    imported = [r["record_ids"][0] for r in reports if r["outcome"] == "imported"]
    lookalikes = set(imported[-20:])

    listed = cli.ok("dupes", "--json").json()
    conn = library.dbapi_connection()
    try:
        assert listed == [p.to_json() for p in scanned_pairs(conn)]
    finally:
        conn.close()
    flagged = {(p["record_id"], p["other_id"]) for p in listed}
    assert len(flagged) >= len(imported) - len(lookalikes) - len(ORIGINALS)  # every copy
    assert not {pair for pair in flagged if lookalikes & set(pair)}
