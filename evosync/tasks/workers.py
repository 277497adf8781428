"""Workers' heartbeats: each `flask worker` keeps a ``task_workers`` row fresh while it runs.

The consumer's own health-check loop (its main thread, every ``BEAT_SECONDS``) writes the row; no extra
thread. ``live_workers()`` counts rows that beat within ``LIVE_SECONDS`` — how `flask sync run` decides
between the queue and threads of its own. See docs/tasks.md.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from flask import Flask
from huey.consumer import Consumer
from sqlalchemy import delete, func, select

from evosync.db import dialect_insert, utcnow
from evosync.extensions import db
from evosync.tasks.models import TaskWorker

log = logging.getLogger(__name__)

BEAT_SECONDS = 5.0
LIVE_SECONDS = 20.0


def beat(worker_id: str, threads: int) -> None:
    """Insert or refresh this worker's row (commits: called from the consumer loop, an edge)."""
    now = utcnow()
    table = TaskWorker.__table__
    stmt = dialect_insert(db.session, table).values(
        worker_id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), threads=threads, beat_at=now
    )
    db.session.execute(stmt.on_conflict_do_update(index_elements=["worker_id"], set_={"beat_at": now}))
    # Rows of workers killed long ago would only grow the table.
    db.session.execute(delete(TaskWorker).where(TaskWorker.beat_at < now - timedelta(hours=1)))
    db.session.commit()


def forget(worker_id: str) -> None:
    """The worker stopped: drop its row."""
    db.session.execute(delete(TaskWorker).where(TaskWorker.worker_id == worker_id))
    db.session.commit()


def live_workers() -> int:
    """Worker threads of the consumers that beat within ``LIVE_SECONDS`` (0: nobody takes tasks)."""
    since = utcnow() - timedelta(seconds=LIVE_SECONDS)
    return int(
        db.session.scalar(select(func.sum(TaskWorker.threads)).where(TaskWorker.beat_at >= since)) or 0
    )


class BeatingConsumer(Consumer):
    """Huey's consumer that also keeps its ``task_workers`` row fresh from its health-check loop."""

    def __init__(self, huey, app: Flask, **options) -> None:
        options.setdefault("health_check_interval", BEAT_SECONDS)
        super().__init__(huey, check_worker_health=True, **options)
        self.app, self.worker_id, self.threads = app, uuid.uuid4().hex, options.get("workers", 1)

    def _beat(self) -> None:
        with self.app.app_context():
            try:
                beat(self.worker_id, self.threads)
            except Exception:  # a database hiccup must not stop the consumer
                log.exception("worker heartbeat failed")
                db.session.rollback()
            finally:
                db.session.remove()

    def start(self) -> None:
        """Beat once before taking tasks, so `flask sync run` sees this worker at once."""
        self._beat()
        super().start()

    def check_worker_health(self) -> None:
        """Huey's worker check (restarts dead worker threads), then the heartbeat."""
        super().check_worker_health()
        self._beat()

    def stop(self, graceful: bool = False) -> None:
        """Stop the threads (graceful: let running tasks finish), then drop the row."""
        super().stop(graceful=graceful)
        with self.app.app_context():
            forget(self.worker_id)
            db.session.remove()
