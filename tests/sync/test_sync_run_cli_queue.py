"""`flask sync run` with a worker running: every user's run goes through the queue (the worker's process runs
it, side by side with the others) and the command keeps its contract — one line per user in user order,
``--user``, ``--dry-run``, exit status 1 only when a run failed. With the worker stopped it runs them itself."""

from __future__ import annotations

import itertools
import os
import signal

from sqlalchemy import select

from evosync.db import as_utc
from evosync.extensions import db as _db
from evosync.sync.runs.models import SyncRun
from evosync.tasks.models import TaskWorker
from tests.sync.helpers import start_worker
from tests.sync.test_scaleout import _fleet_users
from tests.tasks_plugin import wait_for

PRODUCTS = 24


def _runs(app) -> list[SyncRun]:
    with app.app_context():
        _db.session.rollback()
        rows = _db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        _db.session.expunge_all()
        return rows


def _pid(run: SyncRun) -> int:
    return int(run.owner.split(":")[1])  # owner is host:pid:nonce


def _live(app) -> bool:
    with app.app_context():
        return _db.session.scalar(select(TaskWorker.pid)) is not None


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("user ")]


def _through_the_worker(app, runner, sandbox, users, worker) -> None:
    ran = runner.invoke(args=["sync", "run"])
    assert ran.exit_code == 0, ran.output
    lines = _lines(ran.output)
    assert [line.split(" <")[0] for line in lines] == [f"user {u.id}" for u in users], lines
    assert all("успешно: создано" in line for line in lines), lines
    runs = _runs(app)
    assert sorted(r.user_id for r in runs) == [u.id for u in users]
    assert {_pid(r) for r in runs} == {worker.pid}  # the worker ran them, not this process
    spans = sorted((as_utc(r.started_at), as_utc(r.finished_at)) for r in runs)
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans)), spans  # side by side

    dry = runner.invoke(args=["sync", "run", "--dry-run"])
    assert dry.exit_code == 0 and len(_lines(dry.output)) == len(users) and "план:" in dry.output
    assert len(_runs(app)) == len(runs)  # a dry run queues nothing and writes no run

    one = runner.invoke(args=["sync", "run", "--user", users[1].email])
    assert one.exit_code == 0 and _lines(one.output) == [
        f"user {users[1].id} <{users[1].email}>: " + _lines(one.output)[0].split(">: ", 1)[1]
    ]
    assert "без изменений" in one.output, one.output
    last = _runs(app)[-1]
    assert (last.user_id, _pid(last)) == (users[1].id, worker.pid)

    sandbox.set_product(sandbox.product_id(3), price=4321)
    sandbox.fault("http_error", status=500, service="vk", methods=["execute"])
    failed = runner.invoke(args=["sync", "run", "--user", str(users[0].id)])
    sandbox.clear_faults()
    assert failed.exit_code == 1 and "ошибка" in failed.output, failed.output
    assert _pid(_runs(app)[-1]) == worker.pid


def test_sync_run_goes_through_the_queue_while_a_worker_runs_and_runs_itself_without_one(
    app, app_config, make_user, sandbox
):
    sandbox.reset(products=PRODUCTS, vk_rps=50)
    users = _fleet_users(app, make_user, sandbox, 3)
    runner = app.test_cli_runner()
    # Each run waits a little on VK, so runs taken by the worker's threads together visibly overlap.
    sandbox.fault("slow", seconds=0.3, service="vk", methods=["market.get"])
    # No schedule in this worker: its every-minute tick would queue the same due users beside the command's
    # (harmless — the lease keeps one run per user — but the runs asserted here are the command's own).
    worker = start_worker({**app_config, "VK_RETRY_BASE": 0.01}, threads=4, schedule=False)
    try:
        wait_for(lambda: _live(app), timeout=60, step=0.1)
        _through_the_worker(app, runner, sandbox, users, worker)
    finally:
        worker.send_signal(signal.SIGINT)
        _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err[-2000:]
    assert not _live(app)  # a cleanly stopped worker leaves no heartbeat

    alone = runner.invoke(args=["sync", "run", "--user", users[2].email])
    assert alone.exit_code == 0 and len(_lines(alone.output)) == 1, alone.output
    assert _pid(_runs(app)[-1]) == os.getpid()  # no worker: the command ran the user itself
