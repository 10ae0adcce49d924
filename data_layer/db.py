"""Engines and sessions: SQLite (foreign keys, WAL) by default, MySQL/MariaDB via PyMySQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

T = TypeVar("T")


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # Take transaction control from pysqlite (SQLAlchemy's documented recipe) ...
            dbapi_connection.isolation_level = None

        # ... so that a write transaction can take the write lock when it starts (IMMEDIATE):
        # two writers then queue on busy_timeout instead of one failing on a lock upgrade.
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.get_backend_name() == "mysql":
        query = dict(parsed.query)
        query.setdefault("charset", "utf8mb4")
        parsed = parsed.set(query=query)
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", 3600)
        kwargs.setdefault("isolation_level", "READ COMMITTED")
    return create_engine(parsed, **kwargs)


class Database:
    """One engine and its session factories for one application instance."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        self.write_factory = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        self.scoped = scoped_session(self.factory)

    def reader(self) -> Session:
        """The request's read session (removed when the request ends)."""
        return self.scoped()

    @contextmanager
    def writer(self) -> Iterator[Session]:
        """A fresh session in one transaction: committed on success, rolled back on error.

        Afterwards the request's read session ends its transaction, so that what it reads
        next includes this write (a SQLite read transaction keeps its snapshot)."""
        with self.write_factory.begin() as session:
            yield session
        if self.scoped.registry.has():
            self.scoped.rollback()

    def run(self, command: Callable[..., T], **kwargs) -> T:
        with self.writer() as session:
            return command(session, **kwargs)

    def dispose(self) -> None:
        self.scoped.remove()
        self.engine.dispose()


# The flush listeners that keep the overview's daily figures exact (data_layer/figures.py).
from . import figures as _figures  # noqa: E402, F401
