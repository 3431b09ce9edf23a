"""The read path: a plain ``sqlite3`` connection to a SQLite library, so that read commands
answer without loading SQLAlchemy."""

from __future__ import annotations

import sqlite3

from caselib.errors import LibraryError
from caselib.store import faults, sqlite_backend
from caselib.store.location import resolve_url, sqlite_path
from caselib.store.meta import SCHEMA_VERSION, check_meta


def connect_sqlite(db: str | None) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the library, for read-only commands (opened
    read-only, so it works in a folder this user cannot write: ``reading_uri``).

    A library written by an older caselib is first upgraded through ``Library.open`` (the only
    case that loads SQLAlchemy here)."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is None:
        raise LibraryError("该命令目前只支持 SQLite 库")
    if not path.exists():
        raise LibraryError(f"库不存在：{path}（请先运行 caselib init）")
    try:
        conn = sqlite3.connect(sqlite_backend.reading_uri(path), uri=True)
        sqlite_backend.configure_connection(conn)
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            raise LibraryError(faults.not_a_library(path)) from exc
        raise faults.library_error(exc, path) from exc
    if check_meta(rows) < SCHEMA_VERSION:
        conn.close()
        from caselib.store.library import Library  # loads SQLAlchemy: only to upgrade

        Library.open(db)
        return connect_sqlite(db)
    return conn
