"""Tables of the queue's SQL storage and the schedule's enqueue-once marks.

The queue tables mirror Huey's own SQLite layout (task, schedule, kv, counter) under ``huey_`` names; they
are created by a migration, never at consumer start, so a worker needs no DDL rights.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from evosync.extensions import db

huey_task = Table(
    "huey_task",
    db.metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("queue", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("priority", Float, nullable=False, default=0.0),
    Index("ix_huey_task_queue_priority_id", "queue", "priority", "id"),
)

huey_schedule = Table(
    "huey_schedule",
    db.metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("queue", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("timestamp", Float, nullable=False),
    Index("ix_huey_schedule_queue_timestamp", "queue", "timestamp"),
)

huey_kv = Table(
    "huey_kv",
    db.metadata,
    Column("queue", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

huey_counter = Table(
    "huey_counter",
    db.metadata,
    Column("queue", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", BigInteger, nullable=False, default=0),
)


class TaskMark(db.Model):
    """A (user, kind) task that is queued or running: the schedule enqueues a kind only without a mark.

    The primary key makes "queued at most once" a database fact, whatever the number of workers or ticks.
    The task deletes its mark when it ends; a mark older than its ``expires_at`` belongs to a lost task.
    """

    __tablename__ = "task_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    enqueued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class TaskWorker(db.Model):
    """A running `flask worker` (one row per consumer), beating every few seconds.

    ``flask sync run`` sends its users through the queue only when some worker beat recently; a worker
    deletes its row when it stops, and a row that stopped beating belongs to a worker that was killed.
    """

    __tablename__ = "task_workers"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    threads: Mapped[int] = mapped_column(Integer)
    beat_at: Mapped[datetime] = mapped_column(index=True)
