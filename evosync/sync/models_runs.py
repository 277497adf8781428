"""Tables of the sync engine: the VK item mapping, albums, placeholder photos, runs, run errors, the lease.

The mapping is the destination's primary key (reliability-targets §2): one row per (user, community, sku)
records what EvoSync wrote and, through ``intent``, what it was about to write when a process died, so a
rerun can reconcile with VK by sku instead of writing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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
ITEM_STATES = ("pending", "active", "hidden", "deleted", "missing", "failed")


class SyncVkItem(db.Model):
    """One sku EvoSync manages in one community: the VK item id, what was sent, and any pending intent."""

    __tablename__ = "sync_vk_items"
    __table_args__ = (
        UniqueConstraint("user_id", "vk_group_id", "sku", name="uq_sync_vk_items_user_id_vk_group_id_sku"),
        CheckConstraint(
            "state IN ('pending', 'active', 'hidden', 'deleted', 'missing', 'failed')", name="state"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vk_group_id: Mapped[int] = mapped_column(BigInteger)
    sku: Mapped[str] = mapped_column(String(64))
    vk_item_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # create | edit | hide | delete: written (and committed) before the VK call, cleared after its result.
    intent: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    sent_json: Mapped[str] = mapped_column(Text, default="{}")  # the fields last written, as JSON
    album_id: Mapped[int | None] = mapped_column(BigInteger)
    photo_id: Mapped[int | None] = mapped_column(BigInteger)
    photo_source: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncAlbum(db.Model):
    """The VK album made for one Evotor group in one community (``vk_album_id`` NULL while pending)."""

    __tablename__ = "sync_albums"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "vk_group_id", "group_key", name="uq_sync_albums_user_id_vk_group_id_group_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vk_group_id: Mapped[int] = mapped_column(BigInteger)
    group_key: Mapped[str] = mapped_column(String(255))  # Evotor group id
    title: Mapped[str] = mapped_column(String(128))
    vk_album_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncPlaceholderPhoto(db.Model):
    """The placeholder image uploaded once per community (per image digest) and reused by every item."""

    __tablename__ = "sync_placeholder_photos"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "vk_group_id", "digest", name="uq_sync_placeholder_photos_user_id_vk_group_id_digest"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vk_group_id: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    photo_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class SyncLease(db.Model):
    """The per-user lease: at most one run per user across processes and hosts (SQLite and PostgreSQL).

    Claimed with a conditional UPDATE (free or expired → ours, ``fencing`` + 1); every later commit of the
    holder checks owner and fencing, so a process that lost the lease cannot write behind a new holder.
    """

    __tablename__ = "sync_leases"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(128))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None]
    fencing: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    run_id: Mapped[int | None]
