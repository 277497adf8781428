"""Dataclasses for what the Evotor v2 API returns, parsed tolerantly.

Evotor never sends ``null``: an unset optional field is simply absent (evotor-api.md §3), so every optional
field here defaults to None/empty. ``type`` and ``tax`` are open enums: unknown values are kept as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

KNOWN_PRODUCT_TYPES = frozenset(
    {
        "NORMAL",
        "SERVICE",
        "ALCOHOL_NOT_MARKED",
        "ALCOHOL_MARKED",
        "BEER_MARKED",
        "BEER_MARKED_KEG",
        "TOBACCO_MARKED",
        "TOBACCO_PRODUCTS_MARKED",
    }
)
KNOWN_TAXES = frozenset({"NO_VAT", "VAT_0", "VAT_10", "VAT_10_110", "VAT_18", "VAT_18_118"})


def parse_timestamp(value: Any) -> datetime | None:
    """Parse Evotor's ``2024-01-20T10:00:00.000+0000`` (or ``…Z``) into an aware datetime, else None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        # Evotor writes the offset without a colon, which fromisoformat only accepts from 3.11 on some forms.
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_decimal(value: Any) -> Decimal | None:
    """Return ``value`` as a Decimal (numbers arrive as Decimal/int when JSON is parsed with parse_float)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _str(value: Any) -> str | None:
    """Return a non-empty string form of ``value`` or None."""
    if value is None or value == "":
        return None
    return str(value)


def _str_list(value: Any) -> tuple[str, ...]:
    """Return a tuple of strings from a JSON array (anything else → empty)."""
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v is not None and v != "")


@dataclass(frozen=True, slots=True)
class Store:
    """A merchant's store (магазин)."""

    id: str
    name: str
    address: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Store:
        """Parse one item of ``GET /stores``."""
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            address=_str(data.get("address")),
            updated_at=parse_timestamp(data.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class ProductGroup:
    """A product group; ``parent_id`` is None at the root; modification groups carry ``attributes``."""

    id: str
    store_id: str
    name: str
    parent_id: str | None = None
    is_modification_group: bool = False
    barcodes: tuple[str, ...] = ()
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any], store_id: str) -> ProductGroup:
        """Parse one item of ``GET /stores/{id}/product-groups``."""
        return cls(
            id=str(data["id"]),
            store_id=str(data.get("store_id") or store_id),
            name=str(data.get("name") or ""),
            parent_id=_str(data.get("parent_id")),
            is_modification_group=bool(data.get("attributes")),
            barcodes=_str_list(data.get("barcodes")),
            updated_at=parse_timestamp(data.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class Product:
    """A product (or modification) of a store.

    ``quantity`` is None when Evotor did not send it (services, or no stock scope); ``has_image`` is None when
    the listing does not say, so the caller must ask ``product_image``.
    """

    id: str
    store_id: str
    name: str
    parent_id: str | None = None
    type: str = "NORMAL"
    price: Decimal = Decimal(0)
    cost_price: Decimal | None = None
    quantity: Decimal | None = None
    measure_name: str | None = None
    tax: str | None = None
    allow_to_sell: bool = True
    description: str | None = None
    article_number: str | None = None
    code: str | None = None
    barcodes: tuple[str, ...] = ()
    attributes_choices: dict[str, str] = field(default_factory=dict)
    has_image: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def group_id(self) -> str | None:
        """The group (``parent_id``) the product sits in; None at the catalogue root."""
        return self.parent_id

    @classmethod
    def from_json(cls, data: dict[str, Any], store_id: str) -> Product:
        """Parse one item of ``GET /stores/{id}/products``."""
        images = data.get("images")
        has_image: bool | None = None
        if isinstance(images, list):
            has_image = bool(images)
        elif isinstance(data.get("has_image"), bool):
            has_image = data["has_image"]
        choices = data.get("attributes_choices")
        if not isinstance(choices, dict):
            choices = {}
        allow = data.get("allow_to_sell")
        return cls(
            id=str(data["id"]),
            store_id=str(data.get("store_id") or store_id),
            name=str(data.get("name") or ""),
            parent_id=_str(data.get("parent_id")),
            type=str(data.get("type") or "NORMAL"),
            price=parse_decimal(data.get("price")) or Decimal(0),
            cost_price=parse_decimal(data.get("cost_price")),
            quantity=parse_decimal(data.get("quantity")),
            measure_name=_str(data.get("measure_name")),
            tax=_str(data.get("tax")),
            # Absent means "not forbidden": Evotor omits unset fields and sale is the default.
            allow_to_sell=allow if isinstance(allow, bool) else True,
            description=_str(data.get("description")),
            article_number=_str(data.get("article_number")),
            code=_str(data.get("code")),
            barcodes=_str_list(data.get("barcodes")),
            attributes_choices={str(k): str(v) for k, v in choices.items()},
            has_image=has_image,
            created_at=parse_timestamp(data.get("created_at")),
            updated_at=parse_timestamp(data.get("updated_at")),
        )
