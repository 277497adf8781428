"""Tables of the sync engine: the VK item mapping, albums, placeholder photos and the per-user lease.

The mapping is keyed like the destination: one row per (user, community, sku) records what EvoSync wrote
and, through ``intent``, what it was about to write when a process died, so a rerun can reconcile with VK
by sku instead of writing twice (docs/sync.md, «Exactly once»).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db

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
