"""Job rows run by workers: the web only queues; with no worker the page says so; a worker then runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from evosync.connections.service import save_tokens
from evosync.extensions import db as _db
from evosync.jobs.models import Job
from tests.tasks_plugin import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app_config(app_config, sandbox):
    return {**app_config, **sandbox.config()}


@pytest.fixture
def evotor_user(app, user, sandbox):
    with app.app_context():
        save_tokens(user.id, "evotor", sandbox.evotor_token, auth_method="token")
        _db.session.commit()
    return user


def _job(app, user_id):
    with app.app_context():
        job = _db.session.scalar(select(Job).where(Job.user_id == user_id).order_by(Job.id.desc()))
        _db.session.expunge(job)
        return job


def _worker_env(app) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVOSYNC_")}
    for key in ("DATABASE_URL", "TOKEN_KEYS", "EVOTOR_API_URL", "VK_API_URL"):
        env[f"EVOSYNC_{key}"] = str(app.config[key])
    env.update(EVOSYNC_ENV="testing", EVOSYNC_TASKS_URL=app.config["TASKS_URL"], EVOSYNC_SECRET_KEY="w" * 40)
    return env


def test_with_no_worker_the_refresh_waits_in_the_queue_and_a_worker_started_later_runs_it(
    app, auth_client, evotor_user, queue
):
    html = auth_client.post("/catalog/refresh", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "в очереди: ждёт обработчика" in html
    assert 'hx-trigger="every 1s"' in html
    job = _job(app, evotor_user.id)
    assert job.status == "queued"
    # Clicking again queues nothing more.
    auth_client.post("/catalog/refresh", headers={"HX-Request": "true"})
    assert queue.pending_count() == 1
    poll = auth_client.get(f"/catalog/refresh/{job.id}", headers={"HX-Request": "true"})
    assert "в очереди: ждёт обработчика" in poll.get_data(as_text=True)

    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "evosync", "worker", "--threads", "2"],
        cwd=ROOT,
        env=_worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: _job(app, evotor_user.id).status == "succeeded", timeout=60, step=0.2)
    finally:
        worker.send_signal(signal.SIGINT)  # graceful: finish running tasks, then exit
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err[-2000:]
    assert "Каталог обновлён" in _job(app, evotor_user.id).message
    poll = auth_client.get(f"/catalog/refresh/{job.id}", headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"
    assert "Каталог обновлён" in auth_client.get("/catalog").get_data(as_text=True)
