"""PostgreSQL top lists: the best records of a search, kept so that it does not rank every
match again.

RUM returns matches in rank order, but to do so it scores and sorts every record matching the
ranking query: at 100,000 records a character found in most of them costs 50-150 ms, however
small the page. Under RUM the score (cover density of the query's positions in the record)
depends on the record alone: no statistics of the whole library enter it (unlike BM25). So
for a search of terms without alternatives (``Listed``: its ranking query, one token or tokens
ANDed, and the phrases its longer terms must contain) the ``LENGTH`` best records by the
search order (distance, then newest, then highest id) are kept in ``record_top_pg``, with, in
``record_top_pg_list``, the sort key of the first record left out (the tail; infinite when
the list holds every match).

Invariant: every record matching the search whose sort key is before the tail is in the list,
with its current distance and date. A search then reads the list in key order through its
other conditions and filters; its page is exact when the last row of the page is before the
tail (every record not in the list comes after it). Otherwise (filters leave too few rows) it
ranks with RUM.

Keeping it: ``refresh`` runs in the writer's transaction for every record written (a date
change moves a record too): the record's entries are dropped and entered again in each list
whose search it matches (found through one token of the query the record holds) where its key
beats the tail. A list only grows, by records that beat its tail; ``caselib reindex`` starts
afresh. A list is made after the first search that finds more matches than its page and
margin (``store``; the oldest goes beyond ``MAX_LISTS``), under a SHARE lock on the index table: no writer is between its own index
rows and its ``refresh`` meanwhile, so no write is missed. A search that cannot take the lock
at once, or may not write, goes on without a list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

INDEX_TABLE = "record_fts_pg"
LIST_TABLE = "record_top_pg"
HEAD_TABLE = "record_top_pg_list"
#: Records kept per list: pages of 20 up to the fifth, with room for filters.
LENGTH = 100
#: Lists kept at most: every write enters its records in each list whose search they match,
#: so the number of lists bounds what a write costs; making one more drops the oldest.
MAX_LISTS = 500
#: A search waits at most this long for writers before making a list without them.
LOCK_WAIT = "200ms"

Key = tuple[float, str, int]


@dataclass(frozen=True)
class Listed:
    """A search a top list can answer: ``query``, the ranking tsquery (text); ``token``, one
    token every match holds; ``phrases``, coded phrases every match contains (terms longer
    than two codes, ranked by one bigram); ``where``/``params``, the search's other
    conditions on the index table ``i`` (excluded terms, filters), not kept in the list."""

    query: str
    token: str
    phrases: tuple[str, ...]
    where: str
    params: tuple[Any, ...]

    @property
    def key(self) -> str:
        """The list's name: the query and phrases, unambiguously."""
        return json.dumps([self.query, *self.phrases], ensure_ascii=False)


_IN_LIST_ORDER = "SELECT " + ", ".join(
    f"set_config('{p}', 'off', true)"
    for p in ("enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin",
              "enable_sort")
)  # fmt: skip


