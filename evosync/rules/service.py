"""Rule actions: get-or-create the config, set or clear one rule, remove one, reset all. Services flush;
the caller (a view, a command, a task) commits. Every change stamps the rule set's change time."""

from __future__ import annotations

from sqlalchemy import delete

from evosync.db import dialect_insert, utcnow
from evosync.extensions import db
from evosync.rules import queries
from evosync.rules.models import RuleSetStamp, SyncConfig, SyncFilter


def get_or_create_config(user_id: int) -> SyncConfig:
    """The user's sync config, created (disabled, unconfirmed) when missing — race-free."""
    config = queries.sync_config(user_id)
    if config is None:
        stmt = dialect_insert(db.session, SyncConfig.__table__).values(user_id=user_id, is_enabled=False)
        db.session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
        config = queries.sync_config(user_id)
    return config


def mark_rules_changed(user_id: int) -> None:
    """Stamp the rule set's change time (one race-free upsert)."""
    now = utcnow()
    stmt = dialect_insert(db.session, RuleSetStamp.__table__).values(user_id=user_id, changed_at=now)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_={"changed_at": now}))


def set_rule(
    user_id: int, entity_type: str, entity_id: str, mode: str, name: str = "", parent_id: str | None = None
) -> None:
    """Set ``mode`` (include / exclude) on one store, group or product, or clear its rule (``clear``).

    One upsert (or one delete) per call, so concurrent toggles of the same row never collide on the
    unique (sync_config_id, entity_type, entity_id) constraint.
    """
    config = get_or_create_config(user_id)
    key = (
        SyncFilter.sync_config_id == config.id,
        SyncFilter.entity_type == entity_type,
        SyncFilter.entity_id == entity_id,
    )
    mark_rules_changed(user_id)
    if mode == "clear":
        db.session.execute(delete(SyncFilter).where(*key))
        return
    values = {"filter_mode": mode, "entity_name": (name or entity_id)[:255], "parent_entity_id": parent_id}
    stmt = dialect_insert(db.session, SyncFilter.__table__).values(
        sync_config_id=config.id, entity_type=entity_type, entity_id=entity_id, **values
    )
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["sync_config_id", "entity_type", "entity_id"], set_=values)
    )


def remove_rule(user_id: int, rule: SyncFilter) -> None:
    """Delete one of the user's rules (it may name an entity that is no longer in the catalog)."""
    mark_rules_changed(user_id)
    db.session.delete(rule)
    db.session.flush()


def reset_rules(user_id: int) -> int:
    """Delete every rule of the user; return how many went."""
    config = queries.sync_config(user_id)
    if config is None:
        return 0
    mark_rules_changed(user_id)
    result = db.session.execute(delete(SyncFilter).where(SyncFilter.sync_config_id == config.id))
    db.session.flush()
    return result.rowcount
