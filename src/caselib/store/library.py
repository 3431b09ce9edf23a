"""Opening a library: engine, sessions, schema version and migrations."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from caselib.errors import CaselibError, LibraryError, os_reason
from caselib.store import faults, impact, sqlite_backend, tables
from caselib.store import meta as library_meta
from caselib.store.location import resolve_url, sqlite_path

# Upgrades from version N-1 to N, keyed by N. A fresh library is created at SCHEMA_VERSION
# directly; an older library runs every step above its version, in order, in one transaction.


def _v2_source_missing_previous_status(conn: Connection) -> None:
    """Version 2: where a record came from (path, facts such as 文号), what an import could
    not find in it, and the status a shortlisted record had before (restored on removal)."""
    for ddl in (
        "ALTER TABLE record ADD COLUMN source_path VARCHAR",
        "ALTER TABLE record ADD COLUMN source_info JSON NOT NULL DEFAULT '{}'",
        "ALTER TABLE record ADD COLUMN missing JSON NOT NULL DEFAULT '[]'",
        "CREATE INDEX ix_record_source_path ON record (source_path)",
        "ALTER TABLE shortlist_item ADD COLUMN previous_status VARCHAR",
    ):
        conn.exec_driver_sql(ddl)


def _v3_pg_single_character_tokens(conn: Connection) -> None:
    """Version 3: PostgreSQL's index also holds each character alone (``postgres_backend``),
    so it is rebuilt; SQLite's index is unchanged."""
    if conn.dialect.name == "postgresql":
        from caselib.store import postgres_backend

        postgres_backend.rebuild_index(_plain_sql(conn))


def _v4_best_match_lists(conn: Connection) -> None:
    """Version 4: the best matches of frequent searches are kept: SQLite's impact lists
    (``impact``), built from the index; PostgreSQL's top lists (``postgres_toplists``, under
    RUM), tables that searches fill."""
    if conn.dialect.name == "sqlite":
        impact.build(conn.connection.driver_connection)
    else:
        from caselib.store import postgres_backend

        postgres_backend.create_top_lists(_plain_sql(conn))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _v2_source_missing_previous_status,
    3: _v3_pg_single_character_tokens,
    4: _v4_best_match_lists,
}

T = TypeVar("T")

#: How often ``Library.write`` tries a unit of work, and its first pause (doubling).
TRANSACTION_ATTEMPTS = 5
RETRY_PAUSE_S = 0.05


