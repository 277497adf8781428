"""A user's sync on the task queue: manual runs wait for a worker, the schedule queues each user once, many
users run in parallel across workers within each token's limit, and a killed worker costs a retry only."""

from __future__ import annotations

import collections
import itertools
import os
import signal
import time

from sqlalchemy import func, select

from evosync.db import as_utc
from evosync.extensions import db as _db
from evosync.jobs.models import Job
from evosync.sync.engine.lease import ABANDONED_RU
from evosync.sync.engine.models import SyncLease
from evosync.sync.runs.models import SyncRun
from evosync.tasks.models import TaskMark, TaskWorker
from evosync.tasks.schedule import tick
from evosync.tasks.sync import SYNC_KIND
from tests.sync.helpers import start_worker
from tests.sync.test_scaleout import _assert_each_community_complete, _fleet_users
from tests.tasks_plugin import concurrent_ticks, wait_for
from tests.vk.test_ratelimit_unit import max_in_window

PRODUCTS = 24


def _runs(app) -> list[SyncRun]:
    with app.app_context():
        rows = _db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        _db.session.expunge_all()
        return rows


def _count(app, model, *where) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stop(worker) -> str:
    worker.send_signal(signal.SIGINT)
    _, err = worker.communicate(timeout=60)
    return err


def test_a_manual_sync_with_no_worker_waits_in_the_queue_then_runs_when_a_worker_starts(
    app, shop, login, client, queue, consumer
):
    assert login(shop.email).status_code == 302
    html = client.post("/sync/run", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "в очереди: ждёт обработчика" in html
    poll = client.get("/sync/run/status?poll=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "в очереди: ждёт обработчика" in poll and 'hx-trigger="every 1s"' in poll
    # A second click while it waits queues nothing more.
    again = client.post("/sync/run", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Синхронизация уже выполняется." in again or "в очереди" in again
    assert queue.pending_count() == 1
    assert _runs(app) == []

    consumer(workers=2)
    wait_for(lambda: _count(app, Job, Job.status == "succeeded") == 1, timeout=120, step=0.2)
    runs = _runs(app)
    assert [(r.trigger, r.status) for r in runs] == [("manual", "succeeded")]
    done = client.get("/sync/run/status?poll=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Синхронизировать сейчас" in done and "ждёт обработчика" not in done


def test_eight_concurrent_ticks_queue_each_ready_users_sync_once(app, make_user, sandbox, queue, consumer):
    sandbox.reset(products=PRODUCTS, vk_rps=50)
    users = _fleet_users(app, make_user, sandbox, 3)
    results = concurrent_ticks(app, 8)
    assert sum(r[SYNC_KIND] for r in results) == len(users)
    assert _count(app, TaskMark, TaskMark.kind == SYNC_KIND) == len(users)
    consumer(workers=3)
    wait_for(lambda: _count(app, SyncRun, SyncRun.finished_at.is_not(None)) == len(users), timeout=180)
    wait_for(lambda: _count(app, TaskMark, TaskMark.kind == SYNC_KIND) == 0)
    assert sorted(r.user_id for r in _runs(app)) == sorted(u.id for u in users)
    assert all(r.status == "succeeded" for r in _runs(app))
    # Synced moments ago: not due again before SYNC_INTERVAL_MINUTES.
    assert sum(r[SYNC_KIND] for r in concurrent_ticks(app, 8)) == 0
    _assert_each_community_complete(app, sandbox, 3)


def test_twenty_users_on_two_workers_sync_once_each_in_parallel_within_each_tokens_limit(
    app, app_config, make_user, sandbox
):
    rps = 3
    sandbox.reset(products=PRODUCTS, vk_rps=rps)
    users = _fleet_users(app, make_user, sandbox, 20)
    with app.app_context():
        assert tick()[SYNC_KIND] == 20
    workers = [start_worker({**app_config, "VK_RPS": rps}, threads=6) for _ in range(2)]
    try:
        wait_for(lambda: _count(app, SyncRun, SyncRun.finished_at.is_not(None)) >= 20, timeout=600, step=0.5)
    finally:
        errs = [_stop(w) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [e[-2000:] for e in errs]
    runs = _runs(app)
    counts = collections.Counter(r.user_id for r in runs)
    twice = [
        (r.user_id, r.owner, r.trigger, str(r.started_at), str(r.finished_at))
        for r in runs
        if counts[r.user_id] > 1
    ]
    assert sorted(counts) == sorted(u.id for u in users) and not twice, twice  # every user once, no duplicate
    assert [(r.status, r.message) for r in runs if r.status != "succeeded"] == []
    assert len({r.owner.split(":")[1] for r in runs}) == 2  # both workers took users
    spans = sorted((as_utc(r.started_at), as_utc(r.finished_at)) for r in runs)
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans))  # users ran side by side
    counters = sandbox.counters()
    assert counters["all"].get("vk_rate_limited", 0) == 0
    for stamps in counters["vk_token_timestamps"].values():
        assert max_in_window(stamps, 1.0) <= rps
    assert _count(app, TaskWorker) == 0  # stopped workers leave no heartbeat behind
    _assert_each_community_complete(app, sandbox, 20)


def test_a_worker_killed_mid_run_costs_a_retry_after_the_lease_and_no_duplicate(
    app, app_config, make_user, sandbox
):
    sandbox.reset(products=PRODUCTS, vk_rps=50)
    _fleet_users(app, make_user, sandbox, 1)
    lease = 3
    config = {**app_config, "SYNC_LEASE_SECONDS": lease}
    app.config["SYNC_LEASE_SECONDS"] = lease
    sandbox.fault("slow", seconds=0.5, service="vk", methods=["execute"])
    with app.app_context():
        assert tick()[SYNC_KIND] == 1
    doomed = start_worker(config, threads=2)
    held = lambda: _count(app, SyncLease, SyncLease.owner.is_not(None), SyncLease.run_id.is_not(None))  # noqa: E731
    wait_for(held, timeout=120, step=0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=30)

    with app.app_context():
        assert tick()[SYNC_KIND] == 0  # the dead worker's lease is still alive: nothing queued yet
    sandbox.clear_faults()
    time.sleep(lease + 1)
    survivor = start_worker(config, threads=2)
    try:
        with app.app_context():
            assert tick()[SYNC_KIND] == 1  # the lease expired: the user is queued again
        wait_for(lambda: _count(app, SyncRun, SyncRun.status == "succeeded") == 1, timeout=180, step=0.2)
    finally:
        err = _stop(survivor)
    assert survivor.returncode == 0, err[-2000:]
    runs = _runs(app)
    assert [r.status for r in runs] == ["failed", "succeeded"], [(r.status, r.message) for r in runs]
    assert runs[0].message == ABANDONED_RU and runs[0].owner.split(":")[1] == str(doomed.pid)
    _assert_each_community_complete(app, sandbox, 1)
