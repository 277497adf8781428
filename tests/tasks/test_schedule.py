"""The schedule: every tick enqueues what is due, and a (user, kind) is queued once however many ticks run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from evosync.catalog.models import CatalogState
from evosync.catalog.service import REFRESH_KIND
from evosync.connections.models import Connection
from evosync.connections.service import save_tokens
from evosync.db import utcnow
from evosync.extensions import db as _db
from evosync.jobs.models import Job
from evosync.tasks.jobs import CHECK_KIND
from evosync.tasks.models import TaskMark
from evosync.tasks.schedule import tick
from evosync.tasks.sync import SYNC_KIND
from tests.tasks_plugin import concurrent_ticks, wait_for

USERS = 4


@pytest.fixture
def app_config(app_config, sandbox):
    return {**app_config, **sandbox.config()}


@pytest.fixture
def shops(app, make_user, sandbox):
    ids = []
    for n in range(USERS):
        user = make_user(email=f"tick{n}@example.ru")
        with app.app_context():
            save_tokens(user.id, "evotor", sandbox.evotor_token, auth_method="token")
            _db.session.commit()
        ids.append(user.id)
    return ids


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_eight_concurrent_ticks_queue_each_users_tasks_once_and_workers_run_them(
    app, db, shops, queue, consumer
):
    results = concurrent_ticks(app, 8)
    assert len(results) == 8
    assert sum(r[CHECK_KIND] for r in results) == USERS
    assert sum(r[REFRESH_KIND] for r in results) == USERS
    assert queue.pending_count() == 2 * USERS
    assert _count(db, Job, Job.status == "queued") == USERS
    consumer(workers=4)
    wait_for(lambda: _count(db, Job, Job.status == "succeeded") == USERS, timeout=90, step=0.2)
    wait_for(lambda: _count(db, TaskMark) == 0)
    assert _count(db, Connection, Connection.last_check_at.is_not(None)) == USERS
    assert _count(db, CatalogState, CatalogState.refreshed_at.is_not(None)) == USERS
    # Nothing is due any more: the next ticks queue nothing.
    assert all(r == {CHECK_KIND: 0, REFRESH_KIND: 0, SYNC_KIND: 0} for r in concurrent_ticks(app, 8))
    assert _count(db, Job) == USERS


def test_a_lost_tasks_mark_expires_and_the_next_tick_queues_it_again(app, db, shops, queue):
    assert tick()[CHECK_KIND] == USERS
    queue.flush()  # the queued tasks are lost (say, the queue storage was wiped)
    assert tick()[CHECK_KIND] == 0  # marked as queued: not again…
    db.session.execute(update(TaskMark).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert tick()[CHECK_KIND] == USERS  # …until the marks expire
