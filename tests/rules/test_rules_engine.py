"""The filter semantics (docs/filters.md): the worked examples, reasons per failing level, inheritance and edge cases."""

from __future__ import annotations

import pytest

from evosync.rules import Counts, GroupNode, ProductNode, Rule, StoreNode, evaluate, modes

STORES = [StoreNode("s1", "Центральный"), StoreNode("s2", "Заречный")]
GROUPS = [
    GroupNode("A", "s1", "Напитки"),
    GroupNode("B", "s1", "Табак"),
    GroupNode("B1", "s1", "Сигареты", parent_id="B"),
    GroupNode("C", "s2", "Хлеб"),
    GroupNode("C1", "s2", "Батоны", parent_id="C"),
]
PRODUCTS = [
    ProductNode("a1", "s1", "A", "Вода"),
    ProductNode("b1", "s1", "B1", "Мальборо"),
    ProductNode("r", "s1", None, "Пакет"),
    ProductNode("c1", "s2", "C1", "Нарезной"),
    ProductNode("s2r", "s2", None, "Спички"),
]
ALL_GROUPS = {"A", "B", "B1", "C", "C1"}


def run(*rules: Rule):
    """Evaluate the worked-example catalog."""
    return evaluate(STORES, GROUPS, PRODUCTS, rules)


def store(entity_id, mode):
    return Rule("store", entity_id, mode)


def group(entity_id, mode):
    return Rule("group", entity_id, mode)


def product(entity_id, mode):
    return Rule("product", entity_id, mode)


OK, INC = "ok", "included"
SX, SN, GX, GN, PX, PN = (
    "store_excluded",
    "store_not_included",
    "group_excluded",
    "group_not_included",
    "product_excluded",
    "product_not_included",
)

# (rules, synced stores, synced groups, product codes a1, b1, r, c1, s2r) — one row per line of the worked examples in docs/filters.md.
WORKED = {
    "none": ((), {"s1", "s2"}, ALL_GROUPS, (OK, OK, OK, OK, OK)),
    "store include S1": ((store("s1", "include"),), {"s1"}, {"A", "B", "B1"}, (OK, OK, OK, SN, SN)),
    "store exclude S2": ((store("s2", "exclude"),), {"s1"}, {"A", "B", "B1"}, (OK, OK, OK, SX, SX)),
    "group include A": ((group("A", "include"),), {"s1", "s2"}, {"A"}, (OK, GN, GN, GN, GN)),
    "group include B": ((group("B", "include"),), {"s1", "s2"}, {"B", "B1"}, (GN, OK, GN, GN, GN)),
    "group exclude B": ((group("B", "exclude"),), {"s1", "s2"}, {"A", "C", "C1"}, (OK, GX, OK, OK, OK)),
    "group include B, exclude B1": (
        (group("B", "include"), group("B1", "exclude")),
        {"s1", "s2"},
        {"B"},
        (GN, GX, GN, GN, GN),
    ),
    "product include a1": ((product("a1", "include"),), {"s1", "s2"}, ALL_GROUPS, (INC, PN, PN, PN, PN)),
    "product exclude r": ((product("r", "exclude"),), {"s1", "s2"}, ALL_GROUPS, (OK, OK, PX, OK, OK)),
    "store exclude S1, product include a1": (
        (store("s1", "exclude"), product("a1", "include")),
        {"s2"},
        {"C", "C1"},
        (SX, SX, SX, PN, PN),
    ),
}


@pytest.mark.parametrize(("rules", "stores", "groups", "codes"), WORKED.values(), ids=WORKED.keys())
def test_worked_examples(rules, stores, groups, codes):
    result = run(*rules)
    expected_products = {p.id for p, code in zip(PRODUCTS, codes, strict=True) if code in (OK, INC)}
    assert set(result.synced_product_ids()) == expected_products
    assert set(result.synced_store_ids()) == stores
    assert set(result.synced_group_ids()) == groups
    assert tuple(result.product(p.id).code for p in PRODUCTS) == codes


def test_no_rules_reads_synchronised_everywhere():
    result = run()
    assert {
        d.reason for d in [*result.stores.values(), *result.groups.values(), *result.products.values()]
    } == {"синхронизируется"}


def test_excluded_store_reason_names_the_store_on_its_groups_and_products():
    result = run(store("s1", "exclude"))
    assert result.store("s1").reason == "исключён: магазин исключён"
    assert result.group("B1").reason == "исключена: магазин «Центральный» исключён"
    assert result.product("a1").reason == "исключён: магазин «Центральный» исключён"
    assert result.product("a1").source_id == "s1"


def test_excluded_group_reason_names_the_group_holding_the_rule():
    result = run(group("B", "exclude"))
    assert result.group("B").reason == "исключена: группа исключена"
    assert result.group("B1").reason == "исключена: группа «Табак» исключена"
    assert result.product("b1").reason == "исключён: группа «Табак» исключена"
    assert result.product("b1").source_id == "B"


def test_excluded_product_reason():
    assert run(product("r", "exclude")).product("r").reason == "исключён: товар исключён"


