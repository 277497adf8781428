"""Per-user notification switches and the record of what was mailed (for the 24-hour dedup)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db


class NotificationSwitch(db.Model):
    """A kind the user turned off (or back on); no row means on, the default."""

    __tablename__ = "notification_switches"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_switches_user_id_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)


class NotificationSent(db.Model):
    """One mailed notification: the same (user, kind, subject) is not mailed again within a day."""

    __tablename__ = "notifications_sent"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "kind", "subject_key", name="uq_notifications_sent_user_id_kind_subject_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(128), default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
