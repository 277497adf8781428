"""Emulated ``market.*`` item methods: add, edit, delete, restore, get, getById."""

from __future__ import annotations

import json
import re

from . import faults, vk_demo
from .state import get_meta, now
from .vk_errors import VkError
from .vk_registry import Caller, method

# External links are refused in descriptions (1408); links to VK itself are allowed.
_LINK = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(?:ru|com|net|org|su|info|io|рф)\b\S*)", re.IGNORECASE)
_VK_HOSTS = ("vk.com", "vk.ru", "vk.me")
ITEM_FIELDS = (
    "name",
    "description",
    "category_id",
    "price",
    "old_price",
    "sku",
    "stock_amount",
    "main_photo_id",
    "photo_ids",
    "url",
    "dimension_width",
    "dimension_height",
    "dimension_length",
    "weight",
)
RESTORE_SECONDS = 3600
NESTED = "market_market_category_nested"
PHOTO_TAKEN_CODE = 100
PHOTO_TAKEN = "One of the parameters specified was missing or invalid: photo not found or already assigned to another item"


def market_enabled(conn, group_id: int) -> bool:
    """Tell whether a community's Market is on (its demo setting, unless a market_off fault says otherwise)."""
    if not vk_demo.GROUPS[group_id]["market"]:
        return False
    if group_id in get_meta(conn, "market_off", []):
        return False
    off = {spec.get("group_id") or vk_demo.SHOP_GROUP_ID for spec in faults.specs(conn, "market_off")}
    return group_id not in off


def market_group(caller: Caller, owner_id: int, write: bool = True) -> int:
    """Return the community id behind ``owner_id`` after VK's checks (group only, admin, Market on)."""
    if owner_id >= 0:
        raise VkError(100, "One of the parameters specified was missing or invalid: only groups supported")
    group_id = -owner_id
    group = vk_demo.GROUPS.get(group_id)
    if group is None:
        raise VkError(100, "One of the parameters specified was missing or invalid: owner_id is invalid")
    if write and not group["members"].get(caller.user_id):
        raise VkError(205)
    if not market_enabled(caller.conn, group_id):
        raise VkError(1438)
    return group_id


def _check_description(text: str) -> None:
    for match in _LINK.finditer(text):
        if not any(host in match.group(0).lower() for host in _VK_HOSTS):
            raise VkError(1408)


def _wanted_photos(params: dict) -> list[int]:
    wanted = [params["main_photo_id"]] if params.get("main_photo_id") else []
    return wanted + [p for p in params.get("photo_ids", []) if p]


def _check_photos(caller: Caller, group_id: int, params: dict, item_id: int | None = None) -> None:
    # A Market photo belongs to one item: naming a photo another live item uses is refused like a missing one.
    for photo_id in _wanted_photos(params):
        row = caller.conn.execute("SELECT owner_id FROM vk_photos WHERE id = ?", (photo_id,)).fetchone()
        taken = caller.conn.execute(
            "SELECT 1 FROM vk_photo_items p JOIN vk_items i ON i.id = p.item_id"
            " WHERE p.photo_id = ? AND i.id != ? AND i.removed_at IS NULL",
            (photo_id, item_id or 0),
        ).fetchone()
        if row is None or row["owner_id"] != -group_id or taken:
            raise VkError(PHOTO_TAKEN_CODE, PHOTO_TAKEN)


def _bind_photos(conn, item_id: int, data: dict) -> None:
    conn.execute("DELETE FROM vk_photo_items WHERE item_id = ?", (item_id,))
    for photo_id in _wanted_photos(data):
        conn.execute(
            "INSERT OR REPLACE INTO vk_photo_items (photo_id, item_id) VALUES (?, ?)", (photo_id, item_id)
        )


def _check_item(caller: Caller, group_id: int, params: dict, item_id: int | None = None) -> None:
    if "description" in params:
        _check_description(params["description"])
    if "category_id" in params and params["category_id"] not in vk_demo.category_index():
        raise VkError(100, "One of the parameters specified was missing or invalid: category_id is invalid")
    _check_photos(caller, group_id, params, item_id)


