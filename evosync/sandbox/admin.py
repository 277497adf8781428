"""Admin JSON endpoints under ``/_admin/``: reset, faults, counters, request log, catalog and token tools.

Loopback-only by construction (the sandbox binds 127.0.0.1); never expose a sandbox to a network.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, request

from . import catalog, demo, faults, tokens, vk_demo
from .evotor_api import find_product
from .runtime import settings, state
from .state import get_meta, now, set_meta
from .vk_market import item_object

bp = Blueprint("sandbox_admin", __name__)


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.values.to_dict()


def _bad(message: str, status: int = 400):
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


@bp.post("/reset")
def reset():
    """Wipe the state: fresh catalog (``products``, ``seed``), ``vk_rps``, no VK items, faults or counts."""
    body = _body()
    products = int(body.get("products") or settings()["CATALOG_PRODUCTS"])
    seed = int(body.get("seed") or settings()["SEED"])
    vk_rps = int(body.get("vk_rps") or settings()["VK_RPS"])
    with state().connect() as conn:
        info = demo.reset(conn, products, seed, vk_rps)
    _clear_rate_windows()
    return jsonify(info)


def _clear_rate_windows() -> None:
    limiter = current_app.extensions.get("sandbox_rate")
    if limiter:
        with limiter[0]:
            limiter[1].clear()


@bp.get("/info")
def info():
    """Return the catalog size, seed, demo credentials and the demo ids."""
    with state().connect() as conn:
        data = demo.info(conn)
    data.update(
        {
            "stores": [s["id"] for s in catalog.STORES],
            "vk_user_id": vk_demo.DEMO_USER_ID,
            "vk_other_user_id": vk_demo.OTHER_USER_ID,
            "vk_group_id": vk_demo.SHOP_GROUP_ID,
            "vk_market_off_group_id": vk_demo.MARKET_OFF_GROUP_ID,
            "vk_member_group_id": vk_demo.MEMBER_GROUP_ID,
            "clients": settings()["CLIENTS"],
        }
    )
    return jsonify(data)


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def fault_list():
    """GET lists faults; POST adds one (``{"kind": …}``, see ``faults.KINDS``); DELETE clears all."""
    with state().connect() as conn:
        if request.method == "POST":
            try:
                fault_id = faults.add(conn, _body())
            except faults.FaultError as exc:
                return _bad(str(exc))
            return jsonify({"id": fault_id})
        if request.method == "DELETE":
            faults.clear(conn)
            _clear_rate_windows()
            return jsonify({"ok": True})
        return jsonify({"faults": faults.listing(conn), "kinds": faults.KINDS})


@bp.delete("/faults/<int:fault_id>")
def fault_delete(fault_id: int):
    """Clear one fault."""
    with state().connect() as conn:
        faults.clear(conn, fault_id)
    return jsonify({"ok": True})


@bp.post("/revoke")
def revoke():
    """Revoke a ``token``, or all tokens of ``user_id`` (optionally one ``kind``: evotor, vk_access, vk_refresh)."""
    body = _body()
    with state().connect() as conn:
        n = tokens.revoke(conn, body.get("token"), body.get("user_id"), body.get("kind"))
    return jsonify({"revoked": n})


@bp.post("/expire")
def expire():
    """Expire VK access tokens now (one ``token`` or all of ``user_id``); refresh tokens keep working."""
    body = _body()
    with state().connect() as conn:
        n = tokens.expire(conn, body.get("token"), body.get("user_id"))
    return jsonify({"expired": n})


@bp.get("/counters")
def counters():
    """Return per-method call counts, token endpoint counts and per-token VK request timestamps."""
    with state().connect() as conn:
        rows = conn.execute("SELECT key, n FROM counters").fetchall()
        stamps = conn.execute(
            "SELECT token_key, ts FROM request_log WHERE service = 'vk' AND token_key IS NOT NULL ORDER BY id"
        ).fetchall()
    all_counts = {r["key"]: r["n"] for r in rows}
    methods = {k[3:]: n for k, n in all_counts.items() if k.startswith("vk:")}
    token_endpoint = {k[len("vkid:") :]: n for k, n in all_counts.items() if k.startswith("vkid:")}
    per_token = defaultdict(list)
    for r in stamps:
        per_token[r["token_key"]].append(r["ts"])
    return jsonify(
        {
            "methods": methods,
            "token_endpoint": token_endpoint,
            "all": all_counts,
            "vk_token_timestamps": per_token,
        }
    )


@bp.route("/requests", methods=["GET", "DELETE"])
def requests_log():
    """GET the request log (``since_id``, ``service``, ``limit``); DELETE empties it and the counters."""
    with state().connect() as conn:
        if request.method == "DELETE":
            conn.execute("DELETE FROM request_log")
            conn.execute("DELETE FROM counters")
            return jsonify({"ok": True})
        sql, args = "SELECT * FROM request_log WHERE id > ?", [request.args.get("since_id", 0, type=int)]
        if request.args.get("service"):
            sql += " AND service = ?"
            args.append(request.args["service"])
        sql += " ORDER BY id LIMIT ?"
        args.append(request.args.get("limit", 10000, type=int))
        rows = conn.execute(sql, args).fetchall()
    out = [
        {
            "id": r["id"],
            "ts": r["ts"],
            "service": r["service"],
            "http_method": r["http_method"],
            "path": r["path"],
            "method": r["method"],
            "params": json.loads(r["params"]),
            "token_in_query": bool(r["token_in_query"]),
            "auth": r["auth"],
            "token_key": r["token_key"],
            "status": r["status"],
        }
        for r in rows
    ]
    return jsonify({"requests": out})


def _product_store(product_id: str) -> str | None:
    parsed = catalog.parse_product_id(product_id)
    if parsed:
        return parsed[0]
    with state().connect() as conn:
        row = conn.execute(
            "SELECT store_id FROM product_overrides WHERE product_id = ?", (product_id,)
        ).fetchone()
    return row["store_id"] if row else None


@bp.route("/evotor/products/<product_id>", methods=["POST", "PATCH", "DELETE"])
def product_change(product_id: str):
    """POST/PATCH changes fields of a product (``null`` removes a field); DELETE deletes it from the catalog."""
    store_id = _product_store(product_id)
    if store_id is None or find_product(store_id, product_id) is None:
        return _bad("no such product", 404)
    stamp = _evotor_now()
    with state().connect() as conn:
        row = conn.execute(
            "SELECT data FROM product_overrides WHERE product_id = ?", (product_id,)
        ).fetchone()
        data = json.loads(row["data"]) if row else {}
        deleted = request.method == "DELETE"
        if not deleted:
            data.update({k: v for k, v in _body().items() if k not in ("id", "store_id")})
        data["updated_at"] = stamp
        conn.execute(
            "INSERT INTO product_overrides (product_id, store_id, data, deleted) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(product_id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted",
            (product_id, store_id, json.dumps(data, ensure_ascii=False), int(deleted)),
        )
    return jsonify(
        {"ok": True, "product": None if deleted else catalog.public(find_product(store_id, product_id))}
    )


def _evotor_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@bp.post("/evotor/products")
def product_add():
    """Add a product to a store (``store_id``, ``name``, ``price`` …; ``id`` optional); returns it."""
    body = _body()
    store_id = body.get("store_id", catalog.STORE_1)
    if store_id not in catalog.PRODUCT_PREFIX or not body.get("name"):
        return _bad("store_id must name a sandbox store and name is required")
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
        product["_image"] = True
    product.pop("image", None)
    with state().connect() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(added_seq), 0) + 1 FROM product_overrides").fetchone()[0]
        conn.execute(
            "INSERT INTO product_overrides (product_id, store_id, data, deleted, added_seq) VALUES (?, ?, ?, 0, ?)",
            (
                product["id"],
                store_id,
                json.dumps({k: v for k, v in product.items() if k != "id"}, ensure_ascii=False),
                seq,
            ),
        )
    return jsonify({"ok": True, "product": catalog.public(product)})


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
