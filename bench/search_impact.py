"""Experiment (not caselib's search path): exact top 20 from per-term impact-ordered lists.

    python bench/search_impact.py --db /tmp/b/bench-100000.db    # a library of bench/search.py

At 100,000 records FTS5's ``bm25()`` scores every match, so a term in most records costs
100-400 ms however small the page. This script measures the design proposed for issue 14 on
a library built by ``bench/search.py``: per frequent term (a bigram token, or one character,
the prefix query) keep the ``L`` records with the highest BM25 term weight
``h(F, D) = F (k1 + 1) / (F + k1 (1 - b + b D / avgdl))`` (``F``: the column-weighted count of
the term, ``D``: the record's tokens) with their ``F`` and ``D``, the number of records holding
the term, and ``tail``, the weight of the first record left out. A query for that term then
scores the ``L`` entries with the current statistics (FTS5's own formula, reproduced here),
drops those in the trash, and its top 20 is exact when the 20th score beats ``tail`` (every
record not kept scores at most ``tail``). A phrase of more characters uses the list of its
rarest bigram (a phrase occurs at most as often as each of its bigrams), rescores the entries
from the indexed text and counts its matches for the IDF.

Per query it prints the list's build time, the query's CPU time, and whether the 20 ids and
scores equal FTS5's. It writes nothing to the library.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import statistics
import time
import zlib
from typing import Any

from caselib.store.sqlite_backend import COLUMN_WEIGHTS, _varints, phrase_match
from caselib.text.normalize import normalize

K1, B = 1.2, 0.75  # FTS5's bm25 constants
QUERIES = ["党", "暖", "8", "科", "党建", "暖心", "迎新", "义诊", "82", "志愿服务", "共同缔造"]
WEIGHTS = ", ".join(str(w) for w in COLUMN_WEIGHTS)


def table_stats(conn: sqlite3.Connection) -> tuple[int, float]:
    """(rows, average tokens per row) from FTS5's averages record."""
    v = _varints(conn.execute("SELECT block FROM record_fts_data WHERE id = 1").fetchone()[0])
    return v[0], sum(v[1:]) / v[0]


def idf(n_rows: int, n_hit: int) -> float:
    return max(1e-6, math.log((n_rows - n_hit + 0.5) / (n_hit + 0.5)))


def weight(f: float, d: float, avgdl: float) -> float:
    return f * (K1 + 1) / (f + K1 * (1 - B + B * d / avgdl))


def occurrences(text: str, term: str) -> int:
    n, k = 0, text.find(term)
    while k >= 0:
        n, k = n + 1, text.find(term, k + 1)
    return n


def weighted_counts(conn: sqlite3.Connection, ids: list[int], term: str) -> dict[int, float]:
    """F of ``term`` in these records, from the indexed text (``record_fts_src``)."""
    marks = ",".join("?" * len(ids))
    out = {}
    for rid, data in conn.execute(
        f"SELECT id, data FROM record_fts_src WHERE id IN ({marks})", ids
    ):
        columns = json.loads(zlib.decompress(data))
        out[rid] = sum(
            w * sum(occurrences(normalize(seg), term) for seg in col)
            for w, col in zip(COLUMN_WEIGHTS, columns, strict=True)
        )
    return out


def sizes(conn: sqlite3.Connection, ids: list[int]) -> dict[int, int]:
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, sz FROM record_fts_docsize WHERE id IN ({marks})", ids)
    return {rid: sum(_varints(sz)) for rid, sz in rows}


def count(conn: sqlite3.Connection, term: str) -> int:
    sql = "SELECT COUNT(*) FROM record_fts WHERE record_fts MATCH ?"
    return int(conn.execute(sql, (phrase_match(term),)).fetchone()[0])


