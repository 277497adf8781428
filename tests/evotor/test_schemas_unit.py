"""Tolerant parsing of Evotor v2 objects (shapes from evotor-api.md §3 and §10)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from evosync.evotor.schemas import Product, ProductGroup, Store, parse_timestamp

STORE = "20240115-3A7C-4B2E-80D1-6F2A9C4E1B01"


def load(text: str):
    """Decode JSON the way the client does (Decimal numbers)."""
    return json.loads(text, parse_float=Decimal)


def test_full_product():
    p = Product.from_json(
        load("""{"id": "c1", "type": "NORMAL", "name": "Морс клюквенный 0,5 л",
        "parent_id": "g2", "price": 149.9, "cost_price": 62.35, "quantity": 1.255, "measure_name": "кг",
        "tax": "VAT_18", "allow_to_sell": true, "description": "Без сахара", "article_number": "MRS-050",
        "code": "101", "barcodes": ["4601234567893", "2000000001012"], "attributes_choices": {},
        "store_id": "S", "updated_at": "2024-05-14T09:12:33.512+0000"}"""),
        STORE,
    )
    assert p.price == Decimal("149.9") and p.quantity == Decimal("1.255")
    assert (p.group_id, p.store_id, p.measure_name, p.tax) == ("g2", "S", "кг", "VAT_18")
    assert p.barcodes == ("4601234567893", "2000000001012")
    assert (p.type, p.article_number) == ("NORMAL", "MRS-050")
    assert p.updated_at == datetime(2024, 5, 14, 9, 12, 33, 512000, tzinfo=UTC)


def test_minimal_product_and_unknown_enums():
    p = Product.from_json(
        load(
            '{"id": "c9", "name": "Минимальный товар", "price": 10, '
            '"type": "MEDICINE_MARKED", "tax": "VAT_20"}'
        ),
        STORE,
    )
    assert (p.type, p.tax) == ("MEDICINE_MARKED", "VAT_20")
    assert p.quantity is None and p.parent_id is None and p.description is None
    assert p.allow_to_sell is True and p.barcodes == () and p.store_id == STORE
    assert p.price == Decimal(10) and p.has_image is None


def test_zero_price_negative_stock_and_not_for_sale_are_kept():
    p = Product.from_json({"id": "x", "name": "n", "price": 0, "quantity": -3, "allow_to_sell": False}, STORE)
    assert p.price == 0 and p.quantity == -3 and p.allow_to_sell is False


def test_store_and_groups():
    s = Store.from_json({"id": STORE, "name": "Склад №2"})
    assert s.address is None
    root = ProductGroup.from_json({"id": "g1", "name": "Напитки"}, STORE)
    child = ProductGroup.from_json(
        {
            "id": "g2",
            "name": "Соки",
            "parent_id": "g1",
            "attributes": [{"id": "a", "name": "Цвет", "choices": []}],
        },
        STORE,
    )
    assert root.parent_id is None and child.parent_id == "g1" and child.is_modification_group


def test_timestamps():
    assert parse_timestamp("2024-01-20T10:00:00.000Z") == datetime(2024, 1, 20, 10, tzinfo=UTC)
    assert parse_timestamp("garbage") is None and parse_timestamp(None) is None


def test_excise_types_and_blank_article_are_parsed():
    beer = Product.from_json(
        {"id": "b", "name": "Пиво", "type": "BEER_MARKED_KEG", "article_number": ""}, STORE
    )
    assert beer.type == "BEER_MARKED_KEG" and beer.article_number is None
