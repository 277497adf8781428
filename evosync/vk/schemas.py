"""Dataclasses for the VK objects EvoSync reads, parsed tolerantly (missing fields → None/defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Legacy permission bits (vk-api.md §1c), used to decode account.getAppPermissions.
SCOPE_BITS: dict[str, int] = {
    "photos": 4,
    "wall": 8192,
    "offline": 65536,
    "docs": 131072,
    "groups": 262144,
    "stats": 1048576,
    "email": 4194304,
    "market": 134217728,
}


def decode_scopes(mask: int) -> frozenset[str]:
    """Scope names whose bit is set in ``mask``."""
    return frozenset(name for name, bit in SCOPE_BITS.items() if mask & bit)


def _int(value: Any) -> int | None:
    """``int(value)`` or None."""
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _flag(value: Any) -> bool:
    """VK's 0/1 (or true/false) flags as bool."""
    return bool(_int(value)) if not isinstance(value, bool) else value


@dataclass(frozen=True, slots=True)
class VkUser:
    """The user a token belongs to (``users.get``)."""

    id: int
    first_name: str = ""
    last_name: str = ""
    screen_name: str | None = None
    photo_100: str | None = None

    @property
    def full_name(self) -> str:
        """First and last name joined."""
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VkUser:
        """Parse a user object."""
        return cls(
            int(d["id"]),
            str(d.get("first_name") or ""),
            str(d.get("last_name") or ""),
            d.get("screen_name"),
            d.get("photo_100"),
        )


@dataclass(frozen=True, slots=True)
class VkGroup:
    """A community; ``market_enabled`` is None when the answer did not include market info."""

    id: int
    name: str
    screen_name: str | None = None
    is_admin: bool = False
    admin_level: int | None = None
    photo_100: str | None = None
    market_enabled: bool | None = None
    market_type: str | None = None
    main_album_id: int | None = None

    @property
    def owner_id(self) -> int:
        """The negative id market methods take for this community."""
        return -abs(self.id)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VkGroup:
        """Parse a group object (``groups.get`` extended / ``groups.getById``)."""
        market = d.get("market") if isinstance(d.get("market"), dict) else None
        return cls(
            id=abs(int(d["id"])),
            name=str(d.get("name") or ""),
            screen_name=d.get("screen_name"),
            is_admin=_flag(d.get("is_admin")),
            admin_level=_int(d.get("admin_level")),
            photo_100=d.get("photo_100"),
            market_enabled=_flag(market.get("enabled")) if market is not None else None,
            market_type=market.get("type") if market else None,
            main_album_id=_int(market.get("main_album_id")) if market else None,
        )


@dataclass(frozen=True, slots=True)
class MarketItem:
    """An item of a community's Market (``market.get`` with ``with_disabled``)."""

    id: int
    owner_id: int
    title: str
    description: str = ""
    price_amount: int | None = None  # VK's ``price.amount``: minor units (kopecks), sent as a string
    currency: str | None = None
    availability: int = 0  # 0 available, 1 removed, 2 unavailable (hidden)
    category_id: int | None = None
    sku: str | None = None
    stock_amount: int | None = None
    thumb_photo: str | None = None
    album_ids: tuple[int, ...] = ()
    date: int | None = None  # creation time, unix seconds

    @property
    def price(self) -> Decimal | None:
        """Price in roubles, from the kopeck amount."""
        return None if self.price_amount is None else Decimal(self.price_amount) / 100

    @property
    def hidden(self) -> bool:
        """True when the item is not for sale (removed or unavailable)."""
        return self.availability != 0

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarketItem:
        """Parse a ``market_market_item``."""
        price = d.get("price") if isinstance(d.get("price"), dict) else {}
        currency = price.get("currency")
        category = d.get("category") if isinstance(d.get("category"), dict) else {}
        try:
            amount = int(Decimal(str(price["amount"]))) if price.get("amount") not in (None, "") else None
        except (InvalidOperation, ValueError):
            amount = None
        albums = d.get("albums_ids") or d.get("album_ids") or ()
        return cls(
            id=int(d["id"]),
            owner_id=int(d.get("owner_id") or 0),
            title=str(d.get("title") or ""),
            description=str(d.get("description") or ""),
            price_amount=amount,
            currency=currency.get("name") if isinstance(currency, dict) else None,
            availability=_int(d.get("availability")) or 0,
            category_id=_int(category.get("id")),
            sku=None if d.get("sku") in (None, "") else str(d["sku"]),
            stock_amount=_int(d.get("stock_amount")),
            thumb_photo=d.get("thumb_photo"),
            album_ids=tuple(i for i in (_int(a) for a in albums) if i is not None),
            date=_int(d.get("date")),
        )


@dataclass(frozen=True, slots=True)
class MarketAlbum:
    """A Market album (подборка)."""

    id: int
    owner_id: int
    title: str
    count: int = 0
    is_main: bool = False
    is_hidden: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarketAlbum:
        """Parse a ``market_market_album``."""
        return cls(
            int(d["id"]),
            int(d.get("owner_id") or 0),
            str(d.get("title") or ""),
            _int(d.get("count")) or 0,
            _flag(d.get("is_main")),
            _flag(d.get("is_hidden")),
        )


@dataclass(frozen=True, slots=True)
class MarketCategory:
    """A node of the Market category tree."""

    id: int
    name: str
    children: tuple[MarketCategory, ...] = field(default=())

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarketCategory:
        """Parse a ``market_market_category_tree`` node (or an old flat category)."""
        kids = d.get("children") if isinstance(d.get("children"), list) else []
        return cls(
            int(d["id"]),
            str(d.get("name") or d.get("title") or ""),
            tuple(cls.from_json(k) for k in kids if isinstance(k, dict) and "id" in k),
        )

    def walk(self) -> list[MarketCategory]:
        """This node and all its descendants, depth first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True, slots=True)
class UploadedPhoto:
    """A Market photo ready for ``main_photo_id``."""

    id: int
    owner_id: int | None = None
