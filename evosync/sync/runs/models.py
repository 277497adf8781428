"""Run history rows: one per sync run (status, trigger, counts) and its per-item errors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db

RUN_STATUSES = ("running", "succeeded", "partial", "failed", "skipped")
RUN_STATUS_RU = {
    "running": "выполняется",
    "succeeded": "успешно",
    "partial": "частично",
    "failed": "ошибка",
    "skipped": "пропущен",
}
TRIGGERS = ("cron", "manual")
TRIGGER_RU = {"cron": "cron", "manual": "вручную"}


class SyncRun(db.Model):
    """One sync run of one user: status, trigger, counts, VK calls, duration, who ran it."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'succeeded', 'partial', 'failed', 'skipped')", name="status"),
        CheckConstraint("trigger IN ('cron', 'manual')", name="trigger"),
        Index("ix_sync_runs_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="running")
    trigger: Mapped[str] = mapped_column(String(16), default="cron")
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    vk_calls: Mapped[int] = mapped_column(default=0)
    progress_text: Mapped[str] = mapped_column(String(255), default="")
    progress_percent: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(128), default="")
    host: Mapped[str] = mapped_column(String(255), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]

    @property
    def status_ru(self) -> str:
        """Russian status label."""
        return RUN_STATUS_RU.get(self.status, self.status)

    @property
    def trigger_ru(self) -> str:
        """Russian trigger label."""
        return TRIGGER_RU.get(self.trigger, self.trigger)


class SyncRunError(db.Model):
    """A per-item failure of a run: the product, VK's code and a Russian hint; ``retried_at`` once retried."""

    __tablename__ = "sync_run_errors"
    __table_args__ = (Index("ix_sync_run_errors_user_id_run_id", "user_id", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(255), default="")
    operation: Mapped[str] = mapped_column(String(16))
    code: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500), default="")
    hint_ru: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]