@method("market.add")
def add(caller: Caller, params: dict) -> dict:
    """Create an item; ``deleted=1`` creates it hidden."""
    group_id = market_group(caller, params["owner_id"])
    _check_item(caller, group_id, params)
    data = {key: params[key] for key in ITEM_FIELDS if key in params}
    t = now()
    cur = caller.conn.execute(
        "INSERT INTO vk_items (owner_id, data, hidden, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (-group_id, json.dumps(data, ensure_ascii=False), int(params.get("deleted", False)), t, t),
    )
    _bind_photos(caller.conn, cur.lastrowid, data)
    return {"market_item_id": cur.lastrowid}


def _item_row(caller: Caller, group_id: int, item_id: int, removed_ok: bool = False):
    row = caller.conn.execute(
        "SELECT * FROM vk_items WHERE id = ? AND owner_id = ?", (item_id, -group_id)
    ).fetchone()
    if row is None or (row["removed_at"] is not None and not removed_ok):
        raise VkError(1403)
    return row


@method("market.edit")
def edit(caller: Caller, params: dict) -> int:
    """Change the given fields of an item; ``deleted`` hides or shows it."""
    group_id = market_group(caller, params["owner_id"])
    row = _item_row(caller, group_id, params["item_id"])
    _check_item(caller, group_id, params, row["id"])
    data = json.loads(row["data"])
    data.update({key: params[key] for key in ITEM_FIELDS if key in params})
    if "main_photo_id" in params or "photo_ids" in params:
        _bind_photos(caller.conn, row["id"], data)
    hidden = int(params["deleted"]) if "deleted" in params else row["hidden"]
    caller.conn.execute(
        "UPDATE vk_items SET data = ?, hidden = ?, updated_at = ? WHERE id = ?",
        (json.dumps(data, ensure_ascii=False), hidden, now(), row["id"]),
    )
    return 1


@method("market.delete")
def delete(caller: Caller, params: dict) -> int:
    """Delete an item (restorable for an hour with market.restore)."""
    group_id = market_group(caller, params["owner_id"])
    row = _item_row(caller, group_id, params["item_id"])
    caller.conn.execute("UPDATE vk_items SET removed_at = ? WHERE id = ?", (now(), row["id"]))
    caller.conn.execute("DELETE FROM vk_album_items WHERE item_id = ?", (row["id"],))
    return 1


@method("market.restore")
def restore(caller: Caller, params: dict) -> int:
    """Bring back a deleted item if it was deleted recently enough."""
    group_id = market_group(caller, params["owner_id"])
    row = _item_row(caller, group_id, params["item_id"], removed_ok=True)
    if row["removed_at"] is None:
        raise VkError(1518)
    if now() - row["removed_at"] > RESTORE_SECONDS:
        raise VkError(1400)
    caller.conn.execute("UPDATE vk_items SET removed_at = NULL WHERE id = ?", (row["id"],))
    return 1


def _photo(base: str, photo_id: int, owner_id: int) -> dict:
    url = f"{base}/vk/photo/{photo_id}.jpg"
    return {
        "id": photo_id,
        "owner_id": owner_id,
        "album_id": -53,
        "date": 0,
        "has_tags": False,
        "sizes": [{"type": "x", "url": url, "width": 604, "height": 604}],
    }


def _category(category_id) -> dict:
    """The item's category in VK's nested shape (the leaf with its section as parent)."""
    leaf = vk_demo.category_index().get(category_id)
    if leaf is None:
        return {"id": 0, "name": "", "inner_type": NESTED}
    section = {"id": leaf["section"]["id"], "name": leaf["section"]["name"], "inner_type": NESTED}
    return {"id": leaf["id"], "name": leaf["name"], "inner_type": NESTED, "parent": section}


