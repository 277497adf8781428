"""Huey storage on SQLAlchemy Core: the queue lives in PostgreSQL (or SQLite) tables made by a migration.

Dequeue is one ``DELETE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING data`` on PostgreSQL, so
any number of consumers on any hosts take distinct tasks without waiting on each other; on SQLite the same
statement runs inside BEGIN IMMEDIATE. See docs/tasks.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from huey.constants import EmptyData
from huey.storage import BaseStorage
from sqlalchemy import create_engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from evosync.db import write_transaction
from evosync.tasks.models import huey_counter, huey_kv, huey_schedule, huey_task


def _dialect_insert(engine: Engine, table):
    """An INSERT with ``on_conflict_do_*`` for this engine's dialect."""
    return (pg_insert if engine.dialect.name == "postgresql" else sqlite_insert)(table)


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` → the psycopg 3 driver SQLAlchemy would not pick by itself."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class SqlStorage(BaseStorage):
    """Huey's storage interface over a SQLAlchemy engine (results, schedule, locks and counters too)."""

    blocking = False
    priority = True

    def __init__(self, name: str = "huey", url: str | None = None, engine: Engine | None = None, **_: Any):
        super().__init__(name)
        if engine is None:
            if url is None:
                raise ValueError("SqlStorage needs a url or an engine")
            # Overflow up to `flask worker`'s 64 threads (each polls the queue) plus the scheduler's.
            engine = create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=10, max_overflow=70)
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def close(self) -> bool:
        self.engine.dispose()
        return True

    # The queue ----------------------------------------------------------------------------------------
    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(huey_task).values(queue=self.name, data=data, priority=priority or 0))

    def dequeue(self) -> bytes | None:
        t = huey_task
        head = select(t.c.id).where(t.c.queue == self.name).order_by(t.c.priority.desc(), t.c.id).limit(1)
        if self.pg:
            head = head.with_for_update(skip_locked=True)
        stmt = delete(t).where(t.c.id == head.scalar_subquery()).returning(t.c.data)
        with write_transaction(self.engine) as conn:
            return conn.execute(stmt).scalar()

    def queue_size(self) -> int:
        return self._scalar(select(func.count()).select_from(huey_task).where(huey_task.c.queue == self.name))

    def enqueued_items(self, limit: int | None = None) -> list[bytes]:
        t = huey_task
        stmt = (
            select(t.c.data).where(t.c.queue == self.name).order_by(t.c.priority.desc(), t.c.id).limit(limit)
        )
        return self._list(stmt)

    def flush_queue(self) -> None:
        self._run(delete(huey_task).where(huey_task.c.queue == self.name))

    # The schedule (delayed tasks and retries) -------------------------------------------------------
    def add_to_schedule(self, data: bytes, ts: datetime) -> None:
        self._run(insert(huey_schedule).values(queue=self.name, data=data, timestamp=ts.timestamp()))

    def read_schedule(self, ts: datetime) -> list[bytes]:
        s = huey_schedule
        due = select(s.c.id).where(s.c.queue == self.name, s.c.timestamp <= ts.timestamp())
        if self.pg:
            due = due.with_for_update(skip_locked=True)
        stmt = delete(s).where(s.c.id.in_(due.scalar_subquery())).returning(s.c.timestamp, s.c.id, s.c.data)
        with write_transaction(self.engine) as conn:
            rows = sorted(conn.execute(stmt).all())
        return [row.data for row in rows]

    def schedule_size(self) -> int:
        s = huey_schedule
        return self._scalar(select(func.count()).select_from(s).where(s.c.queue == self.name))

    def scheduled_items(self, limit: int | None = None) -> list[bytes]:
        s = huey_schedule
        stmt = select(s.c.data).where(s.c.queue == self.name).order_by(s.c.timestamp, s.c.id).limit(limit)
        return self._list(stmt)

    def flush_schedule(self) -> None:
        self._run(delete(huey_schedule).where(huey_schedule.c.queue == self.name))

    # Key/value: results, locks, revocations --------------------------------------------------------
    def put_data(self, key: str, value: bytes, is_result: bool = False) -> None:
        stmt = _dialect_insert(self.engine, huey_kv).values(queue=self.name, key=key, value=value)
        self._run(stmt.on_conflict_do_update(index_elements=["queue", "key"], set_={"value": value}))

    def peek_data(self, key: str) -> Any:
        kv = huey_kv
        value = self._scalar(select(kv.c.value).where(kv.c.queue == self.name, kv.c.key == key))
        return EmptyData if value is None else value

    def pop_data(self, key: str) -> Any:
        kv = huey_kv
        stmt = delete(kv).where(kv.c.queue == self.name, kv.c.key == key).returning(kv.c.value)
        with write_transaction(self.engine) as conn:
            value = conn.execute(stmt).scalar()
        return EmptyData if value is None else value

    def delete_data(self, key: str) -> bool:
        kv = huey_kv
        with self.engine.begin() as conn:
            return conn.execute(delete(kv).where(kv.c.queue == self.name, kv.c.key == key)).rowcount == 1

    def has_data_for_key(self, key: str) -> bool:
        return self.peek_data(key) is not EmptyData

    def put_if_empty(self, key: str, value: bytes, ttl: int | None = None) -> bool:
        if ttl is not None:
            raise NotImplementedError("ttl is not supported by this storage.")
        stmt = _dialect_insert(self.engine, huey_kv).values(queue=self.name, key=key, value=value)
        with self.engine.begin() as conn:
            # rowcount of an ON CONFLICT insert is not reliable on every driver; RETURNING is.
            return conn.execute(stmt.on_conflict_do_nothing().returning(huey_kv.c.key)).scalar() is not None

    def result_store_size(self) -> int:
        kv = huey_kv
        return self._scalar(select(func.count()).select_from(kv).where(kv.c.queue == self.name))

    def result_items(self) -> dict[str, bytes]:
        kv = huey_kv
        with self.engine.connect() as conn:
            rows = conn.execute(select(kv.c.key, kv.c.value).where(kv.c.queue == self.name)).all()
        return {row.key: bytes(row.value) for row in rows}

    def flush_results(self) -> None:
        self._run(delete(huey_kv).where(huey_kv.c.queue == self.name))

    # Counters -----------------------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1) -> int:
        c = huey_counter
        stmt = _dialect_insert(self.engine, c).values(queue=self.name, key=key, value=amount)
        stmt = stmt.on_conflict_do_update(index_elements=["queue", "key"], set_={"value": c.c.value + amount})
        with self.engine.begin() as conn:
            return conn.execute(stmt.returning(c.c.value)).scalar_one()

    def delete_counter(self, key: str) -> None:
        self._run(delete(huey_counter).where(huey_counter.c.queue == self.name, huey_counter.c.key == key))

    def flush_counters(self) -> None:
        self._run(delete(huey_counter).where(huey_counter.c.queue == self.name))

    # Helpers ------------------------------------------------------------------------------------------
    def _run(self, stmt) -> None:
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def _scalar(self, stmt) -> Any:
        with self.engine.connect() as conn:
            value = conn.execute(stmt).scalar()
        return bytes(value) if isinstance(value, memoryview) else value

    def _list(self, stmt) -> list[bytes]:
        with self.engine.connect() as conn:
            return [bytes(v) for v in conn.execute(stmt).scalars()]
