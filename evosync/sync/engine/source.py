"""Load the planner's inputs from the database: selected products, settings, mapping rows, albums.

Read-only; shared by the runner (real runs, ``--dry-run``) and the preview on ``/sync``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.catalog.stored import catalog_evaluation
from evosync.connections.queries import get_connection
from evosync.extensions import db
from evosync.goods.models import NameGuessOverride
from evosync.sync.config.models import GroupCategory, SyncSettings
from evosync.sync.engine.items import ItemSettings, SourceProduct
from evosync.sync.engine.models import SyncAlbum, SyncVkItem
from evosync.sync.engine.photos import card_key
from evosync.sync.engine.planner import Mapped, Plan, album_titles, make_plan


@dataclass
class Inputs:
    """Everything ``make_plan`` needs for one user and community."""

    products: list[SourceProduct]
    settings: ItemSettings
    leave_action: str
    mapped: dict[str, Mapped]
    albums: dict[str, int]
    titles: dict[str, str]

    def plan(self, only: set[str] | None = None) -> Plan:
        """The plan for these inputs."""
        return make_plan(
            self.products, self.settings, self.mapped, self.albums, self.leave_action, self.titles, only
        )


def user_settings(user_id: int) -> SyncSettings | None:
    """The user's ``sync_settings`` row, if any."""
    return db.session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))


def vk_group_id(user_id: int) -> int | None:
    """The community the user chose for the sync."""
    connection = get_connection(user_id, "vk")
    return connection.vk_group_id if connection is not None else None


def name_overrides(user_id: int) -> set[str]:
    """Products whose «похоже на запрещённый товар» guess the merchant overrode."""
    return set(
        db.session.scalars(select(NameGuessOverride.product_id).where(NameGuessOverride.user_id == user_id))
    )


def group_categories(user_id: int, groups: dict[str, str | None]) -> dict[str, int]:
    """Evotor group id → its VK category: the group's own mapping, else its nearest mapped parent's."""
    own = dict(
        db.session.execute(
            select(GroupCategory.group_id, GroupCategory.vk_category_id).where(
                GroupCategory.user_id == user_id
            )
        ).all()
    )
    out: dict[str, int] = {}
    for group_id in groups:
        seen: set[str] = set()
        node = group_id
        while node is not None and node not in seen and node not in own:
            seen.add(node)
            node = groups.get(node)
        if node is not None and node in own:
            out[group_id] = int(own[node])
    return out


def selected_products(user_id: int) -> tuple[list[SourceProduct], dict[str, str]]:
    """The products that pass the user's rules, and one album title per group they use."""
    evaluation = catalog_evaluation(user_id)
    selected = {pid for pid, decision in evaluation.products.items() if decision.syncs}
    groups, parents = {}, {}
    for g in db.session.scalars(select(CatalogGroup).where(CatalogGroup.user_id == user_id)):
        groups[g.evotor_id] = (g.name, g.store_id)
        parents[g.evotor_id] = g.parent_id
    categories = group_categories(user_id, parents)
    overrides = name_overrides(user_id)
    store_names = dict(
        db.session.execute(
            select(CatalogStore.evotor_id, CatalogStore.name).where(CatalogStore.user_id == user_id)
        ).all()
    )
    p = CatalogProduct
    rows = db.session.execute(
        select(
            p.evotor_id,
            p.store_id,
            p.name,
            p.price,
            p.group_id,
            p.quantity,
            p.measure_name,
            p.allow_to_sell,
            p.description,
            p.has_image,
            p.article_number,
            p.type,
        )
        .where(p.user_id == user_id)
        .order_by(p.id)
    )
    products = []
    for pid, store_id, name, price, group_id, qty, unit, sell, desc, image, article, kind in rows:
        if pid not in selected:
            continue
        group = groups.get(group_id) if group_id else None
        products.append(
            SourceProduct(
                pid,
                store_id,
                name,
                Decimal(price),
                group_id if group else None,
                group[0] if group else None,
                qty,
                unit,
                bool(sell),
                desc,
                image,
                article,
                kind,
                pid in overrides,
                categories.get(group_id) if group else None,
            )
        )
    used = {p.group_id for p in products if p.group_id}
    return products, album_titles({g: groups[g] for g in used}, store_names)


def mapping(user_id: int, group_id: int) -> dict[str, Mapped]:
    """The mapping rows of a user's community keyed by sku."""
    rows = db.session.scalars(
        select(SyncVkItem).where(SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id)
    )
    return {
        r.sku: Mapped(
            r.sku,
            r.vk_item_id,
            r.state,
            r.content_hash,
            json.loads(r.sent_json or "{}"),
            r.album_id,
            r.photo_source,
        )
        for r in rows
    }


def albums(user_id: int, group_id: int) -> dict[str, int]:
    """Albums already made: Evotor group id → VK album id."""
    rows = db.session.execute(
        select(SyncAlbum.group_key, SyncAlbum.vk_album_id).where(
            SyncAlbum.user_id == user_id,
            SyncAlbum.vk_group_id == group_id,
            SyncAlbum.vk_album_id.is_not(None),
        )
    )
    return {key: album_id for key, album_id in rows}


def guess_category(user_id: int, group_id: int) -> int | None:
    """Category for a plan made without VK calls: settings, config, else what was last sent."""
    settings = user_settings(user_id)
    if settings is not None and settings.vk_category_id:
        return settings.vk_category_id
    configured = current_app.config.get("VK_DEFAULT_CATEGORY_ID")
    if configured:
        return int(configured)
    sent = db.session.scalar(
        select(SyncVkItem.sent_json).where(SyncVkItem.user_id == user_id, SyncVkItem.vk_group_id == group_id)
    )
    category = json.loads(sent or "{}").get("category_id")
    return int(category) if category else 0


def load_inputs(user_id: int, group_id: int, category_id: int | None) -> Inputs:
    """Read everything the planner needs for ``user_id`` in community ``group_id``."""
    settings = user_settings(user_id)
    item_settings = ItemSettings(
        category_id=category_id,
        price_multiplier=settings.price_multiplier if settings else Decimal("1.00"),
        stock_mode=settings.stock_mode if settings else "none",
        stock_threshold=settings.stock_threshold if settings else 0,
        card_key=card_key(settings.placeholder_image if settings else None),
    )
    products, titles = selected_products(user_id)
    return Inputs(
        products,
        item_settings,
        settings.leave_action if settings else "hide",
        mapping(user_id, group_id),
        albums(user_id, group_id),
        titles,
    )


def preview(user_id: int) -> Plan | None:
    """The plan as it stands now, from the cache and the mapping — no VK calls (None: no community)."""
    group_id = vk_group_id(user_id)
    if group_id is None:
        return None
    return load_inputs(user_id, group_id, guess_category(user_id, group_id)).plan()