def availability(hidden: bool, stock) -> int:
    """VK's availability: 1 hidden, 2 «нет в наличии» (stock_amount 0), else 0 (-1 or no stock = unlimited)."""
    if hidden:
        return 1
    return 2 if stock == 0 else 0


def _extended(caller_base: str, conn, row, data: dict) -> dict:
    # albums_ids and photos exist only in the extended item object (market_market_item_full).
    albums = [
        r["album_id"]
        for r in conn.execute(
            "SELECT album_id FROM vk_album_items WHERE item_id = ? ORDER BY album_id", (row["id"],)
        )
    ]
    ids = ([data["main_photo_id"]] if data.get("main_photo_id") else []) + data.get("photo_ids", [])
    return {
        "albums_ids": albums,
        "photos": [_photo(caller_base, pid, row["owner_id"]) for pid in ids],
        "can_comment": 1,
        "can_repost": 1,
        "likes": {"user_likes": 0, "count": 0},
        "views_count": 0,
    }


def item_object(caller_base: str, conn, row, extended: bool = False) -> dict:
    """Return a market item in VK's shape (market_market_item; market_market_item_full when extended)."""
    data = json.loads(row["data"])
    price = float(data.get("price", 0))
    item = {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "title": data.get("name", ""),
        "description": data.get("description", ""),
        "price": {
            "amount": str(round(price * 100)),
            "currency": vk_demo.CURRENCY,
            "text": f"{price:,.2f} ₽".replace(",", " ").replace(".", ","),
        },
        "category": _category(data.get("category_id")),
        "date": int(row["created_at"]),
        "availability": availability(bool(row["hidden"]), data.get("stock_amount")),
    }
    for key in ("sku", "stock_amount", "url"):
        if key in data:
            item[key] = data[key]
    if "old_price" in data:
        item["price"]["old_amount"] = str(round(float(data["old_price"]) * 100))
    if data.get("main_photo_id"):
        item["thumb_photo"] = f"{caller_base}/vk/photo/{data['main_photo_id']}.jpg"
    if extended:
        item.update(_extended(caller_base, conn, row, data))
    return item


@method("market.get")
def get(caller: Caller, params: dict) -> dict:
    """List a community's items, newest first; hidden ones only with ``with_disabled``."""
    group_id = market_group(caller, params["owner_id"], write=False)
    sql = "SELECT * FROM vk_items WHERE owner_id = ? AND removed_at IS NULL"
    args: list = [-group_id]
    if not params.get("with_disabled"):
        sql += " AND hidden = 0"
    if params.get("album_id"):
        sql += " AND id IN (SELECT item_id FROM vk_album_items WHERE album_id = ?)"
        args.append(params["album_id"])
    total = caller.conn.execute(sql.replace("SELECT *", "SELECT COUNT(*)"), args).fetchone()[0]
    sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
    rows = caller.conn.execute(sql, [*args, params.get("count", 100), params.get("offset", 0)]).fetchall()
    extended = bool(params.get("extended"))
    items = [item_object(caller.base_url, caller.conn, row, extended) for row in rows]
    out: dict = {"count": total, "items": items}
    if params.get("need_variants"):
        out["variants"] = []
    return out


@method("market.getById")
def get_by_id(caller: Caller, params: dict) -> dict:
    """Return items named ``-<group>_<item>``; unknown or deleted ones are left out."""
    items = []
    for ref in params["item_ids"]:
        match = re.fullmatch(r"(-?\d+)_(\d+)", ref)
        if not match:
            raise VkError(100, "One of the parameters specified was missing or invalid: item_ids is invalid")
        owner_id, item_id = int(match.group(1)), int(match.group(2))
        row = caller.conn.execute(
            "SELECT * FROM vk_items WHERE id = ? AND owner_id = ? AND removed_at IS NULL", (item_id, owner_id)
        ).fetchone()
        if row is not None:
            items.append(item_object(caller.base_url, caller.conn, row, bool(params.get("extended"))))
    return {"count": len(items), "items": items}
