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
        kwargs.setdefault("pool_reset_on_return", None)
        engine = create_engine(parsed, **kwargs)
        if kwargs["pool_reset_on_return"] is None:
            _reset_only_when_needed(engine)
        return engine
    return create_engine(parsed, **kwargs)


_CLEAN = "loupan_clean"


def _reset_only_when_needed(engine: Engine) -> None:
    """Roll a connection back on its return to the pool only if a transaction may be open.

    The pool's own reset is a ROLLBACK round trip on every return, even right after the
    Session committed or rolled back (it skips it only when the Connection ended the
    transaction itself): one more round trip for every write, at an opening (开盘) for every
    attempt. SQLAlchemy's documented alternative (pool_reset_on_return=None and a "reset"
    listener) lets us skip it when SQLAlchemy's last word on the connection was a commit or
    a rollback and nothing ran since through SQLAlchemy, and the server's last reply (which
    PyMySQL keeps) says no transaction is open. Anything else — a raw DBAPI connection, a
    statement after the commit, an error — is rolled back as the pool would. (Not seen: a
    bare SELECT sent on the DBAPI cursor after SQLAlchemy's commit; use exec_driver_sql.)"""

    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_connection, record, _proxy):
        record.info[_CLEAN] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, _cursor, _statement, _parameters, _context, _executemany):
        conn.info[_CLEAN] = False

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn):
        conn.info[_CLEAN] = True

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        if context.connection is not None and not context.connection.closed:
            context.connection.info[_CLEAN] = False

    @event.listens_for(engine, "reset")
    def _reset(dbapi_connection, record, state):
        if state.terminate_only or state.transaction_was_reset:
            return
        server_status = getattr(dbapi_connection, "server_status", _IN_TRANSACTION)
        if record.info.get(_CLEAN) and not server_status & _IN_TRANSACTION:
            return
        dbapi_connection.rollback()


_IN_TRANSACTION = 1  # SERVER_STATUS_IN_TRANS of the MySQL protocol (pymysql.constants)


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
