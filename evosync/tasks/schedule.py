"""The schedule: every minute, inside every worker, queue what is due for each user.

Due connection checks (``HEALTH_CHECK_MINUTES``), catalog refreshes (``CATALOG_REFRESH_MINUTES``) and
syncs (``SYNC_INTERVAL_MINUTES``, default 10). Several workers mean several ticks a minute; the
(user, kind) marks keep each user's task of a kind queued at most once. See docs/tasks.md.
"""

from __future__ import annotations

from huey import crontab

from evosync.catalog.service import REFRESH_KIND
from evosync.extensions import db
from evosync.jobs.service import enqueue
from evosync.tasks.jobs import (
    CHECK_KIND,
    check_connections_task,
    clear_mark,
    due_checks,
    due_refreshes,
    place_mark,
    run_job_task,
)
from evosync.tasks.queue import periodic_task
from evosync.tasks.sync import SYNC_KIND, due_syncs, queue_scheduled_sync


def _queue_checks() -> int:
    queued = 0
    for user_id in due_checks():
        if place_mark(user_id, CHECK_KIND):
            check_connections_task(user_id)
            queued += 1
    return queued


def _queue_refreshes() -> int:
    queued = 0
    for user_id in due_refreshes():
        if not place_mark(user_id, REFRESH_KIND):
            continue
        job, created = enqueue(REFRESH_KIND, user_id)
        db.session.commit()
        if created:
            run_job_task(job.id, REFRESH_KIND)
            queued += 1
        else:
            clear_mark(user_id, REFRESH_KIND)
    return queued


def tick() -> dict[str, int]:
    """Enqueue every due task whose (user, kind) mark this call placed; returns how many per kind."""
    return {
        CHECK_KIND: _queue_checks(),
        REFRESH_KIND: _queue_refreshes(),
        SYNC_KIND: sum(queue_scheduled_sync(user_id) for user_id in due_syncs()),
    }


@periodic_task(crontab(minute="*"))
def schedule_tick() -> None:
    """Every minute, in every worker's scheduler (the marks keep it to one task per user and kind)."""
    tick()
