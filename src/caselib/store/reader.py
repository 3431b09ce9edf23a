"""The read path: a plain-SQL connection (qmark parameters), so that read commands answer
without the ORM: ``sqlite3`` for a library file (without loading SQLAlchemy at all), a psycopg
connection (``postgres_backend.PgConnection``) for a PostgreSQL library."""

from __future__ import annotations

import sqlite3
from typing import Any

from caselib.errors import LibraryError
from caselib.store import faults, sqlite_backend
from caselib.store.location import resolve_url, sqlite_path
from caselib.store.meta import SCHEMA_VERSION, check_meta

READ_MMAP_BYTES = 1 << 30


def connect(db: str | None) -> Any:
    """A plain-SQL connection to the library, for read-only commands. A library file is opened
    read-only, so it works in a folder this user cannot write (``reading_uri``). A PostgreSQL
    library is first opened through ``Library.open`` (checked and upgraded like any other).

    A library written by an older caselib is first upgraded through ``Library.open`` (the only
    case that loads SQLAlchemy here)."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is None:
        from caselib.store.library import Library

        return Library.open(db).dbapi_connection()
    if not path.exists():
        raise LibraryError(f"库不存在：{path}（请先运行 caselib init）")
    try:
        conn = sqlite3.connect(sqlite_backend.reading_uri(path), uri=True)
        sqlite_backend.configure_connection(conn)
        # pages read from the file's mapping rather than copied in one by one: a fifth less
        # time for ``list --json`` of 10,000 records, whose rows span several pages each
        conn.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            raise LibraryError(faults.not_a_library(path)) from exc
        raise faults.library_error(exc, path) from exc
    if check_meta(rows) < SCHEMA_VERSION:
        conn.close()
        from caselib.store.library import Library  # loads SQLAlchemy: only to upgrade

        Library.open(db)
        return connect(db)
    return conn
