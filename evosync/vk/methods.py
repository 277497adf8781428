"""Wrappers over ``VkClient.call`` that return dataclasses; params come from ``params`` (one place)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import params as P
from .errors import BadResponse
from .schemas import MarketAlbum, MarketCategory, MarketItem, UploadedPhoto, VkGroup, VkUser, decode_scopes

if TYPE_CHECKING:
    from .client import VkClient

GROUP_FIELDS = "market,is_admin,admin_level,screen_name,photo_100"


def _items(resp: Any, method: str) -> list[dict[str, Any]]:
    """``items`` of a ``{count, items}`` answer (or a bare list)."""
    items = resp.get("items") if isinstance(resp, dict) else resp
    if not isinstance(items, list):
        raise BadResponse(None, "unexpected answer shape", method)
    return [x for x in items if isinstance(x, dict)]


class VkMethods:
    """Typed wrappers mixed into ``VkClient``."""

    def users_get(self: VkClient) -> VkUser:
        """The token's own user (``users.get`` without ids)."""
        resp = self.call("users.get", fields="screen_name,photo_100")
        users = _items(resp, "users.get")
        if not users:
            raise BadResponse(None, "users.get returned no user", "users.get")
        return VkUser.from_json(users[0])

    def groups_admin(self: VkClient) -> list[VkGroup]:
        """Communities the user administers (``groups.get filter=admin extended=1``), all pages."""
        out: list[VkGroup] = []
        offset = 0
        while True:
            resp = self.call(
                "groups.get", filter="admin", extended=1, fields=GROUP_FIELDS, count=1000, offset=offset
            )
            page = _items(resp, "groups.get")
            out.extend(VkGroup.from_json(g) for g in page if "id" in g)
            offset += len(page)
            total = resp.get("count", 0) if isinstance(resp, dict) else 0
            if not page or offset >= total:
                return out

    def group_by_id(self: VkClient, group_id: int) -> VkGroup:
        """One community with its Market info (``groups.getById fields=market``)."""
        resp = self.call("groups.getById", group_id=abs(group_id), fields=GROUP_FIELDS)
        # 5.199 answers {groups: [...], profiles: [...]}; older versions a bare array.
        groups = resp.get("groups") if isinstance(resp, dict) else resp
        if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
            raise BadResponse(None, "groups.getById returned no group", "groups.getById")
        return VkGroup.from_json(groups[0])

    def app_permissions_mask(self: VkClient) -> int:
        """Raw permission bitmask of the token (``account.getAppPermissions``)."""
        resp = self.call("account.getAppPermissions")
        try:
            return int(resp)
        except (TypeError, ValueError):
            raise BadResponse(
                None, "account.getAppPermissions: not a number", "account.getAppPermissions"
            ) from None

    def app_permissions(self: VkClient) -> frozenset[str]:
        """Scope names granted to the token (decoded bitmask, e.g. ``{"market", "photos", "groups"}``)."""
        return decode_scopes(self.app_permissions_mask())

    def market_get(
        self: VkClient,
        owner_id: int,
        with_disabled: bool = True,
        count: int = 200,
        offset: int = 0,
        extended: bool = True,
    ) -> Iterator[MarketItem]:
        """Every item of the community from ``offset`` on, hidden ones included, ``count`` per request.

        Extended by default: VK sends an item's album membership (``albums_ids``) only in the extended object.
        """
        while True:
            resp = self.send(P.market_get(owner_id, count, offset, with_disabled, extended))
            page = _items(resp, "market.get")
            yield from (MarketItem.from_json(x) for x in page if "id" in x)
            offset += len(page)
            total = resp.get("count", 0) if isinstance(resp, dict) else 0
            if not page or offset >= total:
                return

    def market_add(
        self: VkClient,
        owner_id: int,
        name: str,
        description: str,
        category_id: int,
        price: Decimal | int | None = None,
        **fields: Any,
    ) -> int:
        """Create an item; returns its ``market_item_id``."""
        resp = self.send(P.market_add(owner_id, name, description, category_id, price, **fields))
        try:
            return int(resp["market_item_id"])
        except (TypeError, KeyError, ValueError):
            raise BadResponse(None, "market.add: no market_item_id", "market.add") from None

    def market_edit(self: VkClient, owner_id: int, item_id: int, **fields: Any) -> bool:
        """Change an item's fields (``deleted=True`` hides it)."""
        return _ok(self.send(P.market_edit(owner_id, item_id, **fields)))

    def market_delete(self: VkClient, owner_id: int, item_id: int) -> bool:
        """Delete an item."""
        return _ok(self.send(P.market_delete(owner_id, item_id)))

    def market_get_albums(self: VkClient, owner_id: int) -> list[MarketAlbum]:
        """All albums of the community."""
        out: list[MarketAlbum] = []
        offset = 0
        while True:
            resp = self.send(P.market_get_albums(owner_id, 100, offset))
            page = _items(resp, "market.getAlbums")
            out.extend(MarketAlbum.from_json(a) for a in page if "id" in a)
            offset += len(page)
            total = resp.get("count", 0) if isinstance(resp, dict) else 0
            if not page or offset >= total:
                return out

    def market_add_album(
        self: VkClient,
        owner_id: int,
        title: str,
        main_album: bool | None = None,
        is_hidden: bool | None = None,
    ) -> int:
        """Create an album; returns its ``market_album_id``."""
        resp = self.send(P.market_add_album(owner_id, title, main_album, is_hidden))
        try:
            return int(resp["market_album_id"])
        except (TypeError, KeyError, ValueError):
            raise BadResponse(None, "market.addAlbum: no market_album_id", "market.addAlbum") from None

    def market_add_to_album(
        self: VkClient, owner_id: int, item_ids: Iterable[int], album_ids: Iterable[int]
    ) -> bool:
        """Add items to albums."""
        return _ok(self.send(P.market_add_to_album(owner_id, item_ids, album_ids)))

    def market_remove_from_album(
        self: VkClient, owner_id: int, item_id: int, album_ids: Iterable[int]
    ) -> bool:
        """Remove an item from albums."""
        return _ok(self.send(P.market_remove_from_album(owner_id, item_id, album_ids)))

    def market_get_categories(self: VkClient, group_id: int | None = None) -> list[MarketCategory]:
        """The Market category tree (top-level nodes; use ``.walk()`` to flatten)."""
        resp = self.send(P.market_get_categories(group_id))
        return [MarketCategory.from_json(c) for c in _items(resp, "market.getCategories") if "id" in c]

    def upload_product_photo(
        self: VkClient,
        group_id: int,
        image: bytes,
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
    ) -> UploadedPhoto:
        """Upload a Market main photo; see ``upload.upload_product_photo``."""
        from .upload import upload_product_photo

        return upload_product_photo(self, group_id, image, filename, content_type)


def _ok(resp: Any) -> bool:
    """VK's ``1`` / ``true`` success answers."""
    return resp in (1, True) or resp == {"success": 1}
