"""Read-only selects over a user's rule rows, shared by the catalog, the sync and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from evosync.extensions import db
from evosync.rules.models import RuleSetStamp, SyncConfig, SyncFilter
from evosync.rules.types import Rule


def sync_config(user_id: int) -> SyncConfig | None:
    """The user's sync config row, or None."""
    return db.session.scalar(select(SyncConfig).where(SyncConfig.user_id == user_id))


def config_and_mode(user_id: int, entity_type: str, entity_id: str) -> tuple[int, str | None] | None:
    """(config id, the entity's rule mode or None) in one read; None when the user has no config yet."""
    rule = (
        (SyncFilter.sync_config_id == SyncConfig.id)
        & (SyncFilter.entity_type == entity_type)
        & (SyncFilter.entity_id == entity_id)
    )
    row = db.session.execute(
        select(SyncConfig.id, SyncFilter.filter_mode)
        .outerjoin(SyncFilter, rule)
        .where(SyncConfig.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def rules_select(user_id: int) -> Select:
    """The select of all the user's filter rules, oldest first."""
    return select(SyncFilter).join(SyncConfig).where(SyncConfig.user_id == user_id).order_by(SyncFilter.id)


def rules(user_id: int) -> list[SyncFilter]:
    """All the user's filter rules, oldest first."""
    return list(db.session.scalars(rules_select(user_id)))


def get_rule_for_user(user_id: int, rule_id: int) -> SyncFilter | None:
    """The rule if it belongs to the user, else None."""
    return db.session.scalar(
        select(SyncFilter).join(SyncConfig).where(SyncFilter.id == rule_id, SyncConfig.user_id == user_id)
    )


def rules_changed_at(user_id: int) -> datetime | None:
    """When the user's rules last changed, or None if they never did."""
    return db.session.scalar(select(RuleSetStamp.changed_at).where(RuleSetStamp.user_id == user_id))


def to_rules(rows: list[SyncFilter]) -> list[Rule]:
    """Engine rules from ``sync_filters`` rows."""
    return [Rule(r.entity_type, r.entity_id, r.filter_mode, r.entity_name) for r in rows]
