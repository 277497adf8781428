"""Run a job under a database lease: one running job per (user, kind), across processes and hosts.

The job row is the lease. Claiming inserts a ``running`` row; a partial unique index lets only one such row
exist per (user, kind), so a second claim — from this process, another gunicorn worker or a cron host —
fails in the database, on SQLite and PostgreSQL alike. The holder heartbeats (pushes ``lease_expires_at``
forward); a row whose lease expired belongs to a process that died and is marked failed by the next claim.

Job bookkeeping uses its own short transactions (a separate Session), so progress is visible to the page
polling it while the job's own work sits in ``db.session``, which the runner commits (or rolls back) at the
end — the runner is the edge that owns the work's transaction.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evosync.db import utcnow
from evosync.extensions import db
from evosync.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 90
STALE_MESSAGE = "Задача прервалась: процесс, который её выполнял, остановился. Запустите её снова."
INTERNAL_MESSAGE = "Внутренняя ошибка. Попробуйте ещё раз позже."
# A job's progress line is written at most this often (the page polls every few seconds; the heartbeat keeps
# the lease meanwhile): a refresh reports after every 1,000 products, and a write each time was a tenth of
# an unchanged 100,000-product refresh.
PROGRESS_EVERY_SECONDS = 0.5

Progress = Callable[[str, "int | None"], None]
JobFn = Callable[[Progress], str]


class JobBusy(Exception):
    """A job of this kind is already running for this user."""


class LeaseLost(Exception):
    """Another process took the job's lease over (ours had expired); the work must stop."""


def lease_seconds(app: Flask | None = None) -> int:
    """The lease length from config ``JOB_LEASE_SECONDS``."""
    return int((app or current_app).config.get("JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def claim(kind: str, user_id: int, lease: int) -> tuple[int, str]:
    """Insert the running row (after failing a stale one); return (job id, owner) or raise JobBusy."""
    owner = uuid.uuid4().hex
    now = utcnow()
    with Session(db.engine) as session:
        session.execute(
            update(Job)
            .where(Job.user_id == user_id, Job.kind == kind, Job.status == RUNNING)
            .where(Job.lease_expires_at < now)
            .values(status=FAILED, message=STALE_MESSAGE, finished_at=now)
        )
        job = Job(
            kind=kind,
            user_id=user_id,
            status=RUNNING,
            progress_text="Запуск…",
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease),
            started_at=now,
        )
        session.add(job)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise JobBusy(f"{kind} is already running for user {user_id}") from None
        return job.id, owner


def _touch(job_id: int, owner: str, lease: int, **values) -> bool:
    """Extend the lease (and set ``values``) if we still hold it; False when it was taken over."""
    with Session(db.engine) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease), **values)
        )
        session.commit()
        return result.rowcount == 1


def _finish(job_id: int, owner: str, status: str, message: str) -> None:
    with Session(db.engine) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
            .values(
                status=status,
                message=message[:1000],
                finished_at=utcnow(),
                progress_percent=100 if status == SUCCEEDED else None,
            )
        )
        session.commit()


def _execute(job_id: int, owner: str, lease: int, fn: JobFn) -> Job | None:
    """Run ``fn`` with heartbeats, commit or roll back its work, record the outcome."""
    stop = threading.Event()
    lost = threading.Event()
    app = current_app._get_current_object()

    def heartbeat() -> None:
        with app.app_context():
            while not stop.wait(max(lease / 3, 0.05)):
                if not _touch(job_id, owner, lease):
                    lost.set()
                    return

    written = [float("-inf")]

    def progress(text: str, percent: int | None = None) -> None:
        if not lost.is_set():
            now = time.monotonic()
            if now - written[0] < PROGRESS_EVERY_SECONDS and percent != 100:
                return
            written[0] = now
            if _touch(job_id, owner, lease, progress_text=text[:255], progress_percent=percent):
                return
        lost.set()
        raise LeaseLost(f"job {job_id} lost its lease")

    beat = threading.Thread(target=heartbeat, name=f"job-{job_id}-heartbeat", daemon=True)
    beat.start()
    try:
        message = fn(progress)
        db.session.commit()
        _finish(job_id, owner, SUCCEEDED, message or "")
    except LeaseLost:
        db.session.rollback()
        log.warning("job %s lost its lease and stopped", job_id)
    except Exception as exc:  # a job's failure is recorded, never raised into a thread
        db.session.rollback()
        message_ru = getattr(exc, "message_ru", None)
        if message_ru is None:
            log.exception("job %s failed", job_id)
        _finish(job_id, owner, FAILED, message_ru or INTERNAL_MESSAGE)
    finally:
        stop.set()
        beat.join(timeout=5)
    return db.session.get(Job, job_id, populate_existing=True)


def run_job(kind: str, user_id: int, fn: JobFn) -> Job:
    """Run ``fn(progress)`` now, in this thread, under a lease; JobBusy if one is already running."""
    lease = lease_seconds()
    job_id, owner = claim(kind, user_id, lease)
    return _execute(job_id, owner, lease, fn)


def _fail_stale(session: Session, kind: str, user_id: int, now) -> None:
    session.execute(
        update(Job)
        .where(Job.user_id == user_id, Job.kind == kind, Job.status == RUNNING)
        .where(Job.lease_expires_at < now)
        .values(status=FAILED, message=STALE_MESSAGE, finished_at=now)
    )


def enqueue(kind: str, user_id: int) -> tuple[Job, bool]:
    """The job a worker will run: (the new ``queued`` row, True), or (the queued/running one, False).

    Flushes only; the edge commits and then puts the job's id on the task queue (see evosync/tasks/jobs.py).
    """
    active = db.session.scalar(
        select(Job)
        .where(Job.user_id == user_id, Job.kind == kind, Job.status.in_((QUEUED, RUNNING)))
        .where(Job.lease_expires_at >= utcnow())
        .order_by(Job.id.desc())
        .limit(1)
    )
    if active is not None:
        return active, False
    now = utcnow()
    job = Job(kind=kind, user_id=user_id, status=QUEUED, progress_text="", lease_owner="", started_at=now)
    # A queued row's "lease" is how long it may wait for a worker before the page calls it lost.
    job.lease_expires_at = now + timedelta(days=1)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return db.session.scalar(
            select(Job).where(Job.user_id == user_id, Job.kind == kind, Job.status == QUEUED)
        ), False
    return job, True


def claim_queued(job_id: int, lease: int) -> tuple[str, str] | None:
    """Turn the queued row into the running one; (owner, kind) or None if it is gone; JobBusy if one runs."""
    owner = uuid.uuid4().hex
    now = utcnow()
    with Session(db.engine) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != QUEUED:
            return None
        _fail_stale(session, job.kind, job.user_id, now)
        job.status, job.lease_owner, job.progress_text = RUNNING, owner, "Запуск…"
        job.lease_expires_at, job.started_at = now + timedelta(seconds=lease), now
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise JobBusy(f"{job.kind} is already running for user {job.user_id}") from None
        return owner, job.kind


def run_queued(job_id: int, fn: JobFn) -> Job | None:
    """Run a queued job now in this thread (a worker's task); None if it is no longer queued."""
    lease = lease_seconds()
    claimed = claim_queued(job_id, lease)
    if claimed is None:
        return None
    return _execute(job_id, claimed[0], lease, fn)
