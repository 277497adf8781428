"""Per-user sync settings (issue 6): price multiplier, VK category, placeholder, leave action, pause."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text, event, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column

from evosync.db import utcnow
from evosync.extensions import db
from evosync.sync.models import SyncConfig, SyncFilter

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
    # Set whenever a rule changes, so the page can say what changed since confirmation.
    rules_changed_at: Mapped[datetime | None]
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


def _touch_rules_changed(session, user_ids: set[int]) -> None:
    """Stamp ``rules_changed_at`` for these users, creating their settings row if needed."""
    now = utcnow()
    with session.no_autoflush:
        for user_id in user_ids:
            row = session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))
            if row is None:
                session.add(SyncSettings(user_id=user_id, rules_changed_at=now))
            else:
                row.rules_changed_at = now


@event.listens_for(Session, "before_flush")
def _rules_flushed(session, flush_context, instances) -> None:
    """Any SyncFilter added, changed or deleted through the ORM marks its user's rules as changed."""
    config_ids = {
        obj.sync_config_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, SyncFilter)
        and (obj in session.new or obj in session.deleted or session.is_modified(obj))
    }
    config_ids.discard(None)
    if config_ids:
        with session.no_autoflush:
            users = set(session.scalars(select(SyncConfig.user_id).where(SyncConfig.id.in_(config_ids))))
        _touch_rules_changed(session, users)


@event.listens_for(Session, "do_orm_execute")
def _rules_bulk(state) -> None:
    """Bulk UPDATE/DELETE of sync_filters (e.g. «reset all rules») marks the affected users too."""
    if not (state.is_delete or state.is_update):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name != SyncFilter.__tablename__:
        return
    where = state.statement.whereclause
    stmt = select(SyncConfig.user_id).join(SyncFilter, SyncFilter.sync_config_id == SyncConfig.id).distinct()
    if where is not None:
        stmt = stmt.where(where)
    users = set(state.session.execute(stmt).scalars())
    if users:
        _touch_rules_changed(state.session, users)
