"""Bulk inserts: many rows per statement, primary keys chosen by the caller, no ORM objects."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from itertools import islice, repeat
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session

__all__ = ["bulk_insert", "bulk_insert_columns"]

# Enough distinct values to cover dates, statuses and repeated prices; bounded so that a column
# of unique amounts cannot grow the cache without limit.
_CACHE_LIMIT = 100_000


class _Memo(dict):
    """Processed values by raw value: dates, statuses and areas repeat a lot, and the type
    processors (Fixed's quantize, SQLite's date formatting) are the slow part of a bulk insert.
    Lookups run in C through map(memo.__getitem__, column)."""

    def __init__(self, process: Callable[[Any], Any]):
        super().__init__()
        self.process = process
        self[None] = None

    def __missing__(self, value: Any) -> Any:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
            self[None] = None
        result = self[value] = self.process(value)
        return result


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _default(column) -> Any:
    default = column.default
    if default is None:
        if column.server_default is not None and not column.primary_key:
            raise ValueError(f"{column.table.name}.{column.name}: give a value (server default)")
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        # Evaluated once per call: every row of the batch gets the same created_at.
        return default.arg(None)
    raise ValueError(f"{column.table.name}.{column.name}: give a value (SQL default)")


def _columns(part: list[Mapping[str, Any]], defaults: list[tuple[str, Any]]) -> list[list]:
    """The chunk's values column by column, a missing key taking the column's default. Rows
    usually share one set of keys: then each column is read with one itemgetter map in C."""
    first = part[0]
    if len(set(map(len, part))) == 1:
        try:
            return [
                list(map(itemgetter(key), part)) if key in first else [default] * len(part)
                for key, default in defaults
            ]
        except KeyError:
            pass  # same lengths, other keys: row by row below
    return [[row.get(key, default) for row in part] for key, default in defaults]


def _converters(table: Table, dialect) -> list[tuple[int, Callable[[Any], Any], _Memo | None]]:
    """(column index, bind processor, memo) of the columns whose type converts values."""
    converting: list[tuple[int, Callable[[Any], Any], _Memo | None]] = []
    for index, column in enumerate(table.columns):
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # JSON values (dicts, lists) cannot be cache keys.
            memo = None if isinstance(column.type, JSON) else _Memo(process)
            converting.append((index, process, memo))
    return converting


def _positional_insert(table: Table, dialect) -> str | None:
    """INSERT of every column of the table with positional parameters in column order, or
    None when the dialect cannot give one. A "pyformat" driver (pymysql, mysqlclient,
    psycopg2) takes "format" parameters (%s with a tuple) as well: compiled with them, its rows
    go as tuples straight to the driver, not through SQLAlchemy's parameter assembly per row."""
    if dialect.paramstyle == "pyformat":
        dialect = copy.copy(dialect)
        dialect.paramstyle, dialect.positional = "format", True
    compiled = insert(table).compile(dialect=dialect)
    keys = [column.key for column in table.columns]
    if not compiled.positional or list(compiled.positiontup or ()) != keys:
        return None
    return str(compiled)


def _figures(session: Session, model: Any, part: list[Mapping[str, Any]]) -> None:
    """The overview's daily figures of rows the ORM never sees (data_layer/figures.py)."""
    from .figures import TRACKED, record_rows

    if model in TRACKED:
        record_rows(session, model, part)


def bulk_insert(
    session: Session, model: Any, rows: Iterable[Mapping[str, Any]], chunk: int = 10_000
) -> int:
    """Insert dicts into a mapped class's table (or a Table) in chunks; returns the row count.

    The statement is compiled once for the session's dialect and run with the driver's
    executemany inside the session's transaction. Values go through each column type's own bind
    processor (so Fixed still refuses floats and rounds half-up, enums are stored as their values),
    but column by column with a cache instead of SQLAlchemy's per-row parameter assembly, which
    on SQLite costs several times the database's own work. A key missing from a row takes the
    column's Python default (a callable default is evaluated once per call) or NULL; a key that is
    not a column is an error.
    """
    table: Table = model if isinstance(model, Table) else model.__table__
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    keys = [column.key for column in columns]
    known = set(keys)
    sql = _positional_insert(table, dialect)
    if sql is None:
        # A named paramstyle or unusual bind names: let SQLAlchemy assemble the parameters.
        total = 0
        for part in _chunks(rows, chunk):
            _figures(session, model, part)
            session.execute(insert(table), part)
            total += len(part)
        return total
    defaults = [(column.key, _default(column)) for column in columns]
    converting = _converters(table, dialect)
    total = 0
    for part in _chunks(rows, chunk):
        _figures(session, model, part)
        unknown = part[0].keys() - known
        if unknown:
            raise KeyError(f"{table.name} has no column {sorted(unknown)}")
        _execute(connection, sql, _columns(part, defaults), converting)
        total += len(part)
    return total


