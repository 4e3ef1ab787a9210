"""The database engine: SQLite (default; WAL, busy timeout, immediate write transactions)
or PostgreSQL (psycopg 3) by URL.

SQLite allows one writer at a time. A deferred transaction that reads and then writes can
fail at once with "database is locked" whatever the busy timeout, because its snapshot went
stale; write transactions therefore start with ``BEGIN IMMEDIATE`` and wait their turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from assay.core.errors import UsageError
from assay.server.db.writers import WriterQueue

BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 5
WRITE = {"assay_write": True}


def normalise_url(url: str) -> URL:
    """Parse a database URL; ``postgres://`` and ``postgresql://`` mean psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            "the database URL is not valid: expected sqlite:///path/to/file.db or "
            "postgresql://user@host:5432/dbname"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UsageError(
            f"unsupported database '{parsed.get_backend_name()}' in the database URL: "
            "assay's server stores its data in SQLite or PostgreSQL"
        )
    return parsed


def display_url(url: URL) -> str:
    """The URL with its password masked, safe for logs and errors."""
    return url.render_as_string(hide_password=True)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # transactions are begun by us (below), not by the sqlite3 module
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed (acknowledged) transaction survives a power cut, not only a crash
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("assay_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; a bad URL or missing driver is a ``UsageError``."""
    parsed = normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
        )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise UsageError(f"cannot use the database URL {display_url(parsed)}: {exc}") from None
    except OSError as exc:
        raise UsageError(
            f"cannot create the directory for {display_url(parsed)}: {exc.strerror}"
        ) from None


class Database:
    """An engine plus session factories for reads and writes."""

    def __init__(self, url: str) -> None:
        self.engine = create_db_engine(url)
        self.url = self.engine.url
        self.dialect = self.engine.dialect.name
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(**WRITE), expire_on_commit=False)
        self._writers: WriterQueue | None = None
        if self.dialect == "sqlite":  # one writer at a time: queue for it (db/writers.py)
            path = self.url.database or ""
            plain_file = path and path != ":memory:" and not path.startswith("file:")
            self._writers = WriterQueue(path if plain_file else None, BUSY_TIMEOUT_S)

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits at the end (or rolls back on error)."""
        queue = self._writers.hold() if self._writers else nullcontext()
        with queue, self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writers:
            self._writers.close()
