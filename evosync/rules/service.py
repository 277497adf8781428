"""Rule actions: get-or-create the config, set or clear one rule, remove one, reset all. Services flush;
the caller (a view, a command, a task) commits. Every change stamps the rule set's change time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete

from evosync.db import dialect_insert, utcnow
from evosync.extensions import db
from evosync.rules import queries
from evosync.rules.models import RuleSetStamp, RuleUndo, SyncConfig, SyncFilter


@dataclass(frozen=True)
class RuleChange:
    """One rule set, changed or cleared: the entity, its mode before and after (None: no rule)."""

    entity_type: str
    entity_id: str
    old_mode: str | None
    new_mode: str | None


# Called as fn(user_id, change) after every change, in the same transaction; change None = many rules.
# The catalog keeps its stored decisions in step this way (the rules package knows nothing of the catalog).
_listeners: list[Callable[[int, RuleChange | None], None]] = []


def on_change(fn: Callable[[int, RuleChange | None], None]) -> None:
    """Register a listener for rule changes (idempotent)."""
    if fn not in _listeners:
        _listeners.append(fn)


def _changed(user_id: int, change: RuleChange | None) -> None:
    db.session.flush()
    for fn in _listeners:
        fn(user_id, change)


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
    # The stamp's upsert first: it locks the user's rule set, so concurrent changes take turns and each
    # reads the mode the one before it committed.
    mark_rules_changed(user_id)
    found = queries.config_and_mode(user_id, entity_type, entity_id)
    config_id, old = found if found is not None else (get_or_create_config(user_id).id, None)
    key = (
        SyncFilter.sync_config_id == config_id,
        SyncFilter.entity_type == entity_type,
        SyncFilter.entity_id == entity_id,
    )
    new = None if mode == "clear" else mode
    if mode == "clear":
        db.session.execute(delete(SyncFilter).where(*key))
    else:
        values = {
            "filter_mode": mode,
            "entity_name": (name or entity_id)[:255],
            "parent_entity_id": parent_id,
        }
        stmt = dialect_insert(db.session, SyncFilter.__table__).values(
            sync_config_id=config_id, entity_type=entity_type, entity_id=entity_id, **values
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["sync_config_id", "entity_type", "entity_id"], set_=values
            )
        )
    if old != new:
        _changed(user_id, RuleChange(entity_type, entity_id, old, new))


def remove_rule(user_id: int, rule: SyncFilter) -> None:
    """Delete one of the user's rules (it may name an entity that is no longer in the catalog)."""
    mark_rules_changed(user_id)
    change = RuleChange(rule.entity_type, rule.entity_id, rule.filter_mode, None)
    db.session.delete(rule)
    _changed(user_id, change)


def reset_rules(user_id: int) -> int:
    """Delete every rule of the user; return how many went."""
    config = queries.sync_config(user_id)
    if config is None:
        return 0
    mark_rules_changed(user_id)
    result = db.session.execute(delete(SyncFilter).where(SyncFilter.sync_config_id == config.id))
    _changed(user_id, None)
    return result.rowcount


def remember_rules(user_id: int, current: list | None = None) -> None:
    """Save the user's current rule set as the one «Отменить» goes back to (replacing the older one);
    ``current`` is that rule set when the caller has just read it (rows or copies with the rule columns)."""
    saved = [
        [r.entity_type, r.entity_id, r.filter_mode, r.entity_name, r.parent_entity_id]
        for r in (queries.rules(user_id) if current is None else current)
    ]
    stmt = dialect_insert(db.session, RuleUndo.__table__).values(
        user_id=user_id, rules=saved, saved_at=utcnow()
    )
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["user_id"], set_={"rules": saved, "saved_at": utcnow()})
    )


def undo_rules(user_id: int) -> bool:
    """Put back the rule set saved by ``remember_rules`` (once); False when there is nothing to undo."""
    undo = db.session.get(RuleUndo, user_id)
    if undo is None:
        return False
    saved = list(undo.rules)
    db.session.delete(undo)
    reset_rules(user_id)
    for entity_type, entity_id, mode, name, parent_id in saved:
        set_rule(user_id, entity_type, entity_id, mode, name, parent_id)
    mark_rules_changed(user_id)
    db.session.flush()
    return True


def can_undo(user_id: int) -> bool:
    """True when a saved rule set is waiting for «Отменить»."""
    return db.session.get(RuleUndo, user_id) is not None
