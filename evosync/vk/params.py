"""Parameter builders for the market methods: each returns ``(method, params)`` so the same call can be sent
directly (``client.call(*call)``) or queued into an ``execute`` batch (``batch.add(m, **p)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

Call = tuple[str, dict[str, Any]]

# Fields market.add/market.edit accept (vk-api-schema market/methods.json, 5.199).
ITEM_FIELDS = frozenset(
    {
        "name",
        "description",
        "category_id",
        "price",
        "old_price",
        "deleted",
        "main_photo_id",
        "photo_ids",
        "url",
        "dimension_width",
        "dimension_height",
        "dimension_length",
        "weight",
        "sku",
        "stock_amount",
    }
)


def _item_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check item fields against the schema and drop the ones left as None."""
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"unknown market item fields: {sorted(unknown)}")
    return {k: v for k, v in fields.items() if v is not None}


def market_add(
    owner_id: int,
    name: str,
    description: str,
    category_id: int,
    price: Decimal | int | None = None,
    **fields: Any,
) -> Call:
    """``market.add``: a new item (``owner_id`` negative; ``sku``, ``main_photo_id``… as keyword fields)."""
    return "market.add", {
        "owner_id": owner_id,
        **_item_fields(
            {"name": name, "description": description, "category_id": category_id, "price": price}
        ),
        **_item_fields(fields),
    }


def market_edit(owner_id: int, item_id: int, **fields: Any) -> Call:
    """``market.edit``: change the given fields of an item (``deleted=True`` hides it from buyers)."""
    return "market.edit", {"owner_id": owner_id, "item_id": item_id, **_item_fields(fields)}


def market_delete(owner_id: int, item_id: int) -> Call:
    """``market.delete``: remove an item for good."""
    return "market.delete", {"owner_id": owner_id, "item_id": item_id}


def market_get(
    owner_id: int, count: int = 200, offset: int = 0, with_disabled: bool = True, extended: bool = False
) -> Call:
    """``market.get``: one page of items (VK's maximum page is 200)."""
    return "market.get", {
        "owner_id": owner_id,
        "count": min(count, 200),
        "offset": offset,
        "with_disabled": with_disabled,
        "extended": extended or None,
    }


def market_get_albums(owner_id: int, count: int = 100, offset: int = 0) -> Call:
    """``market.getAlbums``: one page of albums (maximum 100)."""
    return "market.getAlbums", {"owner_id": owner_id, "count": min(count, 100), "offset": offset}


def market_add_album(
    owner_id: int, title: str, main_album: bool | None = None, is_hidden: bool | None = None
) -> Call:
    """``market.addAlbum``: a new album (title ≤ 128 chars)."""
    return "market.addAlbum", {
        "owner_id": owner_id,
        "title": title,
        "main_album": main_album,
        "is_hidden": is_hidden,
    }


def market_add_to_album(owner_id: int, item_ids: Iterable[int], album_ids: Iterable[int]) -> Call:
    """``market.addToAlbum``: put items into albums (5.199 takes ``item_ids``)."""
    return "market.addToAlbum", {
        "owner_id": owner_id,
        "item_ids": list(item_ids),
        "album_ids": list(album_ids),
    }


def market_remove_from_album(owner_id: int, item_id: int, album_ids: Iterable[int]) -> Call:
    """``market.removeFromAlbum``: take an item out of albums."""
    return "market.removeFromAlbum", {"owner_id": owner_id, "item_id": item_id, "album_ids": list(album_ids)}


def market_get_categories(group_id: int | None = None) -> Call:
    """``market.getCategories``: the category tree (optionally as seen by a community)."""
    return "market.getCategories", {"group_id": group_id}
