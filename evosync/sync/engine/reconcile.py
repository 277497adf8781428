"""Reconcile the mapping with what VK really holds, by sku (``market.get`` with hidden items) and by title.

Runs at the start of every run, so it also repairs whatever an interrupted run left behind:
- a ``create`` intent whose item VK does have → the item is adopted (no second ``market.add``);
- a mapped item VK no longer has (deleted by hand) → ``missing``, and the planner creates it again;
- several VK items with one of our skus → the mapped (or oldest) one is kept, the rest are deleted;
- an item with one of the user's skus that EvoSync has no row for → adopted;
- hidden/visible and album membership are taken from VK.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from evosync.catalog.models import CatalogProduct
from evosync.extensions import db
from evosync.sync.engine.models import SyncAlbum, SyncVkItem
from evosync.sync.engine.planner import ACTIVE, DELETED, HIDDEN, MISSING
from evosync.vk.client import VkClient
from evosync.vk.schemas import MarketItem

VK_HIDDEN = 1  # market item availability: 1 = removed from sale (``deleted=1``)


@dataclass
class Reconciled:
    """What reconciliation found: duplicates to delete and how many rows it repaired."""

    duplicates: list[tuple[str, int]] = field(default_factory=list)  # (sku, vk item id)
    adopted: int = 0
    missing: int = 0
    vk_items: int = 0


def _apply_vk_state(row: SyncVkItem, item: MarketItem) -> None:
    row.vk_item_id = item.id
    row.state = HIDDEN if item.availability == VK_HIDDEN else ACTIVE
    row.intent = None
    if row.album_id not in item.album_ids:
        row.album_id = item.album_ids[0] if item.album_ids else None


TICK_EVERY = 2000  # items read between lease renewals (a 100k-item community takes minutes at 3 rps)


def reconcile_items(
    client: VkClient, user_id: int, group_id: int, tick: Callable[[], None] | None = None
) -> Reconciled:
    """Bring ``sync_vk_items`` in line with VK (flush only); return the duplicates to delete.

    ``tick`` is called every few thousand items read, before anything is changed, to keep the lease alive.
    """
    out = Reconciled()
    by_sku: dict[str, list[MarketItem]] = defaultdict(list)
    by_id: dict[int, MarketItem] = {}
    for item in client.market_get(-abs(group_id), with_disabled=True):
        out.vk_items += 1
        if tick is not None and out.vk_items % TICK_EVERY == 0:
            tick()
        by_id[item.id] = item
        if item.sku:
            by_sku[item.sku].append(item)
    rows = {
        r.sku: r
        for r in db.session.scalars(
            select(SyncVkItem).where(SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id)
        )
    }
    for sku, row in rows.items():
        candidates = sorted(by_sku.get(sku, []), key=lambda i: i.id)
        keep = by_id.get(row.vk_item_id) if row.vk_item_id else None
        if keep is not None and keep.sku not in (None, sku):
            keep = None  # the id now holds another product's item: not ours any more
        if keep is None and candidates:
            keep = candidates[0]
            if row.vk_item_id != keep.id:
                out.adopted += 1
                if row.intent != "create":
                    row.sent_json = "{}"  # unknown content: the planner re-sends every field once
        if keep is not None:
            _apply_vk_state(row, keep)
        else:
            if row.state not in (DELETED, MISSING) and row.vk_item_id is not None:
                out.missing += 1
            gone_on_purpose = row.state == DELETED or row.intent == "delete"
            row.state = DELETED if gone_on_purpose else MISSING
            row.vk_item_id = None
            row.intent = None
            row.album_id = None
        out.duplicates.extend((sku, i.id) for i in candidates if keep is None or i.id != keep.id)
    unknown = [sku for sku in by_sku if sku not in rows]
    if unknown:
        ours = set(
            db.session.scalars(
                select(CatalogProduct.evotor_id).where(
                    CatalogProduct.user_id == user_id, CatalogProduct.evotor_id.in_(unknown)
                )
            )
        )
        for sku in unknown:
            if sku not in ours:
                continue  # an item someone made by hand, not ours to touch
            candidates = sorted(by_sku[sku], key=lambda i: i.id)
            row = SyncVkItem(user_id=user_id, vk_group_id=group_id, sku=sku, sent_json="{}")
            _apply_vk_state(row, candidates[0])
            db.session.add(row)
            out.adopted += 1
            out.duplicates.extend((sku, i.id) for i in candidates[1:])
    db.session.flush()
    return out


def reconcile_albums(client: VkClient, user_id: int, group_id: int) -> None:
    """Forget albums VK lost; adopt pending ones VK made before a crash (matched by title)."""
    vk_albums = client.market_get_albums(-abs(group_id))
    ids = {a.id for a in vk_albums}
    rows = list(
        db.session.scalars(
            select(SyncAlbum).where(SyncAlbum.user_id == user_id, SyncAlbum.vk_group_id == group_id)
        )
    )
    used = {r.vk_album_id for r in rows if r.vk_album_id in ids}
    for row in rows:
        if row.vk_album_id is not None and row.vk_album_id not in ids:
            row.vk_album_id = None
        if row.vk_album_id is None:
            match = next((a for a in vk_albums if a.title == row.title and a.id not in used), None)
            if match is not None:
                row.vk_album_id = match.id
                used.add(match.id)
    db.session.flush()
