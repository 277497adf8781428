"""Read-only selects over the catalog cache, shared by views, services and the CLI."""

from __future__ import annotations

from sqlalchemy import Select, select

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.extensions import db

ENTITY_MODELS = {"store": CatalogStore, "group": CatalogGroup, "product": CatalogProduct}


def catalog_state(user_id: int) -> CatalogState | None:
    """The user's refresh bookkeeping, or None if the catalog was never fetched."""
    return db.session.scalar(select(CatalogState).where(CatalogState.user_id == user_id))


def stores_select(user_id: int) -> Select:
    """The select of the user's cached stores in Evotor's order."""
    return select(CatalogStore).where(CatalogStore.user_id == user_id).order_by(CatalogStore.position)


def stores(user_id: int) -> list[CatalogStore]:
    """The user's cached stores in Evotor's order."""
    return list(db.session.scalars(stores_select(user_id)))


def groups_select(user_id: int) -> Select:
    """The select of all the user's cached groups, by store and Evotor's order."""
    return (
        select(CatalogGroup)
        .where(CatalogGroup.user_id == user_id)
        .order_by(CatalogGroup.store_id, CatalogGroup.position)
    )


def groups(user_id: int) -> list[CatalogGroup]:
    """All the user's cached groups (a few hundred at most, so the tree is built in Python)."""
    return list(db.session.scalars(groups_select(user_id)))


def get_entity_for_user(user_id: int, entity_type: str, entity_id: str):
    """The cached store/group/product with this Evotor id if it is the user's, else None."""
    model = ENTITY_MODELS[entity_type]
    return db.session.scalar(select(model).where(model.user_id == user_id, model.evotor_id == entity_id))


def product_nodes_by_ids(user_id: int, ids: list[str]) -> list[tuple[str, str, str | None]]:
    """(id, store id, group id) of the given cached products — the few that carry a rule of their own."""
    if not ids:
        return []
    stmt = select(CatalogProduct.evotor_id, CatalogProduct.store_id, CatalogProduct.group_id).where(
        CatalogProduct.user_id == user_id, CatalogProduct.evotor_id.in_(ids)
    )
    return [tuple(row) for row in db.session.execute(stmt)]
