"""A user's sync as queue tasks: «Синхронизировать сейчас» (a job row the page polls) and the scheduled run.

Manual: ``queue_manual_sync`` writes a ``queued`` job row (the /sync page says «в очереди: ждёт
обработчика» until a worker takes it) and queues ``manual_sync_task``. Scheduled: the schedule's tick calls
``queue_scheduled_sync`` for each user due (``due_syncs``), once per user thanks to the ``sync`` mark.
`flask sync run` queues ``sync_user_task`` with a reply key and waits for the outcomes (``wait_outcome``).

A worker killed mid-run leaves the user's lease to expire (``SYNC_LEASE_SECONDS``); the next claim marks
that run failed with a Russian reason. The ``sync`` mark of a started task expires with the lease, so the
next tick queues the user again. See docs/tasks.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.jobs.models import Job
from evosync.jobs.service import JobBusy, enqueue, run_queued
from evosync.sync.engine import lease as leases
from evosync.sync.engine.outcomes import MANUAL_KIND, Outcome
from evosync.sync.engine.runner import check_manual_start, manual_job, ready_user_ids, run_user
from evosync.sync.runs.models import SyncRun
from evosync.tasks.jobs import BUSY_RETRY_SECONDS, WAITING_TEXT, clear_mark, place_mark
from evosync.tasks.models import TaskMark
from evosync.tasks.queue import huey, task

log = logging.getLogger(__name__)

SYNC_KIND = "sync"
DEFAULT_INTERVAL_MINUTES = 10
REPLY_PREFIX = "sync-reply"
WAIT_POLL_SECONDS = 0.2


def queue_manual_sync(user_id: int, only: set[str] | None = None, retry_error_ids: Iterable[int] = ()) -> int:
    """Queue «Синхронизировать сейчас» (commits: views are edges); the job row's id.

    ConfigRefused when the rules select nothing; JobBusy when the user's manual sync is queued or running.
    """
    check_manual_start(user_id)
    job, created = enqueue(MANUAL_KIND, user_id)
    if not created:
        db.session.rollback()
        raise JobBusy(f"a manual sync of user {user_id} is already queued or running")
    job.progress_text = WAITING_TEXT
    db.session.commit()
    manual_sync_task(job.id, sorted(only) if only is not None else None, list(retry_error_ids))
    return job.id


@task(retries=720, retry_delay=BUSY_RETRY_SECONDS)
def manual_sync_task(job_id: int, only: list[str] | None, retry_error_ids: list[int]) -> None:
    """Run the manual-sync job row (JobBusy while another runs for the user: Huey retries later)."""
    user_id = db.session.scalar(select(Job.user_id).where(Job.id == job_id))
    db.session.rollback()
    if user_id is not None:
        run_queued(job_id, manual_job(user_id, set(only) if only is not None else None, retry_error_ids))


def _interval() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SYNC_INTERVAL_MINUTES", DEFAULT_INTERVAL_MINUTES)))


def due_syncs() -> list[int]:
    """Ready users whose latest finished run started more than ``SYNC_INTERVAL_MINUTES`` ago (or none).

    A run still marked running is left out: either its lease is alive (``queue_scheduled_sync`` then skips
    the user) or its process died, and the user is due again at once.
    """
    finished = select(SyncRun.user_id, func.max(SyncRun.started_at)).where(SyncRun.finished_at.is_not(None))
    latest = dict(db.session.execute(finished.group_by(SyncRun.user_id)).all())
    before = utcnow() - _interval()
    return [uid for uid in ready_user_ids() if latest.get(uid) is None or as_utc(latest[uid]) < before]


def _still_due(user_id: int) -> bool:
    """Re-checked once the mark is ours: a run may have finished since the tick listed the user."""
    latest = db.session.scalar(
        select(func.max(SyncRun.started_at)).where(
            SyncRun.user_id == user_id, SyncRun.finished_at.is_not(None)
        )
    )
    return latest is None or as_utc(latest) < utcnow() - _interval()


def queue_scheduled_sync(user_id: int) -> bool:
    """Queue the user's scheduled sync unless one is queued or running (the ``sync`` mark); True if queued."""
    if leases.holder(user_id) is not None or not place_mark(user_id, SYNC_KIND):
        db.session.rollback()
        return False
    if not _still_due(user_id):
        clear_mark(user_id, SYNC_KIND)
        return False
    sync_user_task(user_id, "cron", None, True)
    return True


def _started(user_id: int) -> None:
    """The task began: from now its mark lives as long as a lease would, renewed by nothing but the run."""
    db.session.execute(
        update(TaskMark)
        .where(TaskMark.user_id == user_id, TaskMark.kind == SYNC_KIND)
        .values(expires_at=utcnow() + timedelta(seconds=leases.lease_seconds()))
    )
    db.session.commit()


@task()
def sync_user_task(
    user_id: int, trigger: str = "cron", reply: str | None = None, marked: bool = False
) -> None:
    """One user's sync run; the outcome goes to ``reply`` (for `flask sync run`) when one is given."""
    outcome = Outcome(user_id, "failed", None, "ошибка: запуск прервался")
    try:
        if marked:
            _started(user_id)
        outcome = run_user(user_id, trigger)
    except Exception as exc:  # reported to the waiting CLI; the run row (if any) says what happened
        db.session.rollback()
        log.exception("sync of user %s crashed", user_id)
        outcome = Outcome(user_id, "failed", None, f"ошибка: {type(exc).__name__}")
    finally:
        if marked:
            clear_mark(user_id, SYNC_KIND)
        if reply is not None:
            huey.put(f"{REPLY_PREFIX}:{reply}:{user_id}", [outcome.status, outcome.run_id, outcome.line])


def queue_cli_sync(user_id: int, reply: str) -> None:
    """Queue one user's run for `flask sync run`; its outcome arrives under ``reply``."""
    sync_user_task(user_id, "cron", reply)


def wait_outcome(user_id: int, reply: str, still_served, timeout: float) -> Outcome:
    """Block until the worker's outcome for ``user_id`` arrives (or no worker is left, or ``timeout``)."""
    deadline = time.monotonic() + timeout
    key = f"{REPLY_PREFIX}:{reply}:{user_id}"
    while time.monotonic() < deadline:
        answer = huey.get(key)  # read and removed
        if answer is not None:
            return Outcome(user_id, *answer)
        if not still_served():
            return Outcome(user_id, "failed", None, "ошибка: обработчики очереди остановились")
        time.sleep(WAIT_POLL_SECONDS)
    return Outcome(user_id, "failed", None, "ошибка: обработчик не ответил вовремя")
