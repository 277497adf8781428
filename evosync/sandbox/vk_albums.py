"""Emulated Market albums (``market.*Album*``) and ``market.getCategories``."""

from __future__ import annotations

from . import vk_demo
from .state import now
from .vk_errors import VkError
from .vk_market import _item_row, market_group
from .vk_registry import Caller, method

MAX_ALBUMS = 100


def _album_object(conn, row) -> dict:
    count = conn.execute(
        "SELECT COUNT(*) FROM vk_album_items ai JOIN vk_items i ON i.id = ai.item_id"
        " WHERE ai.album_id = ? AND i.removed_at IS NULL",
        (row["id"],),
    ).fetchone()[0]
    return {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "title": row["title"],
        "count": count,
        "is_main": bool(row["is_main"]),
        "is_hidden": bool(row["is_hidden"]),
        "updated_time": int(row["updated_at"]),
    }


def _album_row(caller: Caller, group_id: int, album_id: int):
    row = caller.conn.execute(
        "SELECT * FROM vk_albums WHERE id = ? AND owner_id = ?", (album_id, -group_id)
    ).fetchone()
    if row is None:
        raise VkError(1402)
    return row


@method("market.getAlbums")
def get_albums(caller: Caller, params: dict) -> dict:
    """List a community's albums."""
    group_id = market_group(caller, params["owner_id"], write=False)
    conn = caller.conn
    total = conn.execute("SELECT COUNT(*) FROM vk_albums WHERE owner_id = ?", (-group_id,)).fetchone()[0]
    rows = conn.execute(
        "SELECT * FROM vk_albums WHERE owner_id = ? ORDER BY id LIMIT ? OFFSET ?",
        (-group_id, params.get("count", 50), params.get("offset", 0)),
    ).fetchall()
    return {"count": total, "items": [_album_object(conn, row) for row in rows]}


@method("market.getAlbumById")
def get_album_by_id(caller: Caller, params: dict) -> dict:
    """Return the named albums of a community."""
    group_id = market_group(caller, params["owner_id"], write=False)
    items = []
    for album_id in params["album_ids"]:
        row = caller.conn.execute(
            "SELECT * FROM vk_albums WHERE id = ? AND owner_id = ?", (album_id, -group_id)
        ).fetchone()
        if row is not None:
            items.append(_album_object(caller.conn, row))
    return {"count": len(items), "items": items}


@method("market.addAlbum")
def add_album(caller: Caller, params: dict) -> dict:
    """Create an album (at most 100 per community)."""
    group_id = market_group(caller, params["owner_id"])
    count = caller.conn.execute("SELECT COUNT(*) FROM vk_albums WHERE owner_id = ?", (-group_id,)).fetchone()[
        0
    ]
    if count >= MAX_ALBUMS:
        raise VkError(1407)
    if params.get("main_album") and params.get("is_hidden"):
        raise VkError(1446)
    cur = caller.conn.execute(
        "INSERT INTO vk_albums (owner_id, title, is_hidden, is_main, photo_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            -group_id,
            params["title"],
            int(params.get("is_hidden", False)),
            int(params.get("main_album", False)),
            params.get("photo_id"),
            now(),
        ),
    )
    return {"market_album_id": cur.lastrowid}


@method("market.editAlbum")
def edit_album(caller: Caller, params: dict) -> int:
    """Rename or hide an album."""
    group_id = market_group(caller, params["owner_id"])
    row = _album_row(caller, group_id, params["album_id"])
    caller.conn.execute(
        "UPDATE vk_albums SET title = ?, is_hidden = ?, is_main = ?, updated_at = ? WHERE id = ?",
        (
            params["title"],
            int(params.get("is_hidden", row["is_hidden"])),
            int(params.get("main_album", row["is_main"])),
            now(),
            row["id"],
        ),
    )
    return 1


@method("market.deleteAlbum")
def delete_album(caller: Caller, params: dict) -> int:
    """Delete an album (its items stay in the Market)."""
    group_id = market_group(caller, params["owner_id"])
    row = _album_row(caller, group_id, params["album_id"])
    caller.conn.execute("DELETE FROM vk_album_items WHERE album_id = ?", (row["id"],))
    caller.conn.execute("DELETE FROM vk_albums WHERE id = ?", (row["id"],))
    return 1


@method("market.addToAlbum")
def add_to_album(caller: Caller, params: dict) -> int:
    """Put items into albums; 1404 when every pair was already there."""
    group_id = market_group(caller, params["owner_id"])
    albums = [_album_row(caller, group_id, a)["id"] for a in params["album_ids"]]
    items = [_item_row(caller, group_id, i)["id"] for i in params["item_ids"]]
    added = 0
    for album_id in albums:
        for item_id in items:
            cur = caller.conn.execute(
                "INSERT OR IGNORE INTO vk_album_items (album_id, item_id) VALUES (?, ?)", (album_id, item_id)
            )
            added += cur.rowcount
    if not added:
        raise VkError(1404)
    return 1


@method("market.removeFromAlbum")
def remove_from_album(caller: Caller, params: dict) -> int:
    """Take an item out of albums."""
    group_id = market_group(caller, params["owner_id"])
    item_id = _item_row(caller, group_id, params["item_id"])["id"]
    for album_id in params["album_ids"]:
        _album_row(caller, group_id, album_id)
        caller.conn.execute(
            "DELETE FROM vk_album_items WHERE album_id = ? AND item_id = ?", (album_id, item_id)
        )
    return 1


@method("market.getCategories")
def get_categories(caller: Caller, params: dict) -> dict:
    """Return the category tree (5.199 shape: sections with children)."""
    return {"items": vk_demo.CATEGORIES}
