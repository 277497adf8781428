"""A named lease lock in the database, shared by every process and host (see JobLock).

``hold(key)`` waits while another holder's lease is alive, then holds the lock with a heartbeat until the
block ends. Used for the one lock every refresh of a user's catalog takes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from evosync.db import dialect_insert, utcnow
from evosync.extensions import db
from evosync.jobs.models import JobLock

DEFAULT_LOCK_LEASE = 60.0
POLL_SECONDS = 0.2


def try_acquire(key: str, owner: str, lease: float) -> bool:
    """Take ``key`` if free or expired (one statement, so two processes cannot both win)."""
    now = utcnow()
    expires = now + timedelta(seconds=lease)
    with Session(db.engine) as session:
        stmt = dialect_insert(session, JobLock.__table__).values(key=key, owner=owner, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"owner": owner, "expires_at": expires},
            where=JobLock.__table__.c.expires_at < now,
        )
        # RETURNING, not rowcount: an upsert's rowcount is not reliable on every driver.
        won = session.execute(stmt.returning(JobLock.__table__.c.key)).scalar() is not None
        session.commit()
        return won


def _extend(key: str, owner: str, lease: float) -> bool:
    with Session(db.engine) as session:
        result = session.execute(
            update(JobLock)
            .where(JobLock.key == key, JobLock.owner == owner)
            .values(expires_at=utcnow() + timedelta(seconds=lease))
        )
        session.commit()
        return result.rowcount == 1


def release(key: str, owner: str) -> None:
    """Free ``key`` if we still hold it."""
    with Session(db.engine) as session:
        session.execute(delete(JobLock).where(JobLock.key == key, JobLock.owner == owner))
        session.commit()


@contextmanager
def hold(
    key: str, lease: float = DEFAULT_LOCK_LEASE, on_wait: Callable[[], None] | None = None
) -> Iterator[str]:
    """Hold ``key`` for the block (waiting for another holder first; ``on_wait`` is called while waiting)."""
    owner = uuid.uuid4().hex
    while not try_acquire(key, owner, lease):
        if on_wait is not None:
            on_wait()
        time.sleep(POLL_SECONDS)
    app = current_app._get_current_object()
    stop = threading.Event()

    def heartbeat() -> None:
        with app.app_context():
            while not stop.wait(lease / 3):
                _extend(key, owner, lease)

    beat = threading.Thread(target=heartbeat, name=f"lock-{key}-heartbeat", daemon=True)
    beat.start()
    try:
        yield owner
    finally:
        stop.set()
        beat.join(timeout=5)
        release(key, owner)
