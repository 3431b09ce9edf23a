"""Everything PostgreSQL-specific."""

from __future__ import annotations

from typing import Any


def after_bulk_load(conn: Any) -> None:
    """Move every id sequence past the ids written explicitly (``copy``)."""
    from sqlalchemy import text

    for (table,) in conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relkind = 'r' AND a.attname = 'id' AND pg_get_serial_sequence("
            "quote_ident(c.relname), 'id') IS NOT NULL AND c.relnamespace = "
            "current_schema()::regnamespace"
        )
    ).all():
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                "COALESCE((SELECT MAX(id) FROM " + _ident(table) + "), 0) + 1, false)"
            ),
            {"t": table},
        )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
