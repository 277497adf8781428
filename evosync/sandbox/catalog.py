"""The deterministic demo Evotor catalog: fixed edge cases plus products generated on the fly from a seed.

Products are never bulk-stored: product ``i`` of a store is a pure function of (seed, store, i), so a
100,000-product catalog costs nothing until a page of it is read. Test mutations (price changes, deletions,
additions) live in the ``product_overrides`` table and are laid over the generated sequence.
"""

from __future__ import annotations

import json
import random
import sqlite3

from .catalog_data import (
    GENERATED_GROUPS,
    GROUPS,
    NAMES,
    ORPHAN_PARENT,
    PRODUCT_PREFIX,
    STORE_1,
    STORE_2,
    STORES,
    TS,
    USER_ID,
    edge_cases,
    gid,
)

__all__ = ["ORPHAN_PARENT", "STORES", "STORE_1", "STORE_2", "USER_ID"]

EDGE_CASES = edge_cases()


def product_id(store_id: str, index: int) -> str:
    """Return the stable id of the ``index``-th (1-based) product of a store."""
    return PRODUCT_PREFIX[store_id] + f"{index:012d}"


def parse_product_id(pid: str) -> tuple[str, int] | None:
    """Split a generated product id into (store id, index), or None for ids the generator never made."""
    for store_id, prefix in PRODUCT_PREFIX.items():
        if pid.startswith(prefix) and pid[len(prefix) :].isdigit():
            return store_id, int(pid[len(prefix) :])
    return None


def store_sizes(total: int) -> dict[str, int]:
    """Split the catalog size knob between the two stores (the second gets a fifth)."""
    total = max(total, len(EDGE_CASES[STORE_1]) + len(EDGE_CASES[STORE_2]))
    second = max(len(EDGE_CASES[STORE_2]), total // 5)
    return {STORE_1: total - second, STORE_2: second}


def groups(store_id: str) -> list[dict]:
    """Return the product groups of a store in Evotor v2 shape."""
    out = []
    for store, n, name, parent in GROUPS:
        if store != store_id:
            continue
        item = {"id": gid(store, n), "name": name}
        if parent is not None:
            item["parent_id"] = gid(store, parent)
        item.update({"store_id": store, "user_id": USER_ID, "created_at": TS, "updated_at": TS})
        out.append(item)
    return out


def stores() -> list[dict]:
    """Return the stores in Evotor v2 shape."""
    return [{**s, "user_id": USER_ID, "created_at": TS, "updated_at": TS} for s in STORES]


def _finish(store_id: str, pid: str, raw: dict, index: int) -> dict:
    item = {"id": pid, "type": raw.get("type", "NORMAL"), "name": raw["name"]}
    if raw.get("parent_id"):
        item["parent_id"] = raw["parent_id"]
    item["price"] = raw["price"]
    if raw.get("type") != "SERVICE":
        item["cost_price"] = round(raw["price"] * 0.45, 2)
    if "quantity" in raw and not raw.get("_no_quantity"):
        item["quantity"] = raw["quantity"]
    item["measure_name"] = raw.get("measure_name", "шт")
    item["tax"] = raw.get("tax", "VAT_18")
    item["allow_to_sell"] = raw.get("allow_to_sell", True)
    for key in ("description", "article_number", "code", "barcodes", "alcohol_by_volume", "tare_volume"):
        if key in raw:
            item[key] = raw[key]
    day = 1 + index % 28
    item.update(
        {"store_id": store_id, "user_id": USER_ID, "created_at": f"2024-02-{day:02d}T07:00:00.000+0000"}
    )
    item["updated_at"] = raw.get("updated_at", item["created_at"])
    if raw.get("image"):
        item["_image"] = True
    return item


def generate(seed: int, store_id: str, index: int) -> dict:
    """Return product ``index`` (1-based) of a store exactly as a fresh catalog holds it."""
    edge = EDGE_CASES[store_id]
    pid = product_id(store_id, index)
    if index <= len(edge):
        return _finish(store_id, pid, edge[index - 1], index)
    rng = random.Random(f"{seed}:{store_id}:{index}")
    group = rng.choice(GENERATED_GROUPS[store_id])
    nouns, sizes = NAMES[group]
    name = f"{rng.choice(nouns)} {rng.choice(sizes)}".strip() + f" №{index}"
    raw = {
        "name": name,
        "parent_id": group,
        "price": round(rng.uniform(30, 3000), 2),
        "quantity": rng.randint(0, 200),
        "article_number": f"ART-{index}",
        "code": str(index % 10**9),
        "barcodes": [f"46{index:011d}"],
        "image": index % 7 == 0,
    }
    if index % 37 == 0:
        raw["_no_quantity"] = True
    if index % 53 == 0:
        raw["allow_to_sell"] = False
    if index % 11 == 0:
        raw["description"] = f"{nouns[0]}: свежая поставка, артикул ART-{index}."
    if NAMES[group][0][0].startswith("Сигареты") and name.startswith(("Сигареты", "Табак", "Сигариллы")):
        # Most tobacco is excise-marked in Evotor; some shops keep it as NORMAL (caught by name then).
        raw["type"] = "TOBACCO_MARKED" if index % 3 else "NORMAL"
    if index % 9 == 0:
        raw["quantity"] = -rng.randint(1, 5) if index % 2 else 0
    return _finish(store_id, pid, raw, index)


def override_rows(conn: sqlite3.Connection, store_id: str) -> tuple[tuple, ...]:
    """The store's stored changes as raw rows (product id, JSON data, deleted, added_seq), in order."""
    rows = conn.execute(
        "SELECT product_id, data, deleted, added_seq FROM product_overrides WHERE store_id = ? "
        "ORDER BY added_seq, product_id",
        (store_id,),
    )
    return tuple(tuple(row) for row in rows)


def parse_overrides(rows: tuple[tuple, ...]) -> tuple[dict[str, dict], list[dict]]:
    """(changes by product id, added products in order) from ``override_rows``."""
    changes, added = {}, []
    for product_id, raw, deleted, added_seq in rows:
        data = json.loads(raw)
        data["_deleted"] = bool(deleted)
        changes[product_id] = data
        if added_seq is not None:
            added.append({**data, "id": product_id})
    return changes, added


def load_overrides(conn: sqlite3.Connection, store_id: str) -> tuple[dict[str, dict], list[dict]]:
    """Return (changes by product id, added products in order) for a store."""
    return parse_overrides(override_rows(conn, store_id))


def apply_change(product: dict, change: dict | None) -> dict | None:
    """Lay a stored change over a generated product; None means it was deleted."""
    if change is None:
        return product
    if change.get("_deleted"):
        return None
    merged = {**product}
    for key, value in change.items():
        if key.startswith("_"):
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def public(product: dict, with_quantity: bool = True) -> dict:
    """Strip sandbox-only keys; drop quantity when the token lacks the stock scope (as Evotor does)."""
    out = {k: v for k, v in product.items() if not k.startswith("_")}
    if not with_quantity:
        out.pop("quantity", None)
    return out
