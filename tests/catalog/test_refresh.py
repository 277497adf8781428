"""Refreshing the cached catalog from the sandbox's Evotor."""

from __future__ import annotations

from sqlalchemy import func, select

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore


def _count(db, model, user_id):
    return db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))


def test_refresh_caches_stores_groups_and_products(shop, db, sandbox):
    state = db.session.scalar(select(CatalogState).where(CatalogState.user_id == shop.id))
    assert state.refreshed_at is not None
    assert _count(db, CatalogStore, shop.id) == 2 == state.store_count
    assert _count(db, CatalogGroup, shop.id) == state.group_count > 5
    assert _count(db, CatalogProduct, shop.id) == state.product_count > 100
    product = db.session.scalar(
        select(CatalogProduct).where(CatalogProduct.evotor_id == sandbox.product_id(1))
    )
    assert product.store_id == sandbox.store_ids[0]
    assert product.name
    assert product.search_text == product.search_text.casefold()
