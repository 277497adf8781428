"""The rule rows: a user's sync config (the fixed ``sync_configs`` table, which owns the rule set and the
master switch), its ``sync_filters`` rules, and when the rules last changed.

``sync_configs`` and ``sync_filters`` are read by other tools: their names, columns and constraints are a
contract (docs/filters.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from evosync.auth.models import User
from evosync.extensions import db

ENTITY_TYPES = ("store", "group", "product")
FILTER_MODES = ("include", "exclude")


class SyncConfig(db.Model):
    """One per user: the master switch and when the merchant last confirmed the rules."""

    __tablename__ = "sync_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    is_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    # Defined from this side (backref) so auth/models.py does not need to know about sync.
    user: Mapped[User] = relationship(
        backref=backref("sync_config", uselist=False, passive_deletes=True, cascade="all, delete-orphan")
    )
    filters: Mapped[list[SyncFilter]] = relationship(
        back_populates="sync_config",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SyncFilter.id",
    )

    def __repr__(self) -> str:
        return f"<SyncConfig user={self.user_id} enabled={self.is_enabled}>"


class SyncFilter(db.Model):
    """One include/exclude rule on a store, group or product (by Evotor id), with its cached name."""

    __tablename__ = "sync_filters"
    __table_args__ = (
        UniqueConstraint(
            "sync_config_id",
            "entity_type",
            "entity_id",
            name="uq_sync_filters_sync_config_id_entity_type_entity_id",
        ),
        CheckConstraint("entity_type IN ('store', 'group', 'product')", name="entity_type"),
        CheckConstraint("filter_mode IN ('include', 'exclude')", name="filter_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sync_config_id: Mapped[int] = mapped_column(ForeignKey("sync_configs.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_name: Mapped[str] = mapped_column(String(255))
    filter_mode: Mapped[str] = mapped_column(String(16))
    parent_entity_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    sync_config: Mapped[SyncConfig] = relationship(back_populates="filters")

    def __repr__(self) -> str:
        return f"<SyncFilter {self.filter_mode} {self.entity_type} {self.entity_id}>"


class RuleSetStamp(db.Model):
    """When the user's rules last changed, so /sync can say what changed since the merchant confirmed."""

    __tablename__ = "rule_set_stamps"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    changed_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<RuleSetStamp user={self.user_id} {self.changed_at}>"
