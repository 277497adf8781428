"""Refresh a user's cached catalog from Evotor with bulk upserts and one bulk delete per table.

``progress(text, percent)`` is called after every chunk and is where the caller may commit, so a long
refresh never holds SQLite's write lock for long; the refresh commits at its end, inside its lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.db import utcnow
from evosync.evotor.client import EvotorClient
from evosync.evotor.schemas import Product
from evosync.extensions import db
from evosync.jobs.locks import hold

CHUNK = 1000
Progress = Callable[[str, "int | None"], None]


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh found."""

    stores: int
    groups: int
    products: int
    removed_products: int

    def summary_ru(self) -> str:
        """One Russian line for the page."""
        return (
            f"Каталог обновлён: магазинов — {self.stores}, групп — {self.groups}, товаров — {self.products}."
        )


def _clip(value: str | None, length: int) -> str | None:
    """Cut to the column length and drop NUL (PostgreSQL refuses it in text)."""
    if value is None:
        return None
    return value.replace("\x00", "")[:length]


def search_text(*parts: str | None) -> str:
    """The casefolded haystack a product search matches against."""
    return " ".join(p for p in parts if p).replace("\x00", "").casefold()


def _upsert(model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT (user_id, evotor_id) DO UPDATE for a chunk of rows."""
    if not rows:
        return
    table = model.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    keys = ("user_id", "evotor_id")
    stmt = insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: insert.excluded[name] for name in rows[0] if name not in keys},
    )
    db.session.execute(stmt, rows)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _product_row(user_id: int, product: Product, generation: int) -> dict:
    barcodes = " ".join(b.replace(" ", "") for b in product.barcodes)
    name = _clip(product.name, 500) or ""
    return {
        "user_id": user_id,
        "evotor_id": _clip(product.id, 255),
        "store_id": _clip(product.store_id, 255),
        "group_id": _clip(product.parent_id, 255),
        "name": name,
        "article_number": _clip(product.article_number, 255),
        "code": _clip(product.code, 255),
        "barcodes": _clip(barcodes, 10_000) or "",
        "price": product.price,
        "quantity": product.quantity,
        "measure_name": _clip(product.measure_name, 64),
        "type": _clip(product.type, 64) or "NORMAL",
        "allow_to_sell": product.allow_to_sell,
        "description": _clip(product.description, 100_000),
        "has_image": product.has_image,
        "evotor_updated_at": product.updated_at,
        "search_text": search_text(name, product.article_number, product.code, barcodes),
        "generation": generation,
    }


def _state(user_id: int) -> CatalogState:
    state = db.session.scalar(select(CatalogState).where(CatalogState.user_id == user_id))
    if state is None:
        state = CatalogState(user_id=user_id, generation=0)
        db.session.add(state)
        db.session.flush()
    return state


def refresh_catalog(user_id: int, client: EvotorClient, progress: Progress) -> RefreshResult:
    """Refresh under the user's one catalog lock, whoever calls (page, CLI, sync, task).

    Two refreshes never overlap, so neither deletes rows the other wrote. The refresh commits its work
    before it lets the lock go, so the next refresh starts from the committed state (an exception to "the
    caller owns the transaction": the lock must cover the commit).
    """
    waiting = lambda: progress("Ждём окончания другого обновления каталога…", None)  # noqa: E731
    with hold(catalog_lock_key(user_id), on_wait=waiting):
        db.session.commit()  # start from what the previous holder committed, not an older snapshot
        result = _refresh(user_id, client, progress)
        progress(result.summary_ru(), 100)
        db.session.commit()
    return result


def catalog_lock_key(user_id: int) -> str:
    """The lock every refresh of this user's catalog takes."""
    return f"catalog:{user_id}"


def _refresh(user_id: int, client: EvotorClient, progress: Progress) -> RefreshResult:
    """Fetch stores, groups and products from Evotor into the user's cache; delete what Evotor dropped."""
    state = _state(user_id)
    generation = state.generation + 1
    expected = state.product_count or 0
    progress("Загружаем магазины…", 0)
    stores = client.stores()
    _upsert(
        CatalogStore,
        [
            {
                "user_id": user_id,
                "evotor_id": _clip(s.id, 255),
                "name": _clip(s.name, 255) or "",
                "address": _clip(s.address, 500),
                "position": i,
                "ungrouped_count": 0,
                "generation": generation,
            }
            for i, s in enumerate(stores)
        ],
    )
    group_ids: set[str] = set()
    for index, store in enumerate(stores, 1):
        progress(f"Загружаем группы магазина {index} из {len(stores)}…", 0)
        rows = [
            {
                "user_id": user_id,
                "evotor_id": _clip(g.id, 255),
                "store_id": _clip(g.store_id, 255),
                "parent_id": _clip(g.parent_id, 255),
                "name": _clip(g.name, 255) or "",
                "is_modification_group": g.is_modification_group,
                "position": i,
                "product_count": 0,
                "generation": generation,
            }
            for i, g in enumerate(client.product_groups(store.id))
        ]
        group_ids.update(r["evotor_id"] for r in rows)
        for chunk in _chunks(rows, CHUNK):
            _upsert(CatalogGroup, chunk)
    # Direct product counts: per known group, and per store for products outside any known group.
    in_group: Counter[str] = Counter()
    ungrouped: Counter[str] = Counter()
    fetched = 0
    for index, store in enumerate(stores, 1):
        for chunk in _chunks(client.iter_products(store.id), CHUNK):
            rows = [_product_row(user_id, p, generation) for p in chunk]
            _upsert(CatalogProduct, rows)
            for row in rows:
                if row["group_id"] in group_ids:
                    in_group[row["group_id"]] += 1
                else:
                    ungrouped[row["store_id"]] += 1
            fetched += len(rows)
            percent = min(95, fetched * 100 // expected) if expected else None
            progress(f"Загружено товаров: {fetched} (магазин {index} из {len(stores)})", percent)
    progress("Удаляем то, чего больше нет в Эвоторе…", 97)
    removed = _delete_stale(user_id, generation)
    _store_counts(user_id, in_group, ungrouped)
    # Never backwards: a generation only moves up, even if a lock lease were ever lost mid-refresh.
    state.generation = max(generation, state.generation)
    state.refreshed_at = utcnow()
    state.store_count = len(stores)
    state.group_count = len(group_ids)
    state.product_count = fetched
    db.session.flush()
    return RefreshResult(len(stores), len(group_ids), fetched, removed)


def _delete_stale(user_id: int, generation: int) -> int:
    """Delete rows this refresh did not see (older generations only); return how many products went."""
    removed = 0
    for model in (CatalogProduct, CatalogGroup, CatalogStore):
        result = db.session.execute(
            delete(model).where(model.user_id == user_id, model.generation < generation)
        )
        if model is CatalogProduct:
            removed = result.rowcount
    return removed


def _store_counts(user_id: int, in_group: Counter[str], ungrouped: Counter[str]) -> None:
    """Write the direct product counts computed while streaming the products."""
    connection = db.session.connection()
    for model, counts, column in (
        (CatalogGroup, in_group, "product_count"),
        (CatalogStore, ungrouped, "ungrouped_count"),
    ):
        rows = [{"uid": user_id, "eid": key, "n": n} for key, n in counts.items()]
        if rows:
            stmt = (
                update(model.__table__)
                .where(model.__table__.c.user_id == bindparam("uid"))
                .where(model.__table__.c.evotor_id == bindparam("eid"))
                .values({column: bindparam("n")})
            )
            connection.execute(stmt, rows)
