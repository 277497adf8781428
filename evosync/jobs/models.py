"""A background job row: what runs for whom, its progress, its outcome and its lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db

STATUSES = ("queued", "running", "succeeded", "failed")
QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"


class Job(db.Model):
    """One run of a background job (catalog refresh, manual sync …) for one user."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        # At most one running job per (user, kind), enforced by the database itself: this is what keeps
        # two gunicorn workers or two cron hosts from running the same job at once.
        Index(
            "uq_jobs_user_id_kind_running",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        # …and at most one waiting in the task queue: clicking twice queues one job.
        Index(
            "uq_jobs_user_id_kind_queued",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
        Index("ix_jobs_user_id_kind_id", "user_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    progress_text: Mapped[str] = mapped_column(String(255), default="")
    progress_percent: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(String(1000))
    lease_owner: Mapped[str] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def queued(self) -> bool:
        """True while the job waits in the task queue for a worker."""
        return self.status == QUEUED

    @property
    def running(self) -> bool:
        """True while the job has not finished."""
        return self.status == RUNNING

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} user={self.user_id} {self.status}>"


class JobLock(db.Model):
    """A named lock held under a lease by one process at a time (e.g. ``catalog:<user id>``).

    Taking it is one conditional upsert (free, or its lease expired); the holder extends ``expires_at``
    while it works, so a holder that died frees it after one lease.
    """

    __tablename__ = "job_locks"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
