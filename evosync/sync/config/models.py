"""Per-user sync settings: price multiplier, VK category, placeholder, leave action, pause."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text, select, true
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import dialect_insert, utcnow
from evosync.extensions import db

LEAVE_ACTIONS = ("hide", "delete")
DEFAULT_MULTIPLIER = Decimal("1.00")


class SyncSettings(db.Model):
    """One per user. ``paused_*`` are set by the sync engine when it pauses a user and cleared on resume."""

    __tablename__ = "sync_settings"
    __table_args__ = (
        CheckConstraint("leave_action IN ('hide', 'delete')", name="leave_action"),
        CheckConstraint("price_multiplier > 0", name="price_multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    price_multiplier: Mapped[Decimal] = mapped_column(
        Numeric(10, 2), default=DEFAULT_MULTIPLIER, server_default="1.00"
    )
    vk_category_id: Mapped[int | None]
    # NULL = the default placeholder shipped in evosync/static/img/placeholder.jpg.
    placeholder_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    placeholder_mime: Mapped[str | None] = mapped_column(String(32))
    leave_action: Mapped[str] = mapped_column(String(16), default="hide", server_default="hide")
    send_stock: Mapped[bool] = mapped_column(default=True, server_default=true())
    paused_code: Mapped[str | None] = mapped_column(String(32))
    paused_reason: Mapped[str | None] = mapped_column(String(500))
    paused_at: Mapped[datetime | None]
    # The rules as they were when the user confirmed (JSON list), to say what changed since.
    confirmed_rules: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_paused(self) -> bool:
        """Whether the engine has paused this user."""
        return self.paused_code is not None

    def __repr__(self) -> str:
        return f"<SyncSettings user={self.user_id} x{self.price_multiplier} {self.leave_action}>"


def ensure_settings(user_id: int) -> SyncSettings:
    """The user's settings row, created with the defaults when missing — race-free.

    A SELECT-then-INSERT would collide with a concurrent ``mark_rules_changed`` upsert (IntegrityError →
    500): insert-or-nothing on the unique ``user_id`` first, then read whichever row won.
    """
    now = utcnow()
    stmt = dialect_insert(db.session, SyncSettings.__table__).values(
        user_id=user_id, created_at=now, updated_at=now
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
    return db.session.scalars(select(SyncSettings).where(SyncSettings.user_id == user_id)).one()
