"""Reads of every product of a catalog (100,000 rows) without the per-row cost of Row objects and GC walks.

Used where one request or job reads all of a user's products: the stored decisions the sync reads, the
refresh's cached hashes and the CSV export (docs/catalog.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def _driver_statement(connection, stmt) -> tuple[str, tuple | dict]:
    compiled = stmt.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        return compiled.string, tuple(params[name] for name in compiled.positiontup)
    return compiled.string, params


def driver_rows(session, stmt) -> list[tuple]:
    """All rows of a Core select as the driver's plain tuples, in the session's transaction.

    For reads of every product (100,000 rows): no Row objects and no result processing, a fraction of
    the time. Only for columns whose driver values the caller takes as they are (text, integers); the
    cyclic garbage collector is paused meanwhile (it would walk the growing list of tuples again and
    again)."""
    connection = session.connection()
    sql, params = _driver_statement(connection, stmt)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with gc_paused():
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        cursor.close()


def driver_batches(session, stmt, size: int) -> Iterator[list[tuple]]:
    """The rows of a Core select in lists of ``size`` driver tuples, streamed: a server-side cursor on
    PostgreSQL, SQLite's own stepping otherwise — memory stays flat whatever the row count."""
    connection = session.connection()
    sql, params = _driver_statement(connection, stmt)
    raw = connection.connection.dbapi_connection
    server_side = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="evosync_stream") if server_side else raw.cursor()
    try:
        cursor.execute(sql, params)
        while True:
            with gc_paused():
                batch = cursor.fetchmany(size)
            if not batch:
                return
            yield batch
    finally:
        cursor.close()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic objects (row tuples) are built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