def _execute(connection, sql: str, by_column: list[list], converting) -> None:
    """Each column through its type's bind processor (memoised), then one executemany."""
    for index, process, memo in converting:
        column_values = by_column[index]
        if memo is None:
            by_column[index] = [None if v is None else process(v) for v in column_values]
            continue
        # A float equals a cached Decimal of the same value: let the type refuse it.
        if float in set(map(type, column_values)):
            process(next(v for v in column_values if type(v) is float))
        by_column[index] = list(map(memo.__getitem__, column_values))
    if connection.dialect.driver == "pymysql":
        _execute_pymysql(connection, sql, by_column)
        return
    count = len(by_column[0]) if by_column else 0
    width = len(by_column)
    per_statement = _rows_per_statement(connection, sql, width)
    whole = count - count % per_statement if per_statement > 1 else 0
    if whole:
        # SQLite runs each execution of a statement as a statement transaction of its own
        # (opened, journalled, closed): one execution per row costs about a quarter more than
        # multi-row VALUES of a few hundred rows. The parameters, row after row, are laid out
        # by slice assignment, one column at a time (no tuple per row).
        flat: list = [None] * (whole * width)
        for offset, column_values in enumerate(by_column):
            flat[offset::width] = column_values if whole == count else column_values[:whole]
        step = per_statement * width
        head, _, group = sql.rpartition(" VALUES ")
        connection.exec_driver_sql(
            f"{head} VALUES {', '.join([group] * per_statement)}",
            [tuple(flat[start : start + step]) for start in range(0, len(flat), step)],
        )
    if whole < count:
        rest = [column_values[whole:] for column_values in by_column]
        connection.exec_driver_sql(sql, list(zip(*rest, strict=True)))


# Characters of one multi-row INSERT sent to MySQL/MariaDB: pymysql's own bound on a statement
# (Cursor.max_stmt_length, 1,024,000 bytes) for text of up to 4 bytes a character.
_MYSQL_STATEMENT_CHARS = 256_000


def _execute_pymysql(connection, sql: str, by_column: list[list]) -> None:
    """What pymysql's executemany does (each value through the connection's own escape(),
    rows sent as multi-row VALUES of bounded size), but a column at a time: a value repeated
    in a column (a project, a building, a floor, a status, a date…) is escaped once, and rows
    are joined in C. pymysql calls escape() for every value, 1.25 million times for 50,000
    units: most of the import's time on MariaDB."""
    head, _, _group = sql.rpartition(" VALUES ")
    dbapi = connection.connection.dbapi_connection
    texts = [_literals(dbapi, values) for values in by_column]
    rows = list(map("({})".format, map(",".join, zip(*texts, strict=True))))
    if not rows:
        return
    statements, part, size = [], [], 0
    for row in rows:
        if part and size + len(row) >= _MYSQL_STATEMENT_CHARS:
            statements.append(part)
            part, size = [], 0
        part.append(row)
        size += len(row) + 1
    statements.append(part)
    for part in statements:
        # Without parameters: "%" doubled, the driver formats the statement with an empty dict.
        text = f"{head} VALUES {','.join(part)}".replace("%", "%%")
        connection.exec_driver_sql(text)


def _literals(dbapi, values: list) -> list[str]:
    """dbapi.escape(value) of every value of a column (pymysql). A column of one type (and
    None) whose equal values are the same value (text, integers, booleans, dates, naive
    datetimes) has each distinct value escaped once; Decimals are formatted as pymysql's own
    Decimal2Literal does; anything else is escaped value by value."""
    from pymysql.converters import Decimal2Literal

    escape = dbapi.escape
    types = set(map(type, values))
    nullable = type(None) in types
    types.discard(type(None))
    kind = types.pop() if len(types) == 1 else None if types else type(None)
    if kind in (type(None), str, int, bool, date) or (
        kind is datetime and set(map(attrgetter("tzinfo"), filter(None, values))) == {None}
    ):
        literals = {value: escape(value) for value in set(values)}
        return list(map(literals.__getitem__, values))
    if (
        kind is Decimal
        and not nullable
        and dbapi.encoders.get(Decimal) is Decimal2Literal
        and all(map(Decimal.is_finite, values))
    ):
        return list(map(format, values, repeat("f")))
    return list(map(escape, values))


# Rows per multi-row INSERT on SQLite (see _execute); bounded by its limit on parameters.
_SQLITE_ROWS = 200


def _rows_per_statement(connection, sql: str, width: int) -> int:
    """How many rows one INSERT carries: 1 (the driver's executemany as is) except on SQLite,
    whose driver runs one execution per row."""
    if connection.dialect.name != "sqlite":
        return 1  # pymysql, mysqlclient and psycopg already send many rows per statement
    head, _, group = sql.rpartition(" VALUES ")
    if not head or group != "(" + ", ".join(["?"] * width) + ")":
        return 1
    dbapi = connection.connection.dbapi_connection
    try:
        limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):
        limit = 999  # the smallest limit SQLite was ever built with
    return max(1, min(_SQLITE_ROWS, limit // max(1, width)))


def bulk_insert_columns(
    session: Session, model: Any, columns: Mapping[str, list], chunk: int = 10_000
) -> int:
    """bulk_insert() for values already held column by column ({column: [value per row]}):
    no dict per row is built. A column left out takes its default, as in bulk_insert()."""
    table: Table = model if isinstance(model, Table) else model.__table__
    count = len(next(iter(columns.values()))) if columns else 0
    if any(len(values) != count for values in columns.values()):
        raise ValueError("bulk_insert_columns: columns of different lengths")
    unknown = columns.keys() - {c.key for c in table.columns}
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)}")
    connection = session.connection()
    dialect = connection.dialect
    sql = _positional_insert(table, dialect)
    from .figures import TRACKED

    if model in TRACKED or sql is None:
        names = list(columns)
        values = zip(*columns.values(), strict=True)
        rows = [dict(zip(names, row, strict=True)) for row in values]
        return bulk_insert(session, model, rows, chunk)
    defaults = [(column.key, _default(column)) for column in table.columns]
    converting = _converters(table, dialect)
    for start in range(0, count, chunk):
        stop = min(count, start + chunk)
        by_column = [
            list(columns[key][start:stop]) if key in columns else [default] * (stop - start)
            for key, default in defaults
        ]
        _execute(connection, sql, by_column, converting)
    return count