@pytest.mark.parametrize(
    ("rules", "row", "reason"),
    [
        ((store("s1", "include"),), ("product", "c1"), "не выбран: включены только отдельные магазины"),
        ((store("s1", "include"),), ("store", "s2"), "не выбран: включены только отдельные магазины"),
        ((store("s1", "include"),), ("group", "C"), "не выбрана: включены только отдельные магазины"),
        ((group("A", "include"),), ("product", "r"), "не выбран: включены только отдельные группы"),
        ((group("A", "include"),), ("group", "B1"), "не выбрана: включены только отдельные группы"),
        ((product("a1", "include"),), ("product", "b1"), "не выбран: включены только отдельные товары"),
        ((store("s1", "include"),), ("store", "s1"), "включён"),
        ((group("B", "include"),), ("group", "B"), "включена"),
        ((group("B", "include"),), ("group", "B1"), "синхронизируется"),
        ((product("a1", "include"),), ("product", "a1"), "включён"),
    ],
)
def test_not_included_and_included_reasons(rules, row, reason):
    result = run(*rules)
    kind, entity_id = row
    assert getattr(result, kind)(entity_id).reason == reason


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ((store("s1", "exclude"), group("B", "exclude"), product("b1", "exclude")), SX),
        (
            (store("s1", "include"), store("s2", "include"), group("B", "exclude"), product("b1", "exclude")),
            GX,
        ),
        ((group("B", "exclude"), product("b1", "include")), GX),
        ((group("B1", "include"), product("b1", "exclude")), PX),
        ((store("s2", "include"), group("B", "include")), SN),
    ],
)
def test_highest_failing_level_decides_the_reason(rules, code):
    assert run(*rules).product("b1").code == code


def test_nested_inheritance_nearest_rule_wins():
    chain = [GroupNode(f"g{i}", "s1", f"Уровень {i}", parent_id=f"g{i - 1}" if i else None) for i in range(6)]
    products = [ProductNode(f"p{i}", "s1", f"g{i}") for i in range(6)]
    rules = [group("g0", "include"), group("g2", "exclude"), group("g4", "include")]
    result = evaluate(STORES, chain, products, rules)
    assert [result.product(f"p{i}").syncs for i in range(6)] == [True, True, False, False, True, True]
    assert result.group("g3").reason == "исключена: группа «Уровень 2» исключена"
    assert result.group("g5").source_id == "g4"


def test_group_counts_include_descendants():
    result = run(group("B1", "exclude"))
    assert result.counts_for_group("B") == Counts(total=1, synced=0)
    assert result.counts_for_group("A") == Counts(total=1, synced=1)
    assert result.counts_for_store("s1") == Counts(total=3, synced=2)
    assert result.counts_for_store("s2") == Counts(total=2, synced=2)
    assert result.counts_for_group("C") == Counts(total=1, synced=1)


@pytest.mark.parametrize(
    ("rules", "syncs", "code"),
    [
        ((), True, OK),
        ((group("B", "exclude"),), True, OK),
        ((group("A", "include"),), False, GN),
        # A rule naming the vanished group itself does not bring it back: it is «no known group».
        ((group("ghost", "include"),), False, GN),
        ((group("ghost", "exclude"),), True, OK),
    ],
)
def test_product_whose_group_is_unknown(rules, syncs, code):
    orphan = ProductNode("o1", "s1", "ghost", "Сирота")
    decision = evaluate(STORES, GROUPS, [*PRODUCTS, orphan], rules).product("o1")
    assert (decision.syncs, decision.code) == (syncs, code)


@pytest.mark.timeout(10)
def test_parent_cycles_end_the_ancestor_chain():
    groups = [
        GroupNode("x", "s1", "Икс", parent_id="y"),
        GroupNode("y", "s1", "Игрек", parent_id="x"),
        GroupNode("z", "s1", "Зет", parent_id="z"),
        GroupNode("w", "s1", "Дабл", parent_id="x"),
    ]
    products = [ProductNode("px", "s1", "x"), ProductNode("pw", "s1", "w"), ProductNode("pz", "s1", "z")]
    result = evaluate(STORES, groups, products, [group("y", "exclude")])
    assert result.group("x").reason == "исключена: группа «Игрек» исключена"
    assert not result.product("pw").syncs
    assert result.product("pz").syncs
    assert result.counts_for_group("y") == Counts(total=2, synced=0)
    assert evaluate(STORES, groups, products, [group("z", "include")]).synced_product_ids() == ["pz"]


def test_product_of_unknown_store_follows_store_rules_by_id():
    stray = ProductNode("q", "s9", None)
    assert evaluate(STORES, GROUPS, [stray], []).product("q").syncs
    assert evaluate(STORES, GROUPS, [stray], [store("s1", "include")]).product("q").code == SN
    excluded = evaluate(STORES, GROUPS, [stray], [Rule("store", "s9", "exclude", "Старый")]).product("q")
    assert excluded.reason == "исключён: магазин «Старый» исключён"


def test_modes_per_type():
    assert modes([]) == {"store": "all", "group": "all", "product": "all"}
    assert modes([group("A", "exclude"), group("B", "include"), product("r", "exclude")]) == {
        "store": "all",
        "group": "include",
        "product": "exclude",
    }


@pytest.mark.parametrize("order", [("include", "exclude"), ("exclude", "include")])
def test_conflicting_duplicate_rules_exclusion_wins(order):
    result = run(*(product("a1", mode) for mode in order))
    assert result.product("a1").code == PX


@pytest.mark.parametrize("bad", [("shop", "s1", "include"), ("store", "s1", "clear")])
def test_rule_rejects_unknown_type_or_mode(bad):
    with pytest.raises(ValueError, match="unknown"):
        Rule(*bad)


def test_unknown_row_raises_key_error_and_unknown_counts_are_zero():
    result = run()
    with pytest.raises(KeyError):
        result.product("nope")
    assert result.counts_for_group("nope") == Counts(0, 0)
