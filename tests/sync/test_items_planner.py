"""Pure tests of the Evotor → VK item mapping and the planner (no app, no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from evosync.sync.engine import items as I
from evosync.sync.engine.planner import ACTIVE, HIDDEN, Mapped, album_titles, make_plan

SETTINGS = I.ItemSettings(category_id=1, price_multiplier=Decimal("1.00"), send_stock=True)


def product(pid: str = "p1", **kw) -> I.SourceProduct:
    base = {
        "store_id": "s1",
        "name": "Капучино большой",
        "price": Decimal("150"),
        "group_id": "g1",
        "group_name": "Кофе",
        "quantity": Decimal("5"),
        "measure_name": "шт",
    }
    return I.SourceProduct(pid, **{**base, **kw})


def test_short_name_gets_group_name_then_unit():
    assert I.item_name("Чай", "Напитки", "шт") == "Чай (Напитки)"
    assert I.item_name("Ч", None, "кг") == "Ч (кг)"
    assert len(I.item_name("Я", None, None)) >= 4


def test_long_name_is_cut_with_ellipsis():
    name = I.item_name("А" * 128)
    assert len(name) == 100 and name.endswith("…")


def test_description_from_evotor_or_generated():
    assert (
        I.item_description("Свежая выпечка каждый день", "Булка", Decimal(10)) == "Свежая выпечка каждый день"
    )
    generated = I.item_description(None, "Булочка с маком", Decimal("45.5"), "шт")
    assert generated == "Булочка с маком. Цена: 45,50 ₽ за шт."


def test_price_multiplier_and_stock():
    item = I.build_item(
        product(price=Decimal("99.99"), quantity=Decimal("2.7")),
        I.ItemSettings(category_id=7, price_multiplier=Decimal("1.10")),
    )
    assert item.fields["price"] == "109.99"
    assert item.fields["stock_amount"] == 2
    assert item.fields["category_id"] == 7
    assert item.fields["sku"] == "p1"
    no_stock = I.build_item(product(quantity=None), SETTINGS)
    assert "stock_amount" not in no_stock.fields
    off = I.build_item(product(), I.ItemSettings(category_id=1, send_stock=False))
    assert "stock_amount" not in off.fields


def test_skips_with_reasons():
    assert I.build_item(product(price=Decimal(0)), SETTINGS).code == I.SKIP_PRICE_ZERO
    assert I.build_item(product(allow_to_sell=False), SETTINGS).code == I.SKIP_NOT_FOR_SALE
    assert I.build_item(product(name="  "), SETTINGS).code == I.SKIP_NO_NAME
    skip = I.build_item(product(), I.ItemSettings(category_id=None))
    assert skip.code == I.SKIP_NO_CATEGORY and skip.reason_ru


def test_hash_changes_with_content_only():
    a = I.build_item(product(), SETTINGS)
    assert a.content_hash == I.build_item(product(), SETTINGS).content_hash
    assert a.content_hash != I.build_item(product(price=Decimal(151)), SETTINGS).content_hash
    assert a.content_hash != I.build_item(product(has_image=True), SETTINGS).content_hash


@given(
    name=st.text(max_size=300), group=st.none() | st.text(max_size=50), unit=st.none() | st.text(max_size=10)
)
def test_name_always_within_vk_bounds(name, group, unit):
    out = I.item_name(name, group, unit)
    assert 4 <= len(out) <= 100
    assert "\x00" not in out


@given(
    desc=st.none() | st.text(max_size=5000),
    name=st.text(min_size=1, max_size=100),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
)
def test_description_always_within_bounds(desc, name, price):
    out = I.item_description(desc, name, price, "шт")
    assert 10 <= len(out) <= I.DESCRIPTION_MAX


def mapped_for(item: I.VkItem, vk_id: int, state: str = ACTIVE, album_id: int | None = 10) -> Mapped:
    return Mapped(item.sku, vk_id, state, item.content_hash, dict(item.fields), album_id, item.photo_source)


def test_plan_first_sync_then_noop_then_one_edit():
    products = [product(f"p{i}") for i in range(5)] + [product("zero", price=Decimal(0))]
    plan = make_plan(products, SETTINGS, {}, {}, album_title={"g1": "Кофе"})
    assert len(plan.creates) == 5 and plan.albums_needed == {"g1": "Кофе"}
    assert [s.sku for s in plan.skips] == ["zero"]
    mapped = {i.sku: mapped_for(i, n) for n, i in enumerate(plan.creates, 1)}
    again = make_plan(products, SETTINGS, mapped, {"g1": 10})
    assert again.write_calls == 0 and again.unchanged == 5
    products[2] = product("p2", price=Decimal(200))
    changed = make_plan(products, SETTINGS, mapped, {"g1": 10})
    # The generated description names the price, so it changes with it; nothing else is sent.
    assert [(u.item.sku, sorted(u.changes)) for u in changed.updates] == [("p2", ["description", "price"])]
    assert changed.write_calls == 1


def test_plan_leaves_hide_or_delete_and_unhides():
    items = {p.id: I.build_item(p, SETTINGS) for p in (product("a"), product("b"))}
    mapped = {sku: mapped_for(it, n) for n, (sku, it) in enumerate(items.items(), 1)}
    plan = make_plan([product("a")], SETTINGS, mapped, {"g1": 10})
    assert [(x.sku, x.action) for x in plan.leaves] == [("b", "hide")]
    plan = make_plan([product("a")], SETTINGS, mapped, {"g1": 10}, leave_action="delete")
    assert [(x.sku, x.action) for x in plan.leaves] == [("b", "delete")]
    mapped["b"] = mapped_for(items["b"], 2, HIDDEN)
    assert make_plan([product("a")], SETTINGS, mapped, {"g1": 10}).leaves == []
    back = make_plan([product("a"), product("b")], SETTINGS, mapped, {"g1": 10})
    assert [(u.item.sku, u.changes) for u in back.updates] == [("b", {"deleted": False})]


def test_plan_invalid_product_with_item_is_hidden():
    item = I.build_item(product("a"), SETTINGS)
    plan = make_plan([product("a", price=Decimal(0))], SETTINGS, {"a": mapped_for(item, 1)}, {"g1": 10})
    assert plan.leaves[0].reason_ru == I.SKIP_REASONS_RU[I.SKIP_PRICE_ZERO]


def test_plan_album_move_and_missing_item_recreated():
    item = I.build_item(product("a"), SETTINGS)
    plan = make_plan([product("a")], SETTINGS, {"a": mapped_for(item, 1, album_id=None)}, {"g1": 10})
    assert plan.album_adds == [("a", 1, "g1")]
    gone = Mapped("a", None, "missing")
    assert [i.sku for i in make_plan([product("a")], SETTINGS, {"a": gone}, {"g1": 10}).creates] == ["a"]


def test_album_titles_disambiguate_same_names():
    titles = album_titles(
        {"g1": ("Кофе", "s1"), "g2": ("Кофе", "s2"), "g3": ("Чай", "s1")}, {"s1": "Центр", "s2": "Вокзал"}
    )
    assert titles == {"g1": "Кофе — Центр", "g2": "Кофе — Вокзал", "g3": "Чай"}


def test_only_restricts_writes():
    products = [product("a"), product("b")]
    plan = make_plan(products, SETTINGS, {}, {"g1": 10}, only={"b"})
    assert [i.sku for i in plan.creates] == ["b"]
