"""Database plumbing shared by every package: SQLite tuning and column types."""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
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


@event.listens_for(Engine, "begin")
def _begin_immediate(conn) -> None:
    """Start SQLite transactions IMMEDIATE: the write lock is taken up front and waits out the
    busy timeout, instead of a read transaction failing with "database is locked" when it later
    tries to write while another worker holds the lock."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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
