"""Refresh a user's cached catalog from Evotor, writing only what changed (docs/catalog.md).

Every cached row carries a hash of its content: a refresh upserts only the rows that are new or whose hash
differs, deletes the rows Evotor no longer has, updates only the counts that moved, and reports how many
products were created, changed and removed; an unchanged catalog rewrites no row. The stored decisions are
then recomputed (only the rows whose decision changes are written) — unless nothing changed and they were
current.

``progress(text, percent)`` is called after every chunk and is where the caller may commit, so a long
refresh never holds SQLite's write lock for long; the refresh commits at its end, inside its lock.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import orjson
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from evosync.bulk import driver_rows, gc_paused
from evosync.catalog import stored
from evosync.catalog.models import (
    CatalogGroup,
    CatalogProduct,
    CatalogState,
    CatalogStore,
    new_snapshot_token,
)
from evosync.db import utcnow
from evosync.evotor.client import EvotorClient
from evosync.evotor.schemas import Product
from evosync.extensions import db
from evosync.goods import forbidden
from evosync.jobs.locks import hold
from evosync.rules import Decision, GroupNode, ProductNode, Resolver, StoreNode
from evosync.rules import queries as rules_queries
from evosync.rules.queries import to_rules

CHUNK = 1000
Progress = Callable[[str, "int | None"], None]


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh found."""

    stores: int
    groups: int
    products: int
    removed_products: int
    created_products: int = 0
    changed_products: int = 0

    def summary_ru(self) -> str:
        """One Russian line for the page."""
        return (
            f"Каталог обновлён: магазинов — {self.stores}, групп — {self.groups}, товаров — {self.products} "
            f"(новых — {self.created_products}, изменённых — {self.changed_products}, "
            f"удалённых — {self.removed_products})."
        )


def _clip(value: str | None, length: int) -> str | None:
    """Cut to the column length and drop NUL (PostgreSQL refuses it in text)."""
    if value is None:
        return None
    return value.replace("\x00", "")[:length]


def normalise(*parts: str | None) -> str:
    """Text as the search and the name sort compare it: casefolded, ё as е (the Russian way), no NUL."""
    return " ".join(p for p in parts if p).replace("\x00", "").casefold().replace("ё", "е")


# A number: its whole part, and the fraction after a decimal comma or point («0,5», «1.25»).
_NUMBER = re.compile(r"([0-9]+)([.,][0-9]+)?")


def _numbered(match: re.Match) -> str:
    whole = match.group(1).lstrip("0") or "0"
    # The whole part's length first (two digits; a longer run is rare and sorts among the longest), so
    # 9 < 10; the fraction as written, so 0,33 < 0,5.
    return f"{min(len(whole), 99):02d}{whole}{match.group(2) or ''}"


def name_key(name: str | None) -> str:
    """The sort key of «по названию»: the name normalised (case, ё = е), each number compared by its value
    («Размер 9» before «Размер 10», «0,33 л» before «0,5 л» before «1 л»); compared byte-wise on both
    databases (docs/catalog.md)."""
    return _NUMBER.sub(_numbered, normalise(name))[:500]


def search_text(*parts: str | None) -> str:
    """The normalised haystack a product search matches against."""
    return normalise(*parts)


# Bump when the derived columns (search text, name key, name guess) or the hashed form change: the next
# refresh then rewrites every row once. "5": the stored name guess (name_guess), filled for existing catalogs
# by that one full rewrite; "6": items read and hashed with orjson (fractions as floats, not their text);
# "7": the name key compares runs of digits as numbers.
# A product's hash also carries NAME_RULES_VERSION (the fingerprint of the name patterns,
# evosync/goods/forbidden.py), so a release that changes the patterns recomputes every stored guess.
HASH_VERSION = "7"


def content_hash(row: dict) -> str:
    """A hash of a row's content (everything but its owner, counts and the refresh bookkeeping)."""
    skip = ("user_id", "generation", "content_hash", "product_count", "ungrouped_count")
    content = repr([HASH_VERSION, *((k, v) for k, v in sorted(row.items()) if k not in skip)])
    return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()


def item_hasher(store_id: str) -> Callable[[dict], str]:
    """The hash of one raw Evotor product item of this store: its row is a pure function of (item, store,
    HASH_VERSION) and the name rules (NAME_RULES_VERSION, for the stored name guess).

    The item (parsed JSON: dicts, lists, text, numbers) is serialised by orjson, keys in their order, so
    equal items give equal bytes (twice as fast as marshal, which was several times faster than repr()),
    after the store and versions hashed once per store. An item only the stdlib reads (an integer past 64
    bits) is serialised by marshal at its fixed format 2, which has no back-references."""
    head = hashlib.blake2b(digest_size=16)
    head.update(orjson.dumps((HASH_VERSION, forbidden.NAME_RULES_VERSION, store_id)))
    copy, dumps, error = head.copy, orjson.dumps, orjson.JSONEncodeError

    def digest(item: dict) -> str:
        hasher = copy()
        try:
            hasher.update(dumps(item))
        except error:
            hasher.update(marshal.dumps(item, 2))
        return hasher.hexdigest()

    return digest


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
        "name_key": name_key(name),
        "name_guess": forbidden.stored_guess(name),
        "generation": generation,
    }


