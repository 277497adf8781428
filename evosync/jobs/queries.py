"""Read-only lookups of jobs for the pages that show their progress."""

from __future__ import annotations

from sqlalchemy import select

from evosync.extensions import db
from evosync.jobs.models import Job


def latest_job(user_id: int, kind: str) -> Job | None:
    """The user's most recent job of ``kind``, or None."""
    return db.session.scalar(
        select(Job).where(Job.user_id == user_id, Job.kind == kind).order_by(Job.id.desc()).limit(1)
    )


def get_job_for_user(job_id: int, user_id: int) -> Job | None:
    """The job if it belongs to the user, else None (the caller answers 404)."""
    return db.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
