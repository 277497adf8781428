"""Admin JSON endpoints that change the emulated data: Evotor catalog edits, VK items, tokens, Market switch."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from . import catalog, tokens, vk_demo
from .admin import _bad, _body
from .evotor_api import find_product
from .runtime import settings, state
from .state import get_meta, now, set_meta
from .vk_market import item_object

bp = Blueprint("sandbox_admin_data", __name__)


def _product_store(product_id: str) -> str | None:
    parsed = catalog.parse_product_id(product_id)
    if parsed:
        return parsed[0]
    with state().connect() as conn:
        row = conn.execute(
            "SELECT store_id FROM product_overrides WHERE product_id = ?", (product_id,)
        ).fetchone()
    return row["store_id"] if row else None


def change_product(product_id: str, fields: dict, delete: bool = False) -> dict | None:
    """Change fields of a product (``None`` removes a field) or delete it; the product, or None if unknown."""
    store_id = _product_store(product_id)
    if store_id is None or find_product(store_id, product_id) is None:
        return None
    with state().connect() as conn:
        row = conn.execute(
            "SELECT data FROM product_overrides WHERE product_id = ?", (product_id,)
        ).fetchone()
        data = json.loads(row["data"]) if row else {}
        if not delete:
            data.update({k: v for k, v in fields.items() if k not in ("id", "store_id")})
        data["updated_at"] = _evotor_now()
        conn.execute(
            "INSERT INTO product_overrides (product_id, store_id, data, deleted) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(product_id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted",
            (product_id, store_id, json.dumps(data, ensure_ascii=False), int(delete)),
        )
    return {} if delete else catalog.public(find_product(store_id, product_id))


@bp.route("/evotor/products/<product_id>", methods=["POST", "PATCH", "DELETE"])
def product_change(product_id: str):
    """POST/PATCH changes fields of a product (``null`` removes a field); DELETE deletes it from the catalog."""
    deleted = request.method == "DELETE"
    product = change_product(product_id, {} if deleted else _body(), delete=deleted)
    if product is None:
        return _bad("no such product", 404)
    return jsonify({"ok": True, "product": None if deleted else product})


def _evotor_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def add_product(body: dict) -> dict | None:
    """Add a product to a store (``store_id``, ``name``, ``price`` …; ``id`` optional); None if invalid."""
    store_id = body.get("store_id", catalog.STORE_1)
    if store_id not in catalog.PRODUCT_PREFIX or not body.get("name"):
        return None
    stamp = _evotor_now()
    product = {
        "id": body.get("id") or str(uuid.uuid4()),
        "type": "NORMAL",
        "name": body["name"],
        "price": body.get("price", 100),
        "measure_name": "шт",
        "tax": "VAT_18",
        "allow_to_sell": True,
    }
    product.update({k: v for k, v in body.items() if k not in ("id", "store_id")})
    product.update(
        {"store_id": store_id, "user_id": catalog.USER_ID, "created_at": stamp, "updated_at": stamp}
    )
    if body.get("image"):
        # "bomb": the picture Evotor serves is a decompression bomb (a hostile-input test)
        product["_image"] = "bomb" if body["image"] == "bomb" else True
    product.pop("image", None)
    with state().connect() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(added_seq), 0) + 1 FROM product_overrides").fetchone()[0]
        stored = json.dumps({k: v for k, v in product.items() if k != "id"}, ensure_ascii=False)
        conn.execute(
            "INSERT INTO product_overrides (product_id, store_id, data, deleted, added_seq) VALUES (?, ?, ?, 0, ?)",
            (product["id"], store_id, stored, seq),
        )
    return catalog.public(product)


@bp.post("/evotor/products")
def product_add():
    """Add a product to a store (``store_id``, ``name``, ``price`` …; ``id`` optional); returns it."""
    product = add_product(_body())
    if product is None:
        return _bad("store_id must name a sandbox store and name is required")
    return jsonify({"ok": True, "product": product})


@bp.get("/vk/items")
def vk_items():
    """List VK Market items of a community (``group_id``), including hidden and deleted ones."""
    group_id = request.args.get("group_id", vk_demo.SHOP_GROUP_ID, type=int)
    base = settings().get("PUBLIC_URL") or request.host_url.rstrip("/")
    with state().connect() as conn:
        rows = conn.execute("SELECT * FROM vk_items WHERE owner_id = ? ORDER BY id", (-group_id,)).fetchall()
        items = []
        for r in rows:
            item = item_object(base, conn, r, extended=True)
            data = json.loads(r["data"])
            item.update(
                {
                    "hidden": bool(r["hidden"]),
                    "deleted": r["removed_at"] is not None,
                    "main_photo_id": data.get("main_photo_id"),
                    "photo_ids": data.get("photo_ids", []),
                    "category_id": data.get("category_id"),
                    "price_value": data.get("price"),
                }
            )
            items.append(item)
        albums = [dict(a) for a in conn.execute("SELECT * FROM vk_albums WHERE owner_id = ?", (-group_id,))]
    return jsonify({"items": items, "albums": albums})


@bp.delete("/vk/items/<int:item_id>")
def vk_item_delete(item_id: int):
    """Delete a VK item "by hand", as the community admin would in VK's interface."""
    with state().connect() as conn:
        cur = conn.execute(
            "UPDATE vk_items SET removed_at = ? WHERE id = ? AND removed_at IS NULL", (now(), item_id)
        )
        conn.execute("DELETE FROM vk_album_items WHERE item_id = ?", (item_id,))
    return jsonify({"deleted": cur.rowcount})


@bp.post("/tokens/evotor")
def mint_evotor():
    """Mint an Evotor cloud token (``scope`` optional: space-separated Evotor scopes)."""
    body = _body()
    with state().connect() as conn:
        token = tokens.mint_evotor(conn, scope=body.get("scope") or tokens.EVOTOR_SCOPE)
    return jsonify({"token": token})


@bp.post("/tokens/vk")
def mint_vk():
    """Mint a VK access/refresh pair without the consent page (``user_id``, ``scope``, ``expires_in``)."""
    body = _body()
    user_id = int(body.get("user_id") or vk_demo.DEMO_USER_ID)
    if user_id not in vk_demo.USERS:
        return _bad("unknown user_id")
    client_id = body.get("client_id") or settings()["CLIENTS"]["vk"]["client_id"]
    with state().connect() as conn:
        pair = tokens.mint_vk_pair(
            conn,
            user_id,
            client_id,
            body.get("scope") or vk_demo.DEFAULT_SCOPE,
            access_ttl=float(body.get("expires_in") or tokens.VK_ACCESS_TTL),
        )
    pair.pop("family")
    return jsonify(pair)


@bp.post("/vk/groups/<int:group_id>/market")
def set_market(group_id: int):
    """Switch a community's Market on or off (``{"enabled": false}``), as its admin would."""
    enabled = bool(_body().get("enabled"))
    with state().connect() as conn:
        off = set(get_meta(conn, "market_off", []))
        (off.discard if enabled else off.add)(group_id)
        set_meta(conn, "market_off", sorted(off))
    return jsonify({"group_id": group_id, "enabled": enabled})