def upgrade_backup_path(path: Path, version: int) -> Path:
    """Where ``upgrade`` keeps the library as it was before (beside it, named for the old
    version and the time; never an existing file)."""
    import datetime as dt

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{path.stem}.升级前备份-v{version}-{stamp}"
    candidate = path.with_name(base + path.suffix)
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{base}-{n}{path.suffix}")
    return candidate


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Library:
    """An open case library. Use ``Library.open()`` or ``Library.init()``."""

    def __init__(self, url: str, engine: Engine, *, read_only: str | None = None) -> None:
        self.url = url
        self.engine = engine
        self.path: Path | None = sqlite_path(url)
        #: Why the library was opened for reading only (the line shown for a refused write),
        #: or None when it was opened for writing.
        self.read_only = read_only

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def translate_error(self, exc: Exception) -> CaselibError:
        """One Chinese line for a database error (see ``faults.library_error``)."""
        if not self.is_sqlite:
            from caselib.store import postgres_backend

            error: CaselibError = postgres_backend.library_error(exc, self.url)
            return error
        return faults.library_error(exc, self.path, read_only=self.read_only)

    # -- opening -------------------------------------------------------------
    @classmethod
    def _engine(cls, url: str, reading_uri: str | None = None) -> Engine:
        target: str | URL = url
        path = sqlite_path(url)
        if path is not None and not url.startswith("sqlite:///file:"):
            # a plain file path may hold "?" or "#": pass it whole, never parsed as a URL
            target = URL.create("sqlite", database=str(path))
        options: dict[str, Any] = {}
        if url.startswith("postgresql"):
            from caselib.store import postgres_backend

            postgres_backend.require_driver()
            # one command is one short-lived process: a connection is closed when it is
            # returned, never left open to a server for the garbage collector
            from sqlalchemy.pool import NullPool

            options["poolclass"] = NullPool
        if reading_uri is not None:
            options["creator"] = lambda: sqlite3.connect(reading_uri, uri=True)
        # JSON columns hold Chinese text: store it as UTF-8, not \u escapes (half the size).
        engine = create_engine(target, json_serializer=_dump_json, **options)
        if engine.dialect.name == "sqlite":

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
                sqlite_backend.configure_connection(dbapi_connection)

        return engine

    @classmethod
    def open(cls, db: str | None = None, *, upgrade: bool = True) -> Library:
        """Open an existing library, upgrading its schema if it was written by an older caselib
        (after a snapshot beside it: ``upgrade``); ``upgrade=False`` leaves an old one as it is.

        A library this user may read but not write (the file or its folder is read-only) is
        opened for reading: reads work, a write is refused with one line."""
        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None and not path.exists():
            raise LibraryError(f"库不存在：{path}（请先运行 caselib init）")
        reason = None
        if path is not None and not url.startswith("sqlite:///file:"):
            if not os.access(path.parent, os.W_OK):
                reason = faults.READ_ONLY_FOLDER
            elif not os.access(path, os.W_OK):
                reason = faults.READ_ONLY
        if path is not None and reason is not None:
            engine = cls._engine(url, sqlite_backend.reading_uri(path))
        else:
            engine = cls._engine(url)
        lib = cls(url, engine, read_only=reason)
        lib._check_and_upgrade(upgrade)
        return lib

    @classmethod
    def init(
        cls, db: str | None = None, populate: Callable[[Session], object] | None = None
    ) -> tuple[Library, bool]:
        """Create a library; returns (library, created). ``populate`` fills a new library (the
        default tag vocabulary: ``tags.init_library``), so the store imports nothing above it.

        An existing caselib library is opened unchanged; any other existing file is refused.
        A library file is made whole or not at all (see ``_create_file``).
        """
        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None and path.exists() and path.stat().st_size > 0:
            return cls.open(db), False
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(
                    f"无法创建库所在目录：{path.parent}（{os_reason(exc)}）"
                ) from exc
            cls._create_file(path, populate)
            return cls.open(db), True
        lib = cls(url, cls._engine(url))
        if lib._read_meta() is not None:
            lib._check_and_upgrade()
            return lib, False
        lib._create(populate)
        return lib, True

    @classmethod
    def _create_file(cls, path: Path, populate: Callable[[Session], object] | None) -> None:
        """Build a new library in a temporary file next to ``path`` and rename it into place
        when it is complete, so a full disk or an interrupted ``init`` leaves no half-made
        library behind. The file is created readable and writable by its owner only (0600):
        it holds names and contact details."""
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".new", dir=path.parent)
            os.close(fd)
        except OSError as exc:
            raise LibraryError(f"无法在 {path.parent} 中创建库文件（{os_reason(exc)}）") from exc
        tmp = Path(name)
        lib = cls("sqlite:///" + str(tmp), cls._engine("sqlite:///" + str(tmp)))
        try:
            lib._create(populate)
            try:
                with lib.engine.connect() as conn:
                    # copy the write-ahead log into the file: the file alone is the library
                    busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            except (OperationalError, DatabaseError) as exc:
                raise faults.library_error(exc, path) from exc
            if busy:
                raise LibraryError(faults.IO_ERROR)
            lib.engine.dispose()
            os.replace(tmp, path)
        except OSError as exc:
            raise LibraryError(f"无法创建库文件：{path}（{os_reason(exc)}）") from exc
        finally:
            lib.engine.dispose()
            for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)

    def _read_meta(self) -> dict[str, str] | None:
        """The meta table, or None when the database is empty; LibraryError if it is not ours."""
        try:
            with self.engine.connect() as conn:
                try:  # the usual case first: no schema inspection for a library
                    rows = conn.exec_driver_sql("SELECT key, value FROM meta").fetchall()
                except (OperationalError, DatabaseError):
                    conn.rollback()
                    names = set(self.engine.dialect.get_table_names(conn))
                    if not names:
                        return None
                    if "meta" not in names:
                        raise LibraryError("该数据库不是 caselib 库（缺少 meta 表）") from None
                    raise
        except (OperationalError, DatabaseError) as exc:
            raise self.translate_error(exc) from exc
        meta = {str(k): str(v) for k, v in rows}
        library_meta.check_meta(list(meta.items()))
        return meta

    def _create(self, populate: Callable[[Session], object] | None) -> None:
        try:
            if self.is_sqlite:
                with self.engine.connect() as conn:
                    sqlite_backend.prepare_new_database(conn.connection.driver_connection)
            with self.engine.begin() as conn:
                SQLModel.metadata.create_all(conn)
                if self.is_sqlite:
                    sqlite_backend.create_index(conn.connection.driver_connection)
                    impact.create_tables(conn.connection.driver_connection)
                else:
                    from caselib.store import postgres_backend

                    postgres_backend.create_index(_plain_sql(conn))
                conn.execute(
                    tables.Meta.__table__.insert(),  # type: ignore[attr-defined]
                    [
                        {"key": "application", "value": library_meta.APPLICATION},
                        {"key": "schema_version", "value": str(library_meta.SCHEMA_VERSION)},
                    ],
                )
            if populate is not None:
                with self.session() as session:
                    populate(session)
        except (OperationalError, DatabaseError) as exc:
            raise self.translate_error(exc) from exc

    def _check_and_upgrade(self, upgrade: bool = True) -> None:
        meta = self._read_meta()
        if meta is None:
            raise LibraryError("该文件不是 caselib 库（空数据库，请用 caselib init 创建）")
        version = int(meta["schema_version"])
        if upgrade and version < library_meta.SCHEMA_VERSION:
            self.upgrade(version)

    def upgrade(self, from_version: int) -> Path | None:
        """Run the migrations above ``from_version`` in one transaction, after taking a
        snapshot of a library file beside it; returns that snapshot's path (None for a
        server database, whose backups are the office's ``pg_dump``)."""
        saved = None
        if self.path is not None and self.read_only is None:
            saved = upgrade_backup_path(self.path, from_version)
            try:
                sqlite_backend.snapshot(self.path, saved)
            except sqlite3.Error as exc:
                raise self.translate_error(exc) from exc
            except OSError as exc:
                raise LibraryError(
                    f"升级前备份失败，未做升级：{saved}（{os_reason(exc)}）"
                ) from exc
        try:
            with self.engine.begin() as conn:
                for target in range(from_version + 1, library_meta.SCHEMA_VERSION + 1):
                    MIGRATIONS[target](conn)
                    conn.execute(
                        text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                        {"v": str(target)},
                    )
        except (OperationalError, DatabaseError) as exc:
            raise self.translate_error(exc) from exc
        return saved

    @property
    def schema_version(self) -> int:
        meta = self._read_meta() or {}
        return int(meta.get("schema_version", "0"))

    # -- sessions ------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error. Commands
        read through it; they write through ``write``, which runs it again after a transient
        failure (a ``with`` block cannot be run again).

        Records touched in the session are re-indexed inside the same transaction.
        """
        session = Session(self.engine, expire_on_commit=False)
        event.listen(session, "after_flush", _reindex_after_flush)
        try:
            yield session
            session.commit()
        except (OperationalError, DatabaseError, sqlite3.Error) as exc:  # sqlite3: plain SQL
            session.rollback()
            raise self.translate_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def write(self, work: Callable[[Session], T], *, attempts: int = TRANSACTION_ATTEMPTS) -> T:
        """Run ``work(session)`` as one unit of work and return what it returns: the way every
        write reaches the library. A try that fails for a transient reason
        (``faults.is_transient``: SQLite's lock held past the busy timeout, a PostgreSQL
        deadlock or serialization failure) was rolled back; ``work`` runs again, in a new
        session, after a growing, jittered pause, at most ``attempts`` times; the last failure
        is raised as usual (one Chinese line).

        ``work`` must therefore be re-runnable: it may only touch the library through the
        session (a file is written after ``write`` returns) and must not keep results from an
        earlier try (build what it reports inside, return it)."""
        for number in range(attempts):
            try:
                with self.session() as session:
                    result = work(session)
            except LibraryError as exc:
                if number == attempts - 1 or not faults.is_transient(exc.__cause__):
                    raise
            else:
                return result
            time.sleep(random.uniform(0.5, 1.0) * RETRY_PAUSE_S * 2**number)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def dbapi_connection(self) -> Any:
        """A plain-SQL connection (qmark parameters; no ORM): ``sqlite3`` for a library file,
        ``postgres_backend.PgConnection`` for a PostgreSQL library."""
        if self.path is None:
            from caselib.store import postgres_backend

            try:
                return postgres_backend.connect(self.url)
            except Exception as exc:
                raise self.translate_error(exc) from exc
        try:
            if self.read_only is not None:
                conn = sqlite3.connect(sqlite_backend.reading_uri(self.path), uri=True)
            else:
                conn = sqlite3.connect(self.path)
            sqlite_backend.configure_connection(conn)
        except sqlite3.Error as exc:
            raise self.translate_error(exc) from exc
        return conn

    def after_bulk_load(self, conn: Connection) -> None:
        """Bring what the backend derives from the tables up to date after rows were written
        with their ids (``copy``): the full-text index, and PostgreSQL's id sequences."""
        if self.is_sqlite:
            impact.rebuild_index(conn.connection.driver_connection)
        else:
            from caselib.store import postgres_backend

            postgres_backend.after_bulk_load(conn)

    def rebuild_index(self) -> int:
        """Rebuild the full-text index in one transaction (records indexed), through ``write``:
        run again if it meets another writer's lock."""

        def rebuild(session: Session) -> int:
            conn = session.connection()
            if self.is_sqlite:
                return impact.rebuild_index(conn.connection.driver_connection)
            from caselib.store import postgres_backend

            count: int = postgres_backend.rebuild_index(_plain_sql(conn))
            return count

        return self.write(rebuild)

    def refresh_search_lists(self) -> None:
        """Fold the records written since the last fold into the impact lists and give lists
        to terms that became frequent (SQLite; after an import)."""
        if self.is_sqlite and self.read_only is None:
            self.write(lambda s: impact.refresh(s.connection().connection.driver_connection))

    @property
    def display_location(self) -> str:
        """The library file, or the server URL with its password masked."""
        from caselib.store.location import mask_url

        return str(self.path) if self.path is not None else mask_url(self.url)

    def counts(self) -> dict[str, int]:
        """Live records, records in the trash, units, tags and bulletins."""
        from caselib.store.meta import counts

        conn = self.dbapi_connection()
        try:
            return counts(conn)
        except sqlite3.Error as exc:
            raise self.translate_error(exc) from exc
        finally:
            conn.close()


