"""Background jobs: one running job per (user, kind), heartbeats, stale-lease takeover, outcomes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from evosync.db import as_utc, utcnow
from evosync.extensions import db as db_ext
from evosync.jobs.models import Job
from evosync.jobs.service import STALE_MESSAGE, JobBusy, claim, run_job


def _jobs(db, user_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Job).where(Job.user_id == user_id).order_by(Job.id)))


def test_run_job_records_success_and_progress(db, user):
    seen = []

    def work(progress):
        progress("половина", 50)
        seen.append(_jobs(db, user.id)[-1].progress_text)
        return "готово"

    job = run_job("demo", user.id, work)
    assert job.status == "succeeded"
    assert job.message == "готово"
    assert job.progress_percent == 100
    assert job.finished_at is not None
    assert seen == ["половина"]


def test_a_failing_job_records_the_russian_message_and_rolls_back(db, user):
    class Boom(Exception):
        message_ru = "Эвотор сейчас недоступен."

    def work(progress):
        raise Boom("down")

    job = run_job("demo", user.id, work)
    assert job.status == "failed"
    assert job.message == "Эвотор сейчас недоступен."


def test_unexpected_errors_show_a_generic_message(db, user):
    job = run_job("demo", user.id, lambda progress: 1 / 0)
    assert job.status == "failed"
    assert "Внутренняя ошибка" in job.message


def _run_in_thread(app, kind, user_id, fn) -> threading.Thread:
    """What a worker thread does with a job: claim it and run it (here in a thread the test owns)."""

    def target():
        with app.app_context():
            try:
                run_job(kind, user_id, fn)
            finally:
                db_ext.session.remove()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_second_claim_while_running_is_refused_even_from_another_thread(db, app, user):
    release = threading.Event()
    started = threading.Event()

    def work(progress):
        started.set()
        release.wait(10)
        return "ok"

    handle = _run_in_thread(app, "demo", user.id, work)
    assert started.wait(10)
    with pytest.raises(JobBusy):
        claim("demo", user.id, 60)
    # Another kind, or another user, is not blocked.
    other_id, _ = claim("other-kind", user.id, 60)
    assert other_id
    release.set()
    handle.join(10)
    assert [j.status for j in _jobs(db, user.id) if j.kind == "demo"] == ["succeeded"]
    # Once finished, a new run may start.
    assert run_job("demo", user.id, lambda progress: "again").status == "succeeded"


def test_a_stale_lease_is_taken_over_and_marked_failed(db, user):
    dead_id, _ = claim("demo", user.id, 60)
    db.session.get(Job, dead_id).lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    job = run_job("demo", user.id, lambda progress: "fresh")
    assert job.status == "succeeded"
    dead = db.session.get(Job, dead_id, populate_existing=True)
    assert dead.status == "failed"
    assert dead.message == STALE_MESSAGE
    assert dead.finished_at is not None


def test_a_live_lease_is_not_taken_over(db, user):
    claim("demo", user.id, 60)
    with pytest.raises(JobBusy):
        run_job("demo", user.id, lambda progress: "never")


def test_heartbeat_keeps_extending_the_lease(db, app, user):
    app.config["JOB_LEASE_SECONDS"] = 0.3
    release = threading.Event()
    started = threading.Event()
    handle = _run_in_thread(
        app, "demo", user.id, lambda progress: started.set() or (release.wait(10) and "ok")
    )
    assert started.wait(10)
    first = as_utc(_jobs(db, user.id)[-1].lease_expires_at)
    threading.Event().wait(0.4)
    later = as_utc(_jobs(db, user.id)[-1].lease_expires_at)
    assert later > first
    release.set()
    handle.join(10)


def test_a_job_whose_lease_was_taken_over_stops_and_leaves_the_new_owner_alone(db, app, user):
    def work(progress):
        # Simulate a pause long enough for another process to take the lease over.
        job = db.session.scalar(select(Job).where(Job.user_id == user.id, Job.status == "running"))
        job.lease_owner = "somebody-else"
        db.session.commit()
        progress("after the takeover", 10)
        return "should not be recorded"

    job = run_job("demo", user.id, work)
    assert job.status == "running"
    assert job.lease_owner == "somebody-else"
    assert job.message is None
