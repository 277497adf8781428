"""Declarative base with a stable constraint naming convention, and time helpers."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import DateTime, MetaData, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.pool import Pool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; timestamps are timezone-aware UTC."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Return ``value`` as aware UTC: SQLite hands back naive datetimes, PostgreSQL the session's time zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# Address space only (the OS page cache backs it); the page cache is per connection, filled as pages are read.
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32 * 1024


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on foreign keys, WAL and a busy timeout for SQLite connections; read through a memory map and
    keep a bigger page cache, so a 100,000-product catalog's random row reads are not a system call each
    (docs/catalog.md)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


@event.listens_for(Pool, "checkout")
def _server_still_there(dbapi_connection, connection_record, connection_proxy) -> None:
    """Hand out a PostgreSQL connection only if the server has not closed it, without a round trip.

    An idle connection has nothing to read; when the server ends it (a restart, an administrator, an idle
    timeout) it sends its error and closes, so the socket turns readable. Such a connection is refused here
    and the pool opens a new one: what ``pool_pre_ping`` guards against, for a poll instead of a
    ``SELECT 1`` on every request (docs/reliability.md, E2c)."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("the connection is closed")
    # poll, not select: a busy process may hold file descriptors past select's 1,024.
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):  # readable, hung up or in error: the server has ended this session
        raise exc.DisconnectionError("the server closed the connection")


def dialect_insert(session, table):
    """An INSERT for ``table`` that supports ``on_conflict_do_*`` on both SQLite and PostgreSQL.

    Concurrent get-or-create and upserts must be one statement, or two requests race between the
    SELECT and the INSERT and one of them hits the unique constraint.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement.

    PostgreSQL: an ordinary transaction (callers lock rows with FOR UPDATE). SQLite: BEGIN IMMEDIATE, so two
    processes never both read a row and then both write it — the second waits (busy timeout) for the first.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


MSK = timezone(timedelta(hours=3), "МСК")


def format_msk(value: datetime | None) -> str:
    """«26.11.2026 21:00 МСК»: how a Russian merchant reads a stored timestamp (Moscow has no DST)."""
    value = as_utc(value)
    return f"{value.astimezone(MSK):%d.%m.%Y %H:%M} МСК" if value else "—"
