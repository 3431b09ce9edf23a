"""README's example commands run as written (like sqlite-utils' documentation tests).

The workflow block (一次完整的工作流程) and the search examples (检索) are read from README.md and
run one by one against a fresh library. The only adaptation is the one README documents: the
inbox 收件箱/ is made from cases/ and the seed bulletin, and each command gets ``--db``.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from .conftest import CASES_DIR, ROOT, Cli, need_seed

README = (ROOT / "README.md").read_text("utf-8")
SUBSTITUTION = "mkdir 收件箱 && cp cases/*.md ../shared/seeds/*.txt 收件箱/"


def code_blocks_under(heading: str) -> list[str]:
    """The fenced code blocks of one README section (from its heading to the next ``## ``)."""
    start = README.index(f"\n## {heading}\n")
    end = README.find("\n## ", start + 1)
    section = README[start : end if end != -1 else len(README)]
    return re.findall(r"\n```\n(.*?)\n```", section, re.S)


def commands(block: str) -> list[list[str]]:
    """The ``caselib`` commands of a block as argument lists: continuation lines joined,
    comments dropped, quotes removed as a POSIX shell would."""
    joined = block.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        args = shlex.split(line, comments=True)
        if args:
            assert args[0] == "caselib", line
            found.append(args[1:])
    return found


WORKFLOW = code_blocks_under("一次完整的工作流程")
SEARCH = code_blocks_under("检索")


def test_readme_documents_the_substitution_this_test_makes() -> None:
    assert SUBSTITUTION in WORKFLOW[1]


@pytest.fixture
def inbox_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``mkdir 收件箱 && cp cases/*.md ../shared/seeds/*.txt 收件箱/`` in a fresh folder."""
    seeds = need_seed().parent
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for source in [*CASES_DIR.glob("*.md"), *seeds.glob("*.txt")]:
        shutil.copyfile(source, inbox / source.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_all(cli: Cli, argument_lists: list[list[str]]) -> None:
    for args in argument_lists:
        run = cli(*args)
        shown = " ".join(args)
        assert run.exit_code == 0, f"caselib {shown}\n{run.stderr}"
        assert "Traceback" not in run.stderr + run.stdout, shown


def test_the_workflow_runs_as_written(inbox_folder: Path) -> None:
    cli = Cli(inbox_folder / "caselib.db")
    workflow = commands(WORKFLOW[0])
    assert [args[0] for args in workflow] == [
        "init", "import", "dupes", "search", "review", "rank", "export", "report", "adopt", "stats",
    ]  # fmt: skip
    run_all(cli, workflow)

    # what the text around the block says happened
    first = cli.ok("show", "1", "--json").json()
    assert first["title"] == "机关党委：党建引领聚合力 “共同缔造”暖人心"
    fourth = cli.ok("show", "4", "--json").json()
    assert (fourth["unit"], fourth["kind"], fourth["status"]) == ("文学院党委", "case", "adopted")
    issue = cli.ok("bulletin", "show", "2022-14", "--json").json()
    assert issue["series"] == cli.ok("bulletin", "show", "2022-13", "--json").json()["series"]
    assert 4 in [r["id"] for r in issue["records"]]
    assert (inbox_folder / "简报第14期.docx").read_bytes().startswith(b"PK")
    units = {row["key"]: row for row in cli.ok("stats", "--by", "unit", "--json").json()}
    assert units["文学院党委"]["adopted_records"] >= 1

    # the search examples, on the library the workflow built
    searches = [args for block in SEARCH for args in commands(block)]
    assert len(searches) == 5 and all(args[0] == "search" for args in searches)
    run_all(cli, searches)