def create_tables(conn: Any) -> None:
    """The two tables (idempotent). ``conn``: a PgConnection; the server has rum."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {HEAD_TABLE} (key TEXT PRIMARY KEY, token TEXT NOT NULL, "
        "query TSQUERY NOT NULL, phrases TEXT[] NOT NULL, tail_distance REAL NOT NULL, "
        'tail_day TEXT COLLATE "C" NOT NULL, tail_id INTEGER NOT NULL, made BIGSERIAL)'
    )
    conn.execute(f"CREATE INDEX IF NOT EXISTS ix_{HEAD_TABLE}_token ON {HEAD_TABLE} (token)")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {LIST_TABLE} ("
        f"key TEXT NOT NULL REFERENCES {HEAD_TABLE}(key) ON DELETE CASCADE, "
        f"record_id INTEGER NOT NULL REFERENCES {INDEX_TABLE}(record_id) ON DELETE CASCADE, "
        'distance REAL NOT NULL, day TEXT COLLATE "C" NOT NULL)'
    )
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS ix_{LIST_TABLE}_order "
        f"ON {LIST_TABLE} (key, distance, day DESC, record_id DESC)"
    )
    conn.execute(f"CREATE INDEX IF NOT EXISTS ix_{LIST_TABLE}_record ON {LIST_TABLE} (record_id)")


def drop_tables(conn: Any) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {LIST_TABLE}, {HEAD_TABLE}")


def _exists(conn: Any) -> bool:
    """Whether this library has the tables (read once per connection)."""
    known: bool | None = getattr(conn, "toplists", None)
    if known is None:
        known = conn.execute("SELECT to_regclass(?)", (HEAD_TABLE,)).fetchone()[0] is not None
        if hasattr(conn, "toplists"):
            conn.toplists = known
    return known


# --------------------------------------------------------------------------------------------
# Keeping the lists


#: Each written record (ids ``?``) enters the lists whose query it matches where it beats
#: the tail. The tsvector is copied out of its TOAST once, not once per list.
_ENTER = f"""
WITH v AS MATERIALIZED (
    SELECT i.record_id, i.tsv || ''::tsvector AS tsv, i.content,
           COALESCE(CAST(r.date AS text), '') COLLATE "C" AS day
    FROM {INDEX_TABLE} AS i JOIN record AS r ON r.id = i.record_id
    WHERE i.record_id = ANY(?)
)
INSERT INTO {LIST_TABLE} (key, record_id, distance, day)
SELECT h.key, v.record_id, d.distance, v.day
FROM v CROSS JOIN LATERAL unnest(tsvector_to_array(v.tsv)) AS t(token)
JOIN {HEAD_TABLE} AS h ON h.token = t.token AND v.tsv @@ h.query
CROSS JOIN LATERAL (SELECT v.tsv <=> h.query AS distance) AS d
WHERE NOT EXISTS (SELECT 1 FROM unnest(h.phrases) AS p(phrase) WHERE strpos(v.content, p.phrase) = 0)
  AND (d.distance < h.tail_distance OR (d.distance = h.tail_distance AND (v.day > h.tail_day
      OR (v.day = h.tail_day AND v.record_id > h.tail_id))))
"""


def refresh(conn: Any, record_ids: Sequence[int]) -> None:
    """Re-enter these records in the lists (after their index rows were written, in the same
    transaction; records no longer there just leave). ``conn``: a PgConnection."""
    if not record_ids or not _exists(conn):
        return
    ids = list(record_ids)
    with conn.raw.transaction():  # a savepoint in the writer's transaction
        # the lock a list's maker waits for (see the module doc), taken before reading heads
        conn.execute(f"LOCK TABLE {INDEX_TABLE} IN ROW EXCLUSIVE MODE")
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {HEAD_TABLE})").fetchone()[0]:
            conn.execute(f"DELETE FROM {LIST_TABLE} WHERE record_id = ANY(?)", (ids,))
            conn.execute(_ENTER, (ids,))


# --------------------------------------------------------------------------------------------
# Making a list


def lock_for_store(conn: Any, key: str) -> bool:
    """In the caller's transaction: wait briefly for writers (SHARE lock on the index table);
    False when the list is there by now. Raises psycopg.Error when the lock is not had."""
    conn.execute(f"SELECT set_config('lock_timeout', '{LOCK_WAIT}', true)")
    conn.execute(f"LOCK TABLE {INDEX_TABLE} IN SHARE MODE")
    found = conn.execute(f"SELECT 1 FROM {HEAD_TABLE} WHERE key = ?", (key,)).fetchone()
    return found is None


def matches(search: Listed) -> tuple[str, list[Any]]:
    """The condition on the index table ``i`` a record in the list of ``search`` meets."""
    where = " AND ".join(
        ["i.tsv @@ CAST(? AS tsquery)"] + ["strpos(i.content, ?) > 0"] * len(search.phrases)
    )
    return where, [search.query, *search.phrases]


def store(conn: Any, search: Listed, ranked: Sequence[tuple[int, float]]) -> None:
    """Write the list of ``search`` from ``ranked``: (record id, distance) of every record
    meeting ``matches`` whose distance reaches the ``LENGTH + 1``-th best (ties included),
    in the caller's transaction after ``lock_for_store``."""
    days = dict(
        conn.execute(
            "SELECT id, COALESCE(CAST(date AS text), '') FROM record WHERE id = ANY(?)",
            ([rid for rid, _ in ranked],),
        ).fetchall()
    )
    keyed = sorted((float(d), str(days.get(rid, "")), int(rid)) for rid, d in ranked)
    keyed.sort(key=lambda k: k[2], reverse=True)
    keyed.sort(key=lambda k: k[1], reverse=True)
    keyed.sort(key=lambda k: k[0])
    kept = keyed[:LENGTH]
    tail: Key = keyed[LENGTH] if len(keyed) > LENGTH else (float("inf"), "", 0)
    conn.execute(
        f"INSERT INTO {HEAD_TABLE} (key, token, query, phrases, tail_distance, tail_day, "
        "tail_id) VALUES (?, ?, CAST(? AS tsquery), ?, ?, ?, ?)",
        (search.key, search.token, search.query, list(search.phrases), *tail),
    )
    if kept:
        conn.raw.cursor().executemany(
            f"INSERT INTO {LIST_TABLE} (key, record_id, distance, day) VALUES (%s, %s, %s, %s)",
            [(search.key, rid, d, day) for d, day, rid in kept],
        )
    conn.execute(  # its entries go with it (ON DELETE CASCADE)
        f"DELETE FROM {HEAD_TABLE} WHERE key IN "
        f"(SELECT key FROM {HEAD_TABLE} ORDER BY made DESC OFFSET ?)",
        (MAX_LISTS,),
    )


