"""The background tasks: job rows the pages poll (catalog refresh), connection checks, and the schedule.

The web only enqueues: ``submit`` writes a ``queued`` job row, commits, and puts its id on the queue; a
worker's task turns the row into the running job (lease, heartbeats, outcome — evosync/jobs/service.py).
Until a worker takes it the page shows «в очереди: ждёт обработчика».

The schedule (evosync/tasks/schedule.py) queues what is due per user. A ``TaskMark`` row per (user, kind)
— inserted by the tick that wins, deleted by the task when it ends — makes "queued at most once" hold
however many workers and ticks there are (``place_mark``, ``clear_mark``). See docs/tasks.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from evosync.catalog.models import CatalogState
from evosync.catalog.service import REFRESH_KIND, refresh_job
from evosync.connections.health import check_connection
from evosync.connections.models import Connection
from evosync.db import utcnow
from evosync.extensions import db
from evosync.jobs.models import SUCCEEDED, Job
from evosync.jobs.service import JobBusy, JobFn, enqueue, run_queued
from evosync.tasks.models import TaskMark
from evosync.tasks.queue import task
from evosync.tasks.thumbs import fetch_thumbs_task

log = logging.getLogger(__name__)

# Kinds of job rows a worker can run, by kind: user id → the job's work.
JOB_KINDS: dict[str, Callable[[int], JobFn]] = {REFRESH_KIND: refresh_job}
# What a job of a kind queues once it succeeded, by kind: user id → None.
FOLLOW_UPS: dict[str, Callable[[int], object]] = {REFRESH_KIND: fetch_thumbs_task}
CHECK_KIND = "connection_check"
WAITING_TEXT = "В очереди: ждёт обработчика"
# A mark older than this belongs to a task that was lost (a worker killed before it ran): queue again.
MARK_TTL = timedelta(minutes=30)
BUSY_RETRY_SECONDS = 5


def submit(kind: str, user_id: int) -> Job:
    """Queue the user's job of ``kind`` (or return the one queued/running); commits — callers are edges."""
    job, created = enqueue(kind, user_id)
    if created:
        job.progress_text = WAITING_TEXT
    db.session.commit()
    if created:
        run_job_task(job.id)
    return job


@task(retries=720, retry_delay=BUSY_RETRY_SECONDS)
def run_job_task(job_id: int, mark_kind: str | None = None) -> None:
    """Run a queued job row; while another of its kind runs for the user (CLI, sync) retry later."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    user_id, kind = job.user_id, job.kind
    db.session.rollback()
    try:
        done = run_queued(job_id, JOB_KINDS[kind](user_id))
    except JobBusy:
        raise  # Huey retries the task later; the row stays queued and the page keeps saying so
    except BaseException:
        _clear(user_id, mark_kind)
        raise
    _clear(user_id, mark_kind)
    if done is not None and done.status == SUCCEEDED and kind in FOLLOW_UPS:
        FOLLOW_UPS[kind](user_id)


def _clear(user_id: int, mark_kind: str | None) -> None:
    if mark_kind:
        clear_mark(user_id, mark_kind)


@task()
def check_connections_task(user_id: int) -> None:
    """Check the user's Evotor and VK connections and store the verdicts."""
    try:
        for connection in db.session.scalars(select(Connection).where(Connection.user_id == user_id)):
            check_connection(connection)
            db.session.commit()
    finally:
        clear_mark(user_id, CHECK_KIND)


def place_mark(user_id: int, kind: str) -> bool:
    """Insert the (user, kind) mark; True only for the one caller that placed it (stale marks are taken)."""
    now = utcnow()
    table = TaskMark.__table__
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(table)
    stmt = insert.values(user_id=user_id, kind=kind, enqueued_at=now, expires_at=now + MARK_TTL)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "kind"],
        set_={"enqueued_at": now, "expires_at": now + MARK_TTL},
        where=table.c.expires_at < now,
    )
    placed = db.session.execute(stmt.returning(table.c.user_id)).scalar() is not None
    db.session.commit()
    return placed


def clear_mark(user_id: int, kind: str) -> None:
    """The task of this kind ended: the schedule may queue the next one."""
    db.session.rollback()
    db.session.execute(delete(TaskMark).where(TaskMark.user_id == user_id, TaskMark.kind == kind))
    db.session.commit()


def _minutes(key: str, default: int) -> timedelta:
    return timedelta(minutes=int(current_app.config.get(key, default)))


def due_checks() -> list[int]:
    """Users with a connection not checked within ``HEALTH_CHECK_MINUTES`` (default 60)."""
    before = utcnow() - _minutes("HEALTH_CHECK_MINUTES", 60)
    stale = or_(Connection.last_check_at.is_(None), Connection.last_check_at < before)
    return list(db.session.scalars(select(Connection.user_id).where(stale).distinct()))


def due_refreshes() -> list[int]:
    """Users with Evotor whose catalog is older than ``CATALOG_REFRESH_MINUTES`` (default 60)."""
    before = utcnow() - _minutes("CATALOG_REFRESH_MINUTES", 60)
    stale = or_(CatalogState.refreshed_at.is_(None), CatalogState.refreshed_at < before)
    query = (
        select(Connection.user_id)
        .outerjoin(CatalogState, CatalogState.user_id == Connection.user_id)
        .where(Connection.provider == "evotor", or_(CatalogState.user_id.is_(None), stale))
    )
    return list(db.session.scalars(query))