def build_list(conn: sqlite3.Connection, key: str, length: int) -> dict[str, Any]:
    """The impact list of one term (a bigram or one character)."""
    n_rows, avgdl = table_stats(conn)
    n_hit = count(conn, key)
    rows = conn.execute(
        f"SELECT rowid, -bm25(record_fts, {WEIGHTS}) AS s FROM record_fts "
        "WHERE record_fts MATCH ? ORDER BY s DESC LIMIT ?",
        (phrase_match(key), length + 1),
    ).fetchall()
    ids = [r[0] for r in rows[:length]]
    f, d = weighted_counts(conn, ids, key), sizes(conn, ids)
    tail = rows[length][1] / idf(n_rows, n_hit) if len(rows) > length else 0.0
    return {"entries": [(rid, f[rid], d[rid]) for rid in ids], "n_hit": n_hit, "tail": tail}


def top_from_list(
    conn: sqlite3.Connection, term: str, key: str, lst: dict[str, Any], k: int = 20
) -> tuple[list[tuple[int, float]], bool]:
    """The best ``k`` (id, score) for ``term`` from the list of ``key``; True when provably
    exact (the k-th score beats every record left out of the list)."""
    n_rows, avgdl = table_stats(conn)
    ids = [rid for rid, _, _ in lst["entries"]]
    marks = ",".join("?" * len(ids))
    trash = {
        r[0]
        for r in conn.execute(
            f"SELECT id FROM record WHERE deleted_at IS NOT NULL AND id IN ({marks})", ids
        )
    }
    if term == key:
        w_idf = idf(n_rows, lst["n_hit"])
        fs = {rid: f for rid, f, _ in lst["entries"]}
    else:
        w_idf = idf(n_rows, count(conn, term))
        fs = weighted_counts(conn, ids, term)
    scored = sorted(
        ((-w_idf * weight(fs[rid], d, avgdl), -rid) for rid, _, d in lst["entries"] if fs[rid]),
    )
    scored = [(s, r) for s, r in scored if -r not in trash]
    best = [(-r, -s) for s, r in scored[:k]]
    return best, len(best) == k and best[-1][1] > w_idf * lst["tail"]


def fts_top(conn: sqlite3.Connection, term: str, k: int = 20) -> list[tuple[int, float]]:
    rows = conn.execute(
        f"SELECT rowid, -bm25(record_fts, {WEIGHTS}) AS s FROM record_fts WHERE record_fts "
        "MATCH ? AND +rowid NOT IN (SELECT id FROM record WHERE deleted_at IS NOT NULL) "
        "ORDER BY s DESC, rowid DESC LIMIT ?",
        (phrase_match(term), k),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


def cpu_ms(fn: Any, repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        a = time.process_time()
        fn()
        times.append(time.process_time() - a)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--length", type=int, default=64, help="entries kept per term")
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    n_rows, _ = table_stats(conn)
    print(f"{n_rows:,} records; {args.length} entries per list; CPU ms, medians of 5")
    print(f"  {'query':8} {'list of':8} {'records':>8} {'build':>7} {'FTS5':>7} {'list':>7} same")
    for term in QUERIES:
        norm = normalize(term)
        keys = [norm] if len(norm) == 1 else [norm[i : i + 2] for i in range(len(norm) - 1)]
        key = min(keys, key=lambda t: count(conn, t))
        t = time.process_time()
        lst = build_list(conn, key, args.length)
        build = (time.process_time() - t) * 1e3
        got, proven = top_from_list(conn, norm, key, lst)
        want = fts_top(conn, norm)
        same = [r for r, _ in got] == [r for r, _ in want] and all(
            math.isclose(a, b, rel_tol=1e-9) for (_, a), (_, b) in zip(got, want, strict=True)
        )
        print(
            f"  {term:8} {key:8} {count(conn, norm):8,} {build:7.1f} "
            f"{cpu_ms(lambda t=norm: fts_top(conn, t)):7.1f} "
            f"{cpu_ms(lambda t=norm, k=key, s=lst: top_from_list(conn, t, k, s)):7.2f} "
            f"{'yes' if same else 'NO'}{'' if proven else ' (bound not reached)'}"
        )


if __name__ == "__main__":
    main()
