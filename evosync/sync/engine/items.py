"""Pure Evotor → VK item mapping (docs/sync.md, «Items»): no Flask, no database, only dataclasses in and out.

``build_item`` turns one cached Evotor product into the fields EvoSync sends to ``market.add``/``edit``,
or a ``Skip`` with a stable code and a Russian reason. ``VkItem.content_hash`` is what makes an unchanged
product cost no write call: the planner compares it with the hash stored when the item was last written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

NAME_MIN, NAME_MAX = 4, 100
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000
PRICE_MAX = Decimal("999999999999")
STOCK_MAX = 999999
SKU_MAX = 50
ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CENT = Decimal("0.01")

SKIP_PRICE_ZERO = "price_zero"
SKIP_NOT_FOR_SALE = "not_for_sale"
SKIP_NO_NAME = "no_name"
SKIP_BAD_PRICE = "bad_price"
SKIP_BAD_SKU = "bad_sku"
SKIP_NO_CATEGORY = "no_category"
SKIP_REASONS_RU = {
    SKIP_PRICE_ZERO: "Цена 0 ₽ — VK не примет товар без цены. Укажите цену в Эвоторе.",
    SKIP_NOT_FOR_SALE: "В Эвоторе запрещена продажа товара (allow_to_sell = нет).",
    SKIP_NO_NAME: "У товара нет названия.",
    SKIP_BAD_PRICE: "Цена вне допустимых для VK пределов.",
    SKIP_BAD_SKU: "Идентификатор товара Эвотора длиннее 50 символов — VK не примет такой артикул.",
    SKIP_NO_CATEGORY: "Не выбрана категория товаров VK.",
}


@dataclass(frozen=True, slots=True)
class SourceProduct:
    """What the mapping needs of one cached Evotor product."""

    id: str
    store_id: str
    name: str
    price: Decimal
    group_id: str | None = None
    group_name: str | None = None
    quantity: Decimal | None = None
    measure_name: str | None = None
    allow_to_sell: bool = True
    description: str | None = None
    has_image: bool | None = False  # None: Evotor's listing did not say; ask for the image when writing


@dataclass(frozen=True, slots=True)
class ItemSettings:
    """The user's mapping settings (from ``SyncSettings``)."""

    category_id: int | None
    price_multiplier: Decimal = Decimal("1.00")
    send_stock: bool = True


@dataclass(frozen=True, slots=True)
class VkItem:
    """The VK item EvoSync wants for one product: ``fields`` are market.add/edit params (no photo)."""

    sku: str
    fields: dict = field(hash=False)
    album_key: str | None  # Evotor group id whose album holds the item; None = no album
    photo_source: str  # "evotor" (own image), "placeholder", or "auto" (look for an image when writing)

    @property
    def content_hash(self) -> str:
        """Digest of everything written for the item (computed on demand: planning compares fields)."""
        return content_hash(self.fields, self.album_key, self.photo_source)

    @property
    def name(self) -> str:
        """The item's VK name."""
        return self.fields["name"]


@dataclass(frozen=True, slots=True)
class Skip:
    """A product in the selection that cannot go to VK, with a stable code and a Russian reason."""

    sku: str
    code: str
    reason_ru: str


def _clean(text: str | None) -> str:
    """Collapse whitespace, drop NUL and control characters."""
    if not text:
        return ""
    if text.isprintable() and "  " not in text:
        return text.strip()  # the common case, without regex work
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


@lru_cache(maxsize=4096)
def _clean_short(text: str | None) -> str:
    """``_clean`` for the few distinct group names and units (cached)."""
    return _clean(text)


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, ending in «…» when something was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def item_name(name: str, group_name: str | None = None, unit: str | None = None) -> str:
    """A VK name of 4–100 characters: short names get the group name or unit appended, long ones «…»."""
    name = _clean(name)
    if len(name) < NAME_MIN:
        for extra in (_clean_short(group_name), _clean_short(unit)):
            if extra and extra.casefold() != name.casefold():
                name = f"{name} ({extra})" if name else extra
                if len(name) >= NAME_MIN:
                    break
        if len(name) < NAME_MIN:
            name = f"Товар {name}".strip()
    return cut(name, NAME_MAX)


def format_price(price: Decimal) -> str:
    """``1 234,50`` — a Russian-style price for generated descriptions."""
    whole, _, frac = f"{price:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return grouped if frac == "00" else f"{grouped},{frac}"


def item_description(description: str | None, name: str, price: Decimal, unit: str | None = None) -> str:
    """Evotor's description when it is long enough, else one generated from name, price and unit."""
    text = _clean(description)
    if len(text) < DESCRIPTION_MIN:
        per = f" за {_clean_short(unit)}" if _clean_short(unit) else ""
        generated = f"{name}. Цена: {format_price(price)} ₽{per}."
        text = f"{generated} {text}".strip() if text else generated
    if len(text) < DESCRIPTION_MIN:  # pragma: no cover - the generated text is always longer
        text = text.ljust(DESCRIPTION_MIN, ".")
    return cut(text, DESCRIPTION_MAX)


def vk_price(price: Decimal, multiplier: Decimal) -> Decimal:
    """Evotor price × the user's multiplier, rounded to kopecks."""
    return (Decimal(price) * Decimal(multiplier)).quantize(_CENT, rounding=ROUND_HALF_UP)


def vk_stock(quantity: Decimal | None) -> int | None:
    """Evotor quantity as VK ``stock_amount`` (whole units, 0…999999), None when unknown."""
    if quantity is None:
        return None
    try:
        whole = int(Decimal(quantity).to_integral_value(rounding=ROUND_DOWN))
    except (InvalidOperation, ValueError):
        return None
    return max(0, min(whole, STOCK_MAX))


def content_hash(fields: dict, album_key: str | None, photo_source: str) -> str:
    """A stable digest of everything EvoSync writes for an item."""
    blob = json.dumps([fields, album_key, photo_source], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def build_item(product: SourceProduct, settings: ItemSettings) -> VkItem | Skip:
    """Map one Evotor product to its VK item, or say why it is skipped."""
    sku = product.id
    if not sku or len(sku) > SKU_MAX:
        return _skip(sku, SKIP_BAD_SKU)
    if not product.allow_to_sell:
        return _skip(sku, SKIP_NOT_FOR_SALE)
    if not _clean(product.name):
        return _skip(sku, SKIP_NO_NAME)
    try:
        price = vk_price(product.price, settings.price_multiplier)
    except (InvalidOperation, TypeError):
        return _skip(sku, SKIP_BAD_PRICE)
    if price <= 0:
        return _skip(sku, SKIP_PRICE_ZERO if price == 0 else SKIP_BAD_PRICE)
    if price > PRICE_MAX:
        return _skip(sku, SKIP_BAD_PRICE)
    if settings.category_id is None:
        return _skip(sku, SKIP_NO_CATEGORY)
    name = item_name(product.name, product.group_name, product.measure_name)
    fields: dict = {
        "name": name,
        "description": item_description(product.description, name, price, product.measure_name),
        "category_id": int(settings.category_id),
        "price": format(price, "f"),
        "sku": sku,
    }
    if settings.send_stock:
        stock = vk_stock(product.quantity)
        if stock is not None:
            fields["stock_amount"] = stock
    photo_source = {True: "evotor", False: "placeholder"}.get(product.has_image, "auto")
    album_key = product.group_id if product.group_name is not None else None
    return VkItem(sku, fields, album_key, photo_source)


def _skip(sku: str, code: str) -> Skip:
    return Skip(sku, code, SKIP_REASONS_RU[code])