def _state(user_id: int) -> CatalogState:
    state = db.session.scalar(select(CatalogState).where(CatalogState.user_id == user_id))
    if state is None:
        state = CatalogState(user_id=user_id, generation=0)
        db.session.add(state)
        db.session.flush()
    return state


class _Writer:
    """Upserts only new or changed rows of one table and remembers which cached rows it saw."""

    def __init__(self, model, user_id: int) -> None:
        self.model = model
        stmt = select(model.evotor_id, model.content_hash).where(model.user_id == user_id)
        self.known: dict[str, str | None] = {key: digest for key, digest in db.session.execute(stmt)}
        self.seen: set[str] = set()
        self.created = self.changed = 0

    def write(self, rows: list[dict]) -> None:
        """Upsert the rows of this chunk that are new or differ from the cache."""
        dirty = []
        for row in rows:
            row["content_hash"] = digest = content_hash(row)
            key = row["evotor_id"]
            self.seen.add(key)
            if key not in self.known:
                self.created += 1
            elif self.known[key] == digest:
                continue
            else:
                self.changed += 1
            self.known[key] = digest
            dirty.append(row)
        for chunk in _chunks(dirty, CHUNK):
            _upsert(self.model, chunk)

    def delete_unseen(self, user_id: int) -> int:
        """Delete the cached rows this refresh did not see; return how many went."""
        gone = [key for key in self.known if key not in self.seen]
        model = self.model
        for chunk in _chunks(gone, 500):
            db.session.execute(delete(model).where(model.user_id == user_id, model.evotor_id.in_(chunk)))
        return len(gone)


class _ProductWriter(_Writer):
    """Products are compared by the hash of their raw item, so an unchanged one is never parsed or built;
    its (store, group) — for the counts — come from the cached row, equal to what the item would give."""

    def __init__(
        self, user_id: int, generation: int, group_ids: set[str], decide: Callable[[ProductNode], Decision]
    ) -> None:
        self.model = p = CatalogProduct
        self.user_id, self.generation, self.group_ids, self.decide = user_id, generation, group_ids, decide
        stmt = select(p.evotor_id, p.content_hash, p.store_id, p.group_id).where(p.user_id == user_id)
        # The driver's tuples: 100,000 of them without Row objects.
        self.cached = {
            key: (digest, store, group) for key, digest, store, group in driver_rows(db.session, stmt)
        }
        self.known = self.cached  # delete_unseen walks its keys
        self.seen: set[str] = set()
        self.created = self.changed = 0
        # Direct product counts: per known group, and per store for products outside any known group.
        self.in_group: Counter[str] = Counter()
        self.ungrouped: Counter[str] = Counter()

    def write_items(self, items: list[dict], store_id: str) -> None:
        """Upsert the products of this chunk that are new or differ from the cache; count every one."""
        dirty = []
        # Local names: this loop runs once per product, and an unchanged one goes no further than the hash.
        digest_of, cached_get, seen_add = item_hasher(store_id), self.cached.get, self.seen.add
        group_ids, in_group, ungrouped = self.group_ids, self.in_group, self.ungrouped
        for item in items:
            key = item["id"]
            if type(key) is not str or "\x00" in key or len(key) > 255:
                key = _clip(str(key), 255)
            digest = digest_of(item)
            seen_add(key)
            cached = cached_get(key)
            if cached is not None and cached[0] == digest:
                if cached[2] in group_ids:
                    in_group[cached[2]] += 1
                else:
                    ungrouped[cached[1]] += 1
                continue
            if cached is None:
                self.created += 1
            else:
                self.changed += 1
            row = _product_row(self.user_id, Product.from_json(item, store_id), self.generation)
            row["content_hash"] = digest
            # Written with the row, so the recompute after the refresh finds it already right: a first
            # refresh no longer writes every product twice (docs/catalog.md).
            decision = self.decide(ProductNode(row["evotor_id"], row["store_id"], row["group_id"]))
            row.update(syncs=decision.syncs, decision_code=decision.code, decision_source=decision.source_id)
            self.cached[key] = (digest, row["store_id"], row["group_id"])
            if row["group_id"] in group_ids:
                in_group[row["group_id"]] += 1
            else:
                ungrouped[row["store_id"]] += 1
            dirty.append(row)
        for chunk in _chunks(dirty, CHUNK):
            _upsert(self.model, chunk)


