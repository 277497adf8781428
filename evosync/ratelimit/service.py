"""A token's VK limit shared by every process and host: ``VK_RPS`` slot rows in the app database.

The rule is the in-process limiter's (evosync/vk/ratelimit.py), with the state in rows: a request takes a
slot whose ``free_at`` has passed, holds it while in flight, and on its response frees it for
``window + margin`` seconds from then. ``rps`` slots ⇒ never more than ``rps`` starts inside any window at
VK, whatever mix of web requests, workers and CLI commands share the token. Time is the database's clock
on PostgreSQL (hosts' clocks may disagree) and the local clock on SQLite (one host). The margin absorbs
network jitter between our clock and VK's. Taking a slot is one short transaction: SELECT … FOR UPDATE on
PostgreSQL, BEGIN IMMEDIATE on SQLite.

Where the rows live: on PostgreSQL the app database. On SQLite a file of their own (``VK_RATE_SQLITE``,
default ``instance/vk-rate.sqlite``): SQLite has one write lock per file, and a limiter that wrote to the
app's file would wait behind — and hold up — every sync transaction (``database is locked``). See
docs/tasks.md.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from evosync.db import write_transaction
from evosync.extensions import db
from evosync.ratelimit.models import VkRateSlot
from evosync.vk.ratelimit import Limiter, set_limiter_factory, token_key

DEFAULT_MARGIN = 0.1
# A slot taken by a process that died mid-request frees itself after this long.
IN_FLIGHT_LEASE = 60.0
MAX_POLL = 0.25

slots = VkRateSlot.__table__
_ensured: set[tuple[str, str, int]] = set()
_side_engines: dict[str, Engine] = {}
_side_lock = threading.Lock()


def sqlite_slots_path(app: Flask) -> str:
    """The SQLite file of the slot rows when the app database is SQLite."""
    return app.config.get("VK_RATE_SQLITE") or os.path.join(app.instance_path, "vk-rate.sqlite")


def slots_engine() -> Engine:
    """The engine of the slot rows: the app's on PostgreSQL, a file of their own next to it on SQLite."""
    if db.engine.dialect.name != "sqlite":
        return db.engine
    path = sqlite_slots_path(current_app)
    engine = _side_engines.get(path)
    if engine is None:
        with _side_lock:
            engine = _side_engines.get(path)
            if engine is None:
                # WAL and the busy timeout come from evosync/db.py's connect hook; the one small table is
                # made here (IF NOT EXISTS: several processes may start at once), like Huey's own SQLite file.
                # pool_size=0: no cap — every worker thread may wait for a slot at once, and a capped pool
                # made them queue for a connection (30 s, then TimeoutError) instead.
                engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30}, pool_size=0)
                with engine.begin() as conn:
                    conn.execute(CreateTable(slots, if_not_exists=True))
                _side_engines[path] = engine
    return engine


def _now(conn: Connection) -> float:
    if conn.dialect.name == "postgresql":
        return float(conn.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
    return time.time()


class DatabaseLimiter:
    """The shared limiter of one token (by hash) on one database."""

    def __init__(
        self, engine: Engine, key: str, rps: int, window: float = 1.0, margin: float = DEFAULT_MARGIN
    ):
        if rps < 1:
            raise ValueError("rps must be at least 1")
        self.engine, self.key, self.rps = engine, key, rps
        self.window, self.margin = window, margin

    def _ensure_slots(self) -> None:
        """Create the token's slot rows once per process (concurrent creators are harmless)."""
        mark = (str(self.engine.url), self.key, self.rps)
        if mark in _ensured:
            return
        rows = [{"token_hash": self.key, "slot": n, "free_at": 0.0} for n in range(self.rps)]
        with self.engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(insert(slots).on_conflict_do_nothing(), rows)
        _ensured.add(mark)

    def _wait_before_taking(self) -> float:
        """Seconds until the token's earliest slot is free (≤ 0: try now), read without any write lock.

        Waiting requests poll this instead of taking the write lock: on SQLite there is one write lock for
        every token's slots, and 64 worker threads polling with BEGIN IMMEDIATE kept it so busy that
        requests hit the busy timeout («database is locked»).
        """
        with self.engine.connect() as conn:
            earliest = conn.execute(
                select(func.min(slots.c.free_at)).where(
                    slots.c.token_hash == self.key, slots.c.slot < self.rps
                )
            ).scalar()
            return (earliest if earliest is not None else 0.0) - _now(conn)

    def _try_take(self, holder: str) -> tuple[int | None, float]:
        """Take a free slot: (its number, 0) or (None, seconds until one may be free)."""
        wait = self._wait_before_taking()
        if wait > 0:
            return None, wait
        query = (
            select(slots.c.slot, slots.c.free_at)
            .where(slots.c.token_hash == self.key, slots.c.slot < self.rps)
            .order_by(slots.c.slot)  # every process locks the rows in one order: no deadlock
        )
        with write_transaction(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            rows = conn.execute(query).all()
            now = _now(conn)
            free = min((row for row in rows if row.free_at <= now), key=lambda r: r.free_at, default=None)
            if free is None:
                return None, min((row.free_at for row in rows), default=now + MAX_POLL) - now
            conn.execute(
                update(slots)
                .where(slots.c.token_hash == self.key, slots.c.slot == free.slot)
                .values(free_at=now + IN_FLIGHT_LEASE, holder=holder)
            )
            return free.slot, 0.0

    def acquire(self) -> tuple[int, str]:
        """Block until a slot is ours; return (slot, holder) for ``release``."""
        self._ensure_slots()
        holder = uuid.uuid4().hex
        while True:
            slot, wait = self._try_take(holder)
            if slot is not None:
                return slot, holder
            time.sleep(min(max(wait, 0.01), MAX_POLL))

    def release(self, slot: int, holder: str) -> None:
        """The request got its answer (or failed): the slot is free ``window + margin`` from now."""
        with self.engine.begin() as conn:
            conn.execute(
                update(slots)
                .where(slots.c.token_hash == self.key, slots.c.slot == slot, slots.c.holder == holder)
                .values(free_at=_now(conn) + self.window + self.margin, holder=None)
            )

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Context manager around one request."""
        taken = self.acquire()
        try:
            yield
        finally:
            self.release(*taken)


def shared_limiter(token: str, rps: int) -> Limiter | None:
    """The factory the VK client asks: the database limiter inside an app context, else None."""
    if not has_app_context():
        return None
    margin = float(current_app.config.get("VK_RATE_MARGIN", DEFAULT_MARGIN))
    return DatabaseLimiter(slots_engine(), token_key(token), rps, margin=margin)


def init_app(app: Flask) -> None:
    """Share every VK token's limit through the database (``VK_SHARED_RATE_LIMIT``, on by default)."""
    set_limiter_factory(shared_limiter if app.config.get("VK_SHARED_RATE_LIMIT", True) else None)
