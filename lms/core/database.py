"""Database plumbing shared by every package: SQLite tuning and column types."""

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    Text,
    any_,
    bindparam,
    cast,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.types import TypeDecorator


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers run beside a writer; foreign keys are off in SQLite unless asked for."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take transaction control from the sqlite3 module so "begin" below decides how to start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_writing: ContextVar[bool] = ContextVar("sqlite_writing", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def writing() -> Iterator[None]:
    """Mark work outside a request (a job, a command) as a writer: its SQLite transactions then
    begin IMMEDIATE like those of POST requests."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _wants_write_lock() -> bool:
    if has_request_context():
        return request.method not in SAFE_METHODS
    return _writing.get()


@event.listens_for(Engine, "begin")
def _begin(conn) -> None:
    """Writers start SQLite transactions IMMEDIATE: the write lock is taken up front and waits
    out the busy timeout. A deferred transaction that reads first and writes later cannot wait:
    if another worker committed meanwhile, SQLite fails it at once with "database is locked".

    Who is a writer: requests with unsafe methods (POST and friends), and code inside
    `writing()`. Safe-method requests only read (no view writes on GET), so they begin
    DEFERRED and, with WAL, never block or wait for writers.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def sqlite_engine_options(busy_timeout_ms: int) -> dict:
    """Engine options for a SQLite URL: the busy timeout in seconds, as sqlite3 expects."""
    return {"connect_args": {"timeout": busy_timeout_ms / 1000}}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite has no time zones, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect):
        # A bulk write binds one moment to thousands of rows (updated_at, observed_at: a KPI
        # import of 100,000 people converts millions); the last conversion is reused for
        # the same object. Datetimes are immutable and the memo holds its object, so an
        # identical id is the identical value.
        process = super().bind_processor(dialect)
        memo = (None, None)

        def converted(value):
            nonlocal memo
            last = memo
            if value is last[0] and value is not None:
                return last[1]
            result = process(value)
            memo = (value, result)
            return result

        return converted


def upsert(connection, table, rows: list[dict], keys: tuple[str, ...]) -> None:
    """Insert `rows` into `table`, replacing the columns of rows whose `keys` already exist:
    one INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike (on PostgreSQL one
    statement with an array per column, as `insert_rows`)."""
    if not rows:
        return
    by_columns = _by_columns(connection, table, rows)
    if by_columns:
        stmt = postgresql_insert(table).from_select(list(rows[0]), _unnested(table, rows))
    elif connection.dialect.name == "postgresql":
        stmt = postgresql_insert(table)
    else:
        stmt = sqlite_insert(table)
    updated = {name: stmt.excluded[name] for name in rows[0] if name not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=updated)
    if by_columns:
        connection.execute(stmt)
    else:
        connection.execute(stmt, rows)