def _decider(user_id: int, stores: list[dict], groups: list[dict]) -> Callable[[ProductNode], Decision]:
    """The engine's decision for a product of the catalog being written (its stores and groups, the
    user's rules): what the stored decision will be."""
    resolver = Resolver(
        [StoreNode(s["evotor_id"], s["name"]) for s in stores],
        [GroupNode(g["evotor_id"], g["store_id"], g["name"], g["parent_id"]) for g in groups],
        to_rules(rules_queries.rules(user_id)),
    )
    return resolver.product


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
    store_rows = [_store_row(user_id, s, i, generation) for i, s in enumerate(stores)]
    store_writer = _Writer(CatalogStore, user_id)
    store_writer.write(store_rows)
    group_writer = _Writer(CatalogGroup, user_id)
    group_rows: list[dict] = []
    for index, store in enumerate(stores, 1):
        progress(f"Загружаем группы магазина {index} из {len(stores)}…", 0)
        groups = [
            _group_row(user_id, g, i, generation) for i, g in enumerate(client.product_groups(store.id))
        ]
        group_writer.write(groups)
        group_rows += groups
    group_ids = group_writer.seen
    # The products' pages are thousands of acyclic dicts freed as they go: a cyclic collection would only
    # walk the 100,000 cached entries again and again.
    with gc_paused():
        products = _ProductWriter(user_id, generation, group_ids, _decider(user_id, store_rows, group_rows))
        for index, store in enumerate(stores, 1):
            for chunk in _chunks(client.iter_product_items(store.id), CHUNK):
                products.write_items(chunk, store.id)
                fetched = len(products.seen)
                percent = min(95, fetched * 100 // expected) if expected else None
                progress(f"Загружено товаров: {fetched} (магазин {index} из {len(stores)})", percent)
    progress("Удаляем то, чего больше нет в Эвоторе…", 97)
    removed = products.delete_unseen(user_id)
    moved = removed + group_writer.delete_unseen(user_id) + store_writer.delete_unseen(user_id)
    moved += sum(w.created + w.changed for w in (store_writer, group_writer, products))
    in_group, ungrouped = products.in_group, products.ungrouped
    _store_counts(user_id, {g: in_group[g] for g in group_ids}, {s: ungrouped[s] for s in store_writer.seen})
    _finish(state, generation, len(stores), len(group_ids), len(products.seen))
    if moved or not stored.is_current(user_id):
        # Nothing a decision depends on changed, so current stored decisions stay right as they are.
        stored.recompute_all(user_id)
    return RefreshResult(
        len(stores), len(group_ids), len(products.seen), removed, products.created, products.changed
    )


def _finish(state: CatalogState, generation: int, stores: int, groups: int, products: int) -> None:
    values = {"store_count": stores, "group_count": groups, "product_count": products}
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
    # Never backwards: a generation only moves up, even if a lock lease were ever lost mid-refresh.
    state.generation = max(generation, state.generation)
    state.refreshed_at = utcnow()
    state.snapshot_token = new_snapshot_token()
    db.session.flush()


def _store_row(user_id: int, store, position: int, generation: int) -> dict:
    return {
        "user_id": user_id,
        "evotor_id": _clip(store.id, 255),
        "name": _clip(store.name, 255) or "",
        "address": _clip(store.address, 500),
        "position": position,
        "generation": generation,
    }


def _group_row(user_id: int, group, position: int, generation: int) -> dict:
    return {
        "user_id": user_id,
        "evotor_id": _clip(group.id, 255),
        "store_id": _clip(group.store_id, 255),
        "parent_id": _clip(group.parent_id, 255),
        "name": _clip(group.name, 255) or "",
        "is_modification_group": group.is_modification_group,
        "position": position,
        "generation": generation,
    }


def _store_counts(user_id: int, in_group: dict[str, int], ungrouped: dict[str, int]) -> None:
    """Write the direct product counts computed while streaming the products — only those that moved."""
    connection = db.session.connection()
    for model, counts, column in (
        (CatalogGroup, in_group, "product_count"),
        (CatalogStore, ungrouped, "ungrouped_count"),
    ):
        rows = [{"uid": user_id, "eid": key, "n": n} for key, n in counts.items()]
        if rows:
            table = model.__table__
            stmt = (
                update(table)
                .where(table.c.user_id == bindparam("uid"))
                .where(table.c.evotor_id == bindparam("eid"))
                .where(table.c[column] != bindparam("n"))
                .values({column: bindparam("n")})
            )
            connection.execute(stmt, rows)
