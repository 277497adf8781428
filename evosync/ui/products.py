"""Products by name for the /sync screens: a sku (the Evotor product id) becomes the product's name, its
group and store and a link to its row in the catalog — a merchant never sees a bare id. Also the plan's
items as a paged, searchable list of names."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.extensions import db

CHUNK = 500
PER_PAGE = 20
PLAN_KINDS = {
    "create": "будут созданы",
    "update": "будут обновлены",
    "leave": "будут скрыты или удалены",
    "skip": "пропущены",
}


@dataclass(frozen=True)
class ProductRef:
    """One product as a merchant knows it."""

    sku: str
    name: str
    group: str
    store: str
    url: str | None  # its row in the catalog; None when it is no longer in the cached catalog


def describe(user_id: int, skus: list[str], fallback: dict[str, str] | None = None) -> dict[str, ProductRef]:
    """Name, group, store and catalog link for each sku (``fallback`` names the ones gone from the catalog)."""
    fallback = fallback or {}
    groups = dict(
        db.session.execute(
            select(CatalogGroup.evotor_id, CatalogGroup.name).where(CatalogGroup.user_id == user_id)
        ).all()
    )
    stores = dict(
        db.session.execute(
            select(CatalogStore.evotor_id, CatalogStore.name).where(CatalogStore.user_id == user_id)
        ).all()
    )
    found: dict[str, ProductRef] = {}
    wanted = list(dict.fromkeys(skus))
    for start in range(0, len(wanted), CHUNK):
        rows = db.session.execute(
            select(
                CatalogProduct.evotor_id,
                CatalogProduct.name,
                CatalogProduct.group_id,
                CatalogProduct.store_id,
            ).where(
                CatalogProduct.user_id == user_id, CatalogProduct.evotor_id.in_(wanted[start : start + CHUNK])
            )
        )
        for sku, name, group_id, store_id in rows:
            url = url_for("catalog.products", store=store_id, q=name)
            found[sku] = ProductRef(
                sku, name, groups.get(group_id, "без группы"), stores.get(store_id, ""), url
            )
    for sku in wanted:
        if sku not in found:
            found[sku] = ProductRef(sku, fallback.get(sku) or "товар удалён из Эвотора", "", "", None)
    return found


@dataclass
class PlanPage:
    """One page of the plan's items of one kind, with the reason for each."""

    kind: str
    q: str
    rows: list[tuple[ProductRef, str]]
    total: int
    page: int
    pages: int


def plan_entries(plan, kind: str) -> list[tuple[str, str, str]]:
    """(sku, name as the plan knows it, reason) for the plan's items of one kind."""
    if kind == "create":
        return [(i.sku, i.name, "") for i in plan.creates]
    if kind == "update":
        return [(u.item.sku, u.item.name, "") for u in plan.updates]
    if kind == "leave":
        verbs = {"hide": "скрыть", "delete": "удалить"}
        return [(x.sku, "", f"{verbs.get(x.action, x.action)}: {x.reason_ru}") for x in plan.leaves]
    return [(s.sku, "", s.reason_ru) for s in plan.skips]


def plan_page(user_id: int, plan, kind: str, q: str, page: int) -> PlanPage:
    """The page of the plan's ``kind`` items whose names contain ``q`` (case- and ё-insensitive)."""
    entries = plan_entries(plan, kind)
    refs = describe(user_id, [sku for sku, _, _ in entries], {sku: name for sku, name, _ in entries if name})
    needle = _fold(q)
    rows = [(refs[sku], reason) for sku, _, reason in entries if needle in _fold(refs[sku].name)]
    rows.sort(key=lambda row: _fold(row[0].name))
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = max(1, min(page, pages))
    return PlanPage(kind, q, rows[(page - 1) * PER_PAGE : page * PER_PAGE], len(rows), page, pages)


def _fold(text: str) -> str:
    return (text or "").casefold().replace("ё", "е")
