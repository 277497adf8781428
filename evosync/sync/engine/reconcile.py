"""Reconcile the mapping with what VK really holds (``market.get`` extended, hidden items included).

Runs at the start of every run, so it also repairs whatever an interrupted run left behind. A mapping row is
matched to its VK item by the item id EvoSync recorded; a row whose ``create`` was interrupted (intent set, no
id) is matched by what the intent recorded — the article (VK ``sku``) when the product has one, else name and
price — among the VK items no row owns that were created after the intent (docs/sync.md, «Exactly once»):
- a ``create`` intent whose item VK does have → the item is adopted (no second ``market.add``);
- a mapped item VK no longer has (deleted by hand) → ``missing``, and the planner creates it again;
- several unowned items matching one interrupted create → the oldest is adopted, the rest are deleted;
- an item whose VK sku is one of the user's Evotor ids (written by EvoSync before articles) → adopted;
- hidden/visible and album membership are taken from VK.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from evosync.catalog.models import CatalogProduct
from evosync.db import as_utc
from evosync.extensions import db
from evosync.sync.engine.models import SyncAlbum, SyncVkItem
from evosync.sync.engine.planner import ACTIVE, DELETED, HIDDEN, MISSING
from evosync.vk.client import VkClient
from evosync.vk.schemas import MarketItem

VK_HIDDEN = 1  # market item availability: 1 = removed from sale (``deleted=1``)
CLOCK_SLACK = 120  # seconds: VK's clock and ours may differ a little


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


def intent_key(sent: dict) -> tuple | None:
    """What an interrupted create is recognised by: ("sku", article) or ("name", name, price)."""
    if sent.get("sku"):
        return ("sku", str(sent["sku"]))
    try:
        return ("name", sent["name"], Decimal(str(sent["price"])).quantize(Decimal("0.01")))
    except (KeyError, InvalidOperation):
        return None


def item_keys(item: MarketItem) -> list[tuple]:
    """The intent keys a VK item answers to."""
    keys = [("sku", item.sku)] if item.sku else []
    if item.price is not None:
        keys.append(("name", item.title, item.price.quantize(Decimal("0.01"))))
    return keys


def _read(client: VkClient, group_id: int, out: Reconciled, tick) -> dict[int, MarketItem]:
    by_id: dict[int, MarketItem] = {}
    for item in client.market_get(-abs(group_id), with_disabled=True):
        out.vk_items += 1
        if tick is not None and out.vk_items % TICK_EVERY == 0:
            tick()
        by_id[item.id] = item
    return by_id


def _match_interrupted(pending: list[SyncVkItem], free: dict[int, MarketItem], out: Reconciled) -> set[str]:
    """Give each interrupted create the oldest unowned item made after it with its key; extras are deleted."""
    by_key: dict[tuple, list[SyncVkItem]] = defaultdict(list)
    adopted: set[str] = set()
    for row in pending:
        key = intent_key(json.loads(row.sent_json or "{}"))
        if key is not None:
            by_key[key].append(row)
    for key, rows in by_key.items():
        since = min((as_utc(r.intent_at).timestamp() for r in rows if r.intent_at), default=None)
        candidates = sorted(
            (
                i
                for i in free.values()
                if key in item_keys(i) and (since is None or (i.date or 0) >= since - CLOCK_SLACK)
            ),
            key=lambda i: i.id,
        )
        rows.sort(key=lambda r: r.id or 0)
        for row in rows:
            if not candidates:
                break
            # One article on two products (two stores): prefer the item that also has this row's name.
            name = json.loads(row.sent_json or "{}").get("name")
            item = next((i for i in candidates if i.title == name), candidates[0])
            candidates.remove(item)
            _apply_vk_state(row, item)
            out.adopted += 1
            adopted.add(row.sku)
            free.pop(item.id)
        out.duplicates.extend((rows[0].sku, i.id) for i in candidates)
        for item in candidates:
            free.pop(item.id, None)
    return adopted


def reconcile_items(
    client: VkClient, user_id: int, group_id: int, tick: Callable[[], None] | None = None
) -> Reconciled:
    """Bring ``sync_vk_items`` in line with VK (flush only); return the duplicates to delete.

    ``tick`` is called every few thousand items read, before anything is changed, to keep the lease alive.
    """
    out = Reconciled()
    free = _read(client, group_id, out, tick)  # VK items no row owns (yet)
    rows = {
        r.sku: r
        for r in db.session.scalars(
            select(SyncVkItem).where(SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id)
        )
    }
    found: set[str] = set()
    for row in rows.values():
        item = free.pop(row.vk_item_id, None) if row.vk_item_id else None
        if item is not None:
            _apply_vk_state(row, item)
            found.add(row.sku)
    pending = [r for r in rows.values() if r.sku not in found and r.intent == "create"]
    found |= _match_interrupted(pending, free, out)
    found |= _adopt_legacy(user_id, group_id, rows, free, found, out)
    for row in rows.values():
        if row.sku in found:
            continue
        if row.state not in (DELETED, MISSING) and row.vk_item_id is not None:
            out.missing += 1
        gone_on_purpose = row.state == DELETED or row.intent == "delete"
        row.state = DELETED if gone_on_purpose else MISSING
        row.vk_item_id = None
        row.intent = None
        row.album_id = None
    db.session.flush()
    return out


def _adopt_legacy(
    user_id: int,
    group_id: int,
    rows: dict[str, SyncVkItem],
    free: dict[int, MarketItem],
    found: set[str],
    out: Reconciled,
) -> set[str]:
    """Unowned items whose VK sku is one of the user's Evotor ids (EvoSync sent ids as sku before articles)."""
    by_sku: dict[str, list[MarketItem]] = defaultdict(list)
    for item in free.values():
        if item.sku:
            by_sku[item.sku].append(item)
    if not by_sku:
        return set()
    ours = set(
        db.session.scalars(
            select(CatalogProduct.evotor_id).where(
                CatalogProduct.user_id == user_id, CatalogProduct.evotor_id.in_(list(by_sku))
            )
        )
    )
    adopted: set[str] = set()
    for sku in sorted(ours):
        row = rows.get(sku)
        if sku in found:  # the row has its item: these are extra copies
            out.duplicates.extend((sku, i.id) for i in by_sku[sku])
            continue
        candidates = sorted(by_sku[sku], key=lambda i: i.id)
        if row is None:
            row = SyncVkItem(user_id=user_id, vk_group_id=group_id, sku=sku, sent_json="{}")
            db.session.add(row)
            rows[sku] = row
        elif row.intent != "create":
            row.sent_json = "{}"  # unknown content: the planner re-sends every field once
        _apply_vk_state(row, candidates[0])
        out.adopted += 1
        adopted.add(sku)
        out.duplicates.extend((sku, i.id) for i in candidates[1:])
    return adopted


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