def insert_rows(connection, table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`. On PostgreSQL one INSERT …
    SELECT FROM unnest(…) binds one array per column instead of a parameter per value (a
    KPI import writes hundreds of thousands of rows: binding each value from Python was most
    of its time); elsewhere an executemany."""
    if not rows:
        return
    if _by_columns(connection, table, rows):
        connection.execute(insert(table).from_select(list(rows[0]), _unnested(table, rows)))
    else:
        connection.execute(insert(table), rows)


# Column types PostgreSQL arrays carry as they are; JSON goes as text (see `_json_indexes`).
_ARRAY_TYPES = (Boolean, Date, DateTime, Integer, JSON, Numeric, String)
# Below this many rows a statement per row costs no more than building the arrays.
_ARRAY_ROWS = 50


def _by_columns(connection, table, rows: list[dict]) -> bool:
    return (connection.dialect.name == "postgresql" and len(rows) >= _ARRAY_ROWS
            and all(issubclass(table.c[name].type._type_affinity, _ARRAY_TYPES)
                    and not isinstance(table.c[name].type, Enum) for name in rows[0]))


def _json_indexes(column_type: JSON, values: list) -> tuple[list[str | None], list[int]]:
    """JSON values as (the distinct texts, each row's 1-based index into them), the texts as
    the JSON type binds them one by one: None is JSON's null unless the column says
    `none_as_null`, and `JSON.NULL` is SQL NULL. psycopg escapes every quote of a text array
    element in Python (a regular expression per character), which made 100,000 evaluations'
    JSON cost tens of seconds; rows share a handful of values (the certification engine
    answers thousands of people alike), so only the distinct texts travel as text."""
    texts: list[str | None] = []
    position: dict[str | None, int] = {}
    by_object: dict[int, int] = {}
    indexes = []
    for value in values:
        key = id(value)
        if key not in by_object:
            if value is JSON.NULL or (value is None and column_type.none_as_null):
                text_value = None
            else:
                text_value = json.dumps(value)
            if text_value not in position:
                texts.append(text_value)
                position[text_value] = len(texts)
            by_object[key] = position[text_value]
        indexes.append(by_object[key])
    return texts, indexes


def _unnested(table, rows: list[dict]):
    """SELECT … FROM unnest(:column_1, …): `rows` as one typed array per column, and a
    column whose rows all hold the same value (an import's kind, period, moment) as that one
    value: psycopg turns each array element into text in Python (a datetime costs ~3 µs).
    A JSON column travels as its distinct texts and an index per row (`_json_indexes`),
    cast back to JSON in the statement."""
    names = list(rows[0])
    columns = {name: [row[name] for row in rows] for name in names}
    same = {name for name in names[1:]   # the first column always counts the rows
            if not _is_json(table, name)
            and columns[name].count(columns[name][0]) == len(rows)}
    varying = [name for name in names if name not in same]
    arrays, distinct = [], {}
    for n, name in enumerate(varying):
        values = columns[name]
        column_type = table.c[name].type
        if _is_json(table, name):
            distinct[name], values = _json_indexes(column_type, values)
            column_type = Integer()
        joined = _joined(column_type, values)
        if joined is not None:
            arrays.append(cast(func.string_to_array(
                bindparam(f"column_{n}", joined, type_=Text), _SEPARATOR, _NULL),
                postgresql.ARRAY(column_type)))
        else:
            # psycopg's dialect casts the parameter to its array type (…::INTEGER[]).
            arrays.append(bindparam(f"column_{n}", values,
                                    type_=postgresql.ARRAY(column_type)))
    unnested = func.unnest(*arrays).table_valued(*varying).render_derived()

    def selected(n: int, name: str):
        if name in same:
            return cast(bindparam(f"same_{n}", columns[name][0], type_=table.c[name].type),
                        table.c[name].type).label(name)
        if name in distinct:
            texts = bindparam(f"texts_{n}", distinct[name], type_=postgresql.ARRAY(Text))
            # (texts)[index]: psycopg's dialect writes the parameter as …::TEXT[], which a
            # subscript may only follow in parentheses.
            return cast(Grouping(texts)[unnested.c[name]], table.c[name].type).label(name)
        return unnested.c[name]

    return select(*(selected(n, name) for n, name in enumerate(names)))


# A column's values as one text: psycopg dumps an array element by element in Python (6–9 ms
# for 13,000 numbers or ids, about 1 ms joined), and a text element also goes through a
# regular expression for quoting. Unit and record separators cannot be confused with values of
# these types; a text that holds one of them travels as an array instead.
_SEPARATOR, _NULL = "\x1f", "\x1e"
_JOINED_TYPES = (Boolean, Date, Integer, Numeric, String)


def _joined(column_type, values: list) -> str | None:
    """`values` joined for string_to_array(…, _SEPARATOR, _NULL), or None when the column
    must travel as an array (a type whose text form str() does not give, a separator in a
    text)."""
    if not isinstance(column_type, _JOINED_TYPES) or isinstance(column_type, Enum):
        return None   # datetimes and decorated types (UTCDateTime) are not among them
    texts = [_NULL if value is None else str(value) for value in values]
    if isinstance(column_type, String) and any(
            _SEPARATOR in text or _NULL in text
            for text, value in zip(texts, values, strict=True) if value is not None):
        return None
    joined = _SEPARATOR.join(texts)
    return joined or None   # string_to_array('') is an empty array, not one empty text


def _is_json(table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)


def among(session_or_connection, column, values):
    """`column IN values`, written for the database at hand: on PostgreSQL `column =
    ANY(:array)`, one parameter. psycopg re-parses a statement of over 4 KB on every call
    (it caches shorter ones), and an IN list of 900 ids is about 20 KB: in a KPI push of
    100,000 people that parsing alone was seconds of CPU. Elsewhere an ordinary IN list."""
    values = list(values)
    dialect = (session_or_connection.get_bind() if hasattr(session_or_connection, "get_bind")
               else session_or_connection).dialect
    if dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))


# A bulk writer analyses a table that grew by more than this share of the rows the planner
# last counted (or was never counted), and only when it wrote at least STALE_MIN_ROWS rows.
STALE_GROWTH = 0.5
STALE_MIN_ROWS = 1000


def keep_statistics(connection, written: dict[str, int]) -> list[str]:
    """ANALYZE those of `written`'s tables (name → rows this transaction wrote) whose row
    count the planner has never taken, or which grew by more than STALE_GROWTH since; returns
    their names. Without counts PostgreSQL guesses that `person_id = ANY(1,700 ids)` selects
    every row and reads whole tables: a first KPI push into an empty database read
    competency_level and kpi_value with sequential scans (58 and 94 ms a read at 100,000
    people, against 3 ms once counted). Autovacuum would count them, but a minute or more later,
    and only where it is on. PostgreSQL's documentation asks for the same after a bulk load.
    ANALYZE inside the transaction counts its own new rows. SQLite: nothing."""
    if connection.dialect.name != "postgresql" or sum(written.values()) < STALE_MIN_ROWS:
        return []
    counted = dict(connection.execute(text(
        "SELECT name, c.reltuples FROM unnest(CAST(:names AS TEXT[])) AS name"
        " JOIN pg_class AS c ON c.oid = to_regclass(name)"), {"names": sorted(written)}).all())
    stale = [name for name in sorted(written)
             if name in counted and written[name] >= STALE_MIN_ROWS
             and (counted[name] < 0 or written[name] > STALE_GROWTH * counted[name])]
    for name in stale:
        connection.execute(text(f'ANALYZE "{name}"'))
    return stale


def insert_if_absent(connection, table, row: dict) -> bool:
    """Insert `row` into `table` unless it would break one of the table's unique constraints;
    True when it was inserted. One INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL:
    of two transactions racing to create the same row, the later one waits for the earlier to
    commit and then inserts nothing, instead of failing with an IntegrityError."""
    dialect_insert = (postgresql_insert if connection.dialect.name == "postgresql"
                      else sqlite_insert)
    return connection.execute(dialect_insert(table).values(**row).on_conflict_do_nothing()) \
        .rowcount == 1


# Above this many keys one table lock replaces the per-key locks (a backfill or check-derived
# --fix of everyone would otherwise exhaust PostgreSQL's lock table).
MANY_KEYS = 100


def lock_keys(connection, namespace: int, keys, table: str) -> None:
    """Hold PostgreSQL transaction-scoped advisory locks on `keys` (ints, taken in order so
    two writers never deadlock) until the transaction ends. Derived rows recomputed from what
    a statement sees need it: two writers for the same person would otherwise each miss the
    other's uncommitted rows and the later write would lose the earlier one. SQLite runs one
    writer at a time already, so nothing is done there. Many keys at once take `table` in
    SHARE ROW EXCLUSIVE mode instead: writers of single keys wait until that transaction
    ends."""
    if connection.dialect.name != "postgresql":
        return
    keys = sorted(set(keys))
    if len(keys) > MANY_KEYS:
        connection.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        return
    for key in keys:
        connection.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                           {"namespace": namespace, "key": key})
