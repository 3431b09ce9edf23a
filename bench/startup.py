"""Whole-command time of caselib's everyday commands, each next to the reference a user has.

Read commands (show, list, search, tags, units, bulletins, bulletin show, reviews, stats, info,
trash, dupes, rubric) next to ``caselib --help``: goal, within 0.12 s of it. Write commands
(add, edit, tag, review, report, adopt, import of one file) next to
``python -c "import sqlmodel"``: goal, within 0.35 s of it. Both on the sample library
(cases/) and on a generated library of 10,000 records (built with plain SQL in batches, as
``bench/search.py`` does, plus a few reviews, a report, an adoption and a bulletin).

Each figure is the median of ``--runs`` runs after one warm-up run, as wall time and as CPU time
(user + system of the process): the machine may be shared, and CPU time is what the command
itself costs. Bytecode is cached (in a temporary ``PYTHONPYCACHEPREFIX``) as in an installation,
even when the shell sets ``PYTHONDONTWRITEBYTECODE``. The verdict uses the CPU difference when ``--by cpu`` (the default), else wall.

Run:  python bench/startup.py [--runs 7] [--size 10000] [--by cpu|wall] [--skip-writes] [--keep DIR]

``--keep DIR`` builds the two libraries in DIR and keeps them; a later run with the same DIR
reuses them (the write commands of each run add a few records and reviews to them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CASELIB = str(BIN / "caselib")
READ_GOAL = 0.12
WRITE_GOAL = 0.35

Args = Callable[[int], list[str]]  # the command line of run number i


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(args: Args, runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU seconds over ``runs`` runs after one warm-up run."""
    run_once(args(0), env)
    walls, cpus = [], []
    for i in range(1, runs + 1):
        wall, cpu = run_once(args(i), env)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


# What ``list --json`` costs at least, in a plain script: the same objects read with one query
# (plus one for the tags) from the same columns (the stored length, no body) and written the
# same way (one compact ``json.dumps`` per record, one record a line), without caselib or Typer
# (caselib has SQLite build the objects instead).
# ``list_json_floor`` checks that it prints what ``caselib list --json`` prints.
PLAIN_LIST_JSON = r"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
tags = {}
for rid, name in conn.execute(
    "SELECT rt.record_id, t.name FROM record_tag AS rt JOIN tag AS t ON t.id = rt.tag_id "
    "WHERE rt.record_id NOT IN (SELECT id FROM record WHERE deleted_at IS NOT NULL) "
    "ORDER BY rt.record_id, rt.position, rt.tag_id"
):
    tags.setdefault(rid, []).append(name)
def stamp(v):
    return None if v is None else v[:10] + "T" + v[11:19] + ("" if v[19:] in ("", ".000000") else v[19:]) + "+00:00"
out = []
for (rid, kind, title, unit, date, end, sub, status, author, contact, summary, sname, shash,
     sinfo, missing, created, updated, deleted, length) in conn.execute(
    "SELECT r.id, r.kind, r.title, u.name, r.date, r.end_date, r.submitted, r.status, r.author, "
    "r.contact, r.summary, r.source_name, r.source_hash, r.source_info, r.missing, r.created_at, "
    "r.updated_at, r.deleted_at, json_extract(r.evidence, '$.chars') FROM record AS r "
    "JOIN unit AS u ON u.id = r.unit_id WHERE r.deleted_at IS NULL "
    "ORDER BY r.date DESC NULLS LAST, r.id DESC"
):
    out.append(json.dumps({
        "id": rid, "kind": kind, "title": title, "unit": unit, "tags": tags.get(rid, []),
        "date": date, "end_date": end, "submitted": sub, "status": status, "author": author,
        "contact": contact, "summary": summary,
        "source": {"name": sname, "hash": shash, "info": json.loads(sinfo)},
        "missing": json.loads(missing), "created": stamp(created), "updated": stamp(updated),
        "deleted": stamp(deleted), "length": length,
    }, ensure_ascii=False, separators=(",", ":")))