def stale(conn: Any, rank: Callable[[str, str, list[Any], int], Sequence[Any]]) -> list[str]:
    """The keys of the lists that break the invariant (``caselib check``): each list against
    the records ranked again, ``rank(query, where, params, need)`` giving (record id,
    distance) of enough matches that the ``need`` best, ties included, are among them."""
    if not _exists(conn):
        return []
    heads = conn.execute(
        f"SELECT key, query::text, phrases, tail_distance, tail_day, tail_id FROM {HEAD_TABLE}"
    ).fetchall()
    broken = []
    for key, query, phrases, *tail_key in heads:
        tail: Key = (float(tail_key[0]), str(tail_key[1]), int(tail_key[2]))
        kept = {
            int(rid): (float(d), str(day))
            for rid, d, day in conn.execute(
                f"SELECT record_id, distance, day FROM {LIST_TABLE} WHERE key = ?", (key,)
            ).fetchall()
        }
        search = Listed(query, "", tuple(phrases), "TRUE", ())
        ranked = rank(query, *matches(search), len(kept) + 1)
        days = dict(
            conn.execute(
                "SELECT id, COALESCE(CAST(date AS text), '') FROM record WHERE id = ANY(?)",
                ([rid for rid, _ in ranked],),
            ).fetchall()
        )
        due = {
            int(rid): (float(d), str(days.get(rid, "")))
            for rid, d in ranked
            if _before((float(d), str(days.get(rid, "")), int(rid)), tail)
        }
        if due != kept:
            broken.append(str(key))
    return broken


# --------------------------------------------------------------------------------------------
# Reading a list


def top(conn: Any, search: Listed, need: int) -> tuple[bool, list[tuple[int, float]] | None]:
    """Whether ``search`` has a list, and (record id, distance) of its ``need`` best records
    that pass its other conditions, in key order, when the list shows them all; else None (no
    list, or fewer than ``need`` rows pass before the tail)."""
    if need > LENGTH or not _exists(conn):
        return True, None
    sql = (
        "SELECT h.tail_distance, h.tail_day, h.tail_id, e.record_id, e.distance, e.day "
        f"FROM {HEAD_TABLE} AS h LEFT JOIN LATERAL (SELECT t.record_id, t.distance, t.day "
        f"FROM {LIST_TABLE} AS t JOIN {INDEX_TABLE} AS i ON i.record_id = t.record_id "
        f"WHERE t.key = h.key AND {search.where} "
        "ORDER BY t.distance, t.day DESC, t.record_id DESC LIMIT ?) AS e ON TRUE "
        "WHERE h.key = ?"
    )
    # The list in key order, each row's index row looked up by id and tested, until the page
    # is full: the planner would rather test every index row (reading each one's content) and
    # sort, not knowing how soon the page fills. One round trip for all of it.
    with conn.raw.pipeline(), conn.raw.transaction():
        conn.execute(_IN_LIST_ORDER)
        cursor = conn.execute(sql, [*search.params, need, search.key])
    rows = cursor.fetchall()
    if not rows:
        return False, None
    tail: Key = (float(rows[0][0]), str(rows[0][1]), int(rows[0][2]))
    found = [(int(r[3]), float(r[4]), str(r[5])) for r in rows if r[3] is not None]
    if len(found) == need:
        rid, distance, day = found[-1]
        if _before((distance, day, rid), tail):
            return True, [(rid, d) for rid, d, _ in found]
    elif tail[0] == float("inf"):
        return True, [(rid, d) for rid, d, _ in found]  # the list is every match
    return True, None


def _before(a: Key, b: Key) -> bool:
    """Whether key ``a`` comes first: lower distance, then later day, then higher id."""
    return a[0] < b[0] or (a[0] == b[0] and (a[1] > b[1] or (a[1] == b[1] and a[2] > b[2])))
