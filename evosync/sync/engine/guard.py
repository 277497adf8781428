"""The guard against mass removal: a run that would take down a large part of a shop asks first.

After a refresh that lost products, a wrong rule or an Evotor outage returning an empty store, the plan may
hide or delete most of what EvoSync published. Such a run still creates and updates, but removes nothing:
it holds the removals (the skus are kept on the user's settings), ends «ожидает подтверждения», and /sync
lists them with «Снять N товаров». Approving stores exactly that set; the next run removes it if its own
removals are within it (docs/sync.md, «Mass removal»).
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from evosync.db import utcnow
from evosync.extensions import db
from evosync.sync.config.models import SyncSettings, ensure_settings
from evosync.sync.engine.models import SyncVkItem
from evosync.sync.engine.planner import ACTIVE, Plan

MIN_ITEMS = 20  # small shops may remove a handful of goods without asking


def over_threshold(removing: int, published: int, percent: int) -> bool:
    """Whether removing ``removing`` of ``published`` items needs the merchant's yes."""
    return removing > MIN_ITEMS and removing * 100 > percent * max(published, 0)


def published_count(user_id: int, group_id: int) -> int:
    """Items EvoSync has live (not hidden) in the community."""
    return db.session.scalar(
        select(func.count())
        .select_from(SyncVkItem)
        .where(SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id, SyncVkItem.state == ACTIVE)
    )


def held_items(settings: SyncSettings | None) -> list[tuple[str, str]]:
    """The removals waiting for the merchant's approval: (sku, the item's name in VK)."""
    return (
        [tuple(pair) for pair in json.loads(settings.held_removal)]
        if settings and settings.held_removal
        else []
    )


def _names(user_id: int, group_id: int, skus: list[str]) -> dict[str, str]:
    rows = db.session.execute(
        select(SyncVkItem.sku, SyncVkItem.sent_json).where(
            SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id, SyncVkItem.sku.in_(skus)
        )
    )
    return {sku: str(json.loads(sent or "{}").get("name") or sku) for sku, sent in rows}


def _live(user_id: int, group_id: int, skus: list[str]) -> set[str]:
    """Which of ``skus`` shoppers can see now (deleting an already hidden item takes nothing away)."""
    if not skus:
        return set()
    return set(
        db.session.scalars(
            select(SyncVkItem.sku).where(
                SyncVkItem.user_id == user_id,
                SyncVkItem.vk_group_id == group_id,
                SyncVkItem.state == ACTIVE,
                SyncVkItem.sku.in_(skus),
            )
        )
    )


def hold_removals(user_id: int, group_id: int, plan: Plan) -> int:
    """Take the removals of visible items out of ``plan`` when they need approval; how many were held
    (flush only)."""
    settings = ensure_settings(user_id)
    skus = sorted(_live(user_id, group_id, [leave.sku for leave in plan.leaves]))
    approved = set(json.loads(settings.removal_approved or "[]"))
    published = published_count(user_id, group_id)
    if not over_threshold(len(skus), published, settings.removal_threshold_percent) or set(skus) <= approved:
        settings.held_removal = settings.held_at = settings.removal_approved = None
        db.session.flush()
        return 0
    names = _names(user_id, group_id, skus)
    settings.held_removal = json.dumps([[sku, names.get(sku, sku)] for sku in skus], ensure_ascii=False)
    settings.held_at = utcnow()
    held = set(skus)
    plan.leaves = [leave for leave in plan.leaves if leave.sku not in held]
    db.session.flush()
    return len(skus)


def approve_held(user_id: int) -> int:
    """The merchant said yes: the held set may go at the next run; how many (flush only)."""
    settings = ensure_settings(user_id)
    skus = [sku for sku, _ in held_items(settings)]
    settings.removal_approved = json.dumps(skus) if skus else None
    db.session.flush()
    return len(skus)