def first_id(session: Session, statements: Iterable[str], *params: Any) -> int | None:
    """The id the first of these single-column qmark statements finds (tried in order), by
    plain SQL in the session's transaction (``plain_sql``); pending ORM changes are flushed
    first, as the ORM's autoflush would (a rename not yet written still counts)."""
    session.flush()
    conn = plain_sql(session)
    for statement in statements:
        row = conn.execute(statement, params).fetchone()
        if row is not None and row[0] is not None:
            return int(row[0])
    return None


def insert_if_absent(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless one with the same unique key is already there; True when this call
    inserted it. Get-or-create is race-free this way: insert if absent, then read. Two
    processes adding the same new name at once both succeed, where "read, then insert" makes
    one of them fail on the unique key."""
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(model)
    else:  # SQLite: the PostgreSQL dialect (some 20 modules) is not loaded
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model)
    statement = statement.values(**values).on_conflict_do_nothing()
    return bool(session.exec(statement).rowcount)


def _reindex_after_flush(session: Session, _context: Any) -> None:
    """Keep the full-text index in step with records, tags and units, in the same transaction.

    A renamed tag or unit changes the indexed text of its records; a tag or unit that only
    gained or lost records (a backref collection changed) does not."""
    ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, tables.Record) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, tables.RecordTag):
            ids.add(obj.record_id)
        elif isinstance(obj, tables.Tag | tables.Unit) and obj in session.dirty:
            if obj.id is None or not inspect(obj).attrs.name.history.has_changes():
                continue
            table, key, column = (
                ("record_tag", "record_id", "tag_id")
                if isinstance(obj, tables.Tag)
                else ("record", "id", "unit_id")
            )
            rows = session.connection().execute(
                text(f"SELECT {key} FROM {table} WHERE {column} = :id"), {"id": obj.id}
            )
            ids.update(int(r[0]) for r in rows)
    if ids:
        reindex(session, ids)


def reindex(session: Session, record_ids: Iterable[int]) -> None:
    """Rewrite the full-text index rows of these records in the session's transaction: what
    the flush hook does for ORM writes, for records written with plain statements."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        impact.reindex_records(conn.connection.driver_connection, record_ids)
    else:
        from caselib.store import postgres_backend

        postgres_backend.reindex_records(_plain_sql(conn), record_ids)


def plain_sql(session: Session) -> Any:
    """The qmark plain-SQL face of the session's connection, in its transaction: for paths
    that run many small statements (an import), where SQLAlchemy's per-statement work costs
    more than the statement."""
    return _plain_sql(session.connection())


def _plain_sql(conn: Connection) -> Any:
    """The qmark plain-SQL face of a SQLAlchemy connection, in its transaction."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return raw
    from caselib.store import postgres_backend

    return postgres_backend.PgConnection(raw, owned=False)