sys.stdout.write("[\n" + ",\n".join(out) + "\n]\n" if out else "[]\n")
"""


def list_json_floor(db: Path, env: dict[str, str], runs: int) -> tuple[float, float] | None:
    """Wall and CPU time of ``PLAIN_LIST_JSON``, or None (with a note) when its output is not
    what ``caselib list --json`` prints."""
    script = [sys.executable, "-c", PLAIN_LIST_JSON, str(db)]
    ours = subprocess.run([CASELIB, "list", "--json"], env=env, capture_output=True, check=True)
    plain = subprocess.run(script, env=env, capture_output=True, check=True)
    if plain.stdout != ours.stdout:
        print("  (the plain list --json script prints something else: left out)")
        return None
    return measure(lambda _i: script, runs, env)


def fixed(*words: str) -> Args:
    return lambda _i: [CASELIB, *words]


def read_commands() -> dict[str, Args]:
    return {
        "show 1": fixed("show", "1"),
        "show 1 --json": fixed("show", "1", "--json"),
        "list": fixed("list"),
        "list --json": fixed("list", "--json"),
        "search 党建": fixed("search", "党建"),
        "tags": fixed("tags"),
        "units": fixed("units"),
        "bulletins": fixed("bulletins"),
        "bulletin show 1": fixed("bulletin", "show", "1"),
        "reviews 2": fixed("reviews", "2"),
        "stats": fixed("stats"),
        "info": fixed("info"),
        "trash": fixed("trash"),
        "dupes": fixed("dupes"),
        "rubric": fixed("rubric"),
    }


def write_commands(work: Path) -> dict[str, Args]:
    def add(i: int) -> list[str]:
        body = work / "body.txt"
        body.write_text("第一段正文。\n第二段正文。\n", "utf-8")
        return [CASELIB, "add", "-t", f"测试记录{i}", "-u", "机关党委", "-f", str(body)]

    def edit(i: int) -> list[str]:
        return [CASELIB, "edit", "3", "--file", str(work / f"edit{i % 2}.md")]

    def tag(i: int) -> list[str]:
        return [CASELIB, "tag", "4", ("+" if i % 2 == 0 else "-") + "基准标签"]

    def review(i: int) -> list[str]:
        return [CASELIB, "review", "2", "-r", "王老师", "-s", f"真实性={3 + i % 3}"]

    def report(i: int) -> list[str]:
        day = dt.date(2023, 1, 1) + dt.timedelta(days=i)
        return [CASELIB, "report", "5", "--to", "省委教育工委", "--date", day.isoformat()]

    def adopt(i: int) -> list[str]:
        return [CASELIB, "adopt", "5", "--by", f"工作简报第{i}期", "--level", "省级",
                "--date", "2023-06-01", "--force"]  # fmt: skip

    def import_one(i: int) -> list[str]:
        path = work / f"import{i}.md"
        path.write_text(
            f"---\nkind: story\ntitle: 基准导入{i}\nunit: 机关党委\ndate: 2023-05-0{1 + i % 9}\n"
            f"---\n\n这是第 {i} 篇用于计时的暖心故事，讲述一位党员教师帮助学生的经过。\n",
            "utf-8",
        )
        return [CASELIB, "import", str(path)]

    return {
        "add": add,
        "edit 3 --file": edit,
        "tag 4 ±基准标签": tag,
        "review 2": review,
        "report 5": report,
        "adopt 5": adopt,
        "import (one .md)": import_one,
    }


def prepare_edits(work: Path, env: dict[str, str]) -> None:
    """Two versions of record 3 for ``edit --file`` to alternate between (each run a change)."""
    code = (
        "import sys\n"
        "from caselib.records import get_record, record_to_input\n"
        "from caselib.store.library import Library\n"
        "from caselib.text.markdown import render_record\n"
        "with Library.open(None).session() as s:\n"
        "    data = record_to_input(get_record(s, 3)).model_dump()\n"
        "sys.stdout.write(render_record(data))\n"
    )
    original = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout
    (work / "edit0.md").write_text(original.rstrip("\n") + "\n\n基准修改一。\n", "utf-8")
    (work / "edit1.md").write_text(original.rstrip("\n") + "\n\n基准修改二。\n", "utf-8")


def enrich(env: dict[str, str]) -> None:
    """Reviews, a report, an adoption and a bulletin, so that every read command has work."""
    for reviewer, value in (("王老师", "5"), ("李老师", "4")):
        subprocess.run(
            [CASELIB, "review", "2", "-r", reviewer, "-s", f"真实性={value}", "-s", "典型性=4"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    subprocess.run(
        [CASELIB, "rm", "6"], env=env, check=True, capture_output=True
    )  # the trash holds a record
    code = (
        "import datetime as dt\n"
        "from caselib.store.library import Library\n"
        "from caselib.store.tables import Bulletin, BulletinRecord\n"
        "with Library.open(None).session() as s:\n"
        "    b = Bulletin(series='工作简报', number=1, year=2023, date=dt.date(2023, 3, 1),\n"
        "                 office='党委办公室', distribution={'报': ['省委教育工委']})\n"
        "    s.add(b); s.flush()\n"
        "    for k, rid in enumerate((1, 2, 3), start=1):\n"
        "        s.add(BulletinRecord(bulletin_id=b.id, record_id=rid, position=k))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def build_sample(path: Path, env: dict[str, str]) -> None:
    subprocess.run([CASELIB, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [CASELIB, "import", str(ROOT / "cases")], env=env, check=True, capture_output=True
    )


def build_large(path: Path, size: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from search import build_library  # bench/search.py: plain SQL, batches of 500

    build_library(path, size)
    # Every write of caselib stores a record's dupe bands and text evidence (with the body's
    # length that ``list --json`` shows); the plain-SQL build does not, and reads do not write
    # them: store them as caselib's own writes would.
    code = (
        "from caselib import dedupe\n"
        "from caselib.records import rebuild_evidence\n"
        "from caselib.store.library import Library\n"
        f"with Library.open({str(path)!r}).session() as s:\n"
        "    dedupe.scan_library(s, rebuild=True)\n"
        "    rebuild_evidence(s)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def table(
    title: str,
    reference_name: str,
    reference: tuple[float, float],
    rows: dict[str, tuple[float, float]],
    goal: float,
    by: str,
) -> list[str]:
    """Print one table; returns the commands that miss the goal."""
    print(f"\n{title}")
    print(
        f"  {'command':<22} {'wall ms':>8} {'cpu ms':>8} {'Δwall':>7} {'Δcpu':>7}  goal Δ≤{goal * 1000:.0f} ms"
    )
    ref_wall, ref_cpu = reference
    print(f"  {reference_name:<22} {ref_wall * 1000:8.0f} {ref_cpu * 1000:8.0f}   (reference)")
    missed = []
    for name, (wall, cpu) in rows.items():
        d_wall, d_cpu = wall - ref_wall, cpu - ref_cpu
        met = (d_cpu if by == "cpu" else d_wall) <= goal
        if not met:
            missed.append(name)
        print(
            f"  {name:<22} {wall * 1000:8.0f} {cpu * 1000:8.0f} {d_wall * 1000:+7.0f} "
            f"{d_cpu * 1000:+7.0f}  {'met' if met else 'NOT met'}"
        )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--by", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the libraries here, or reuse them")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"median of {args.runs} runs after a warm-up ({sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}); "
        f"verdict by {args.by} time"
    )
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        # caselib's own bytecode is cached as in any installation (pip compiles it); a shell
        # with PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base |= {"COLUMNS": "120", "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        folder = Path(tmp) if args.keep is None else args.keep
        folder.mkdir(parents=True, exist_ok=True)
        libraries = {"sample library (cases/, 14 records)": folder / "sample.db"}
        libraries[f"{args.size:,} generated records"] = folder / f"large-{args.size}.db"
        for label, path in libraries.items():
            env = {**base, "CASELIB_DB": str(path)}
            started = time.perf_counter()
            if path.exists():
                print(f"\n== {label} (reused: {path})")
            else:
                if path.name == "sample.db":
                    build_sample(path, env)
                else:
                    build_large(path, args.size)
                enrich(env)
                built = time.perf_counter() - started
                print(f"\n== {label} (built in {built:.1f} s)")
            help_ref = measure(fixed("--help"), args.runs, env)
            reads = {name: measure(cmd, args.runs, env) for name, cmd in read_commands().items()}
            floor = list_json_floor(path, env, args.runs)
            missed += [
                f"{label}: {m}"
                for m in table(
                    "read commands", "caselib --help", help_ref, reads, READ_GOAL, args.by
                )
            ]
            if floor is not None:
                wall, cpu = floor
                print(
                    f"  {'plain list --json':<22} {wall * 1000:8.0f} {cpu * 1000:8.0f} "
                    f"{(wall - help_ref[0]) * 1000:+7.0f} {(cpu - help_ref[1]) * 1000:+7.0f}  "
                    "(reference: python -c, sqlite3 + json.dumps, the same output)"
                )
            if args.skip_writes:
                continue
            work = Path(tmp) / f"work-{path.stem}"
            work.mkdir()  # in the temporary folder: fresh each run
            prepare_edits(work, env)
            orm_ref = measure(lambda _i: [sys.executable, "-c", "import sqlmodel"], args.runs, env)
            writes = {
                name: measure(cmd, args.runs, env) for name, cmd in write_commands(work).items()
            }
            missed += [
                f"{label}: {m}"
                for m in table(
                    "write commands",
                    "python -c 'import sqlmodel'",
                    orm_ref,
                    writes,
                    WRITE_GOAL,
                    args.by,
                )  # fmt: skip
            ]
    print("\nnot met: " + ("; ".join(missed) if missed else "none"))


if __name__ == "__main__":
    main()
