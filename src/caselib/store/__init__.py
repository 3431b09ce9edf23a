"""Store: where records live.

The library handle (``library``), its tables, schema version and migrations, where the library
file is, the record input schema, the library's configuration file beside it (``config``: the
rubric, ranking weights and theme parts, read by every layer above), and what is specific to
SQLite (``sqlite_backend``: the bigram full-text index; ``reader``: the plain-``sqlite3`` read
path: plain SQL, which for a library file never loads SQLAlchemy), what is specific to
PostgreSQL (``postgres_backend``: the same bigrams as a tsvector under GIN, the psycopg
connection of the read path), ``maintenance`` (backup, copy between libraries and backends,
orphan-row and schema checks), and ``faults``: a locked, read-only, full or damaged library
told in one Chinese line.
It knows text but nothing of the layers above: a new library is filled by whoever creates it.
"""
