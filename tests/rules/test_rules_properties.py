"""Property tests: the engine agrees with a naive reference written straight from docs/filters.md."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evosync.rules import GroupNode, ProductNode, Resolver, Rule, StoreNode, evaluate

# --- the naive reference: recursive, slow, one sentence of docs/filters.md at a time -----------------------


def ref_mode(rules, entity_type):
    """No rules → all; any include → include; only excludes → exclude."""
    kinds = {r.mode for r in rules if r.entity_type == entity_type}
    return "all" if not kinds else "include" if "include" in kinds else "exclude"


def ref_own(rules, entity_type, entity_id):
    """The mode of the rule on this entity (rule sets here are unique per entity)."""
    for r in rules:
        if r.entity_type == entity_type and r.entity_id == entity_id:
            return r.mode
    return None


def ref_store_passes(rules, store_id):
    own = ref_own(rules, "store", store_id)
    return own == "include" if own else ref_mode(rules, "store") != "include"


def ref_nearest_rule(rules, groups, group_id, seen=()):
    """A group's own rule, else its nearest ancestor's; a parent seen before ends the chain."""
    own = ref_own(rules, "group", group_id)
    if own:
        return own
    parent = groups[group_id].parent_id
    if parent in groups and parent not in seen and parent != group_id:
        return ref_nearest_rule(rules, groups, parent, (*seen, group_id))
    return None


def ref_group_level(rules, groups, group_id):
    """Group level for a group id; no group or an unknown one passes unless group type is in include mode."""
    rule = ref_nearest_rule(rules, groups, group_id) if group_id in groups else None
    return rule == "include" if rule else ref_mode(rules, "group") != "include"


def ref_product_level(rules, product_id):
    own = ref_own(rules, "product", product_id)
    return own == "include" if own else ref_mode(rules, "product") != "include"


def ref_levels(rules, groups, product):
    return [
        ("store", ref_store_passes(rules, product.store_id)),
        ("group", ref_group_level(rules, groups, product.group_id)),
        ("product", ref_product_level(rules, product.id)),
    ]


def ref_group_levels(rules, groups, group_id):
    return [
        ("store", ref_store_passes(rules, groups[group_id].store_id)),
        ("group", ref_group_level(rules, groups, group_id)),
    ]


def ref_in_subtree(groups, group_id, ancestor_id, seen=()):
    """Whether ancestor_id is group_id or one of its ancestors."""
    if group_id == ancestor_id:
        return True
    parent = groups[group_id].parent_id
    if parent in groups and parent not in seen and parent != group_id:
        return ref_in_subtree(groups, parent, ancestor_id, (*seen, group_id))
    return False


# --- random catalogs and rule sets ------------------------------------------------------------------


@st.composite
def catalogs(draw):
    store_ids = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    group_ids = [f"g{i}" for i in range(draw(st.integers(0, 9)))]
    # Parents: none, any group (cycles and cross-store links included) or a group that is not in the catalog.
    parent = st.one_of(st.none(), st.sampled_from(group_ids) if group_ids else st.none(), st.just("gx"))
    groups = [GroupNode(g, draw(st.sampled_from(store_ids)), f"Группа {g}", draw(parent)) for g in group_ids]
    group_of = st.one_of(st.none(), st.just("gx"), *([st.sampled_from(group_ids)] if group_ids else []))
    products = [
        ProductNode(f"p{i}", draw(st.sampled_from([*store_ids, "sx"])), draw(group_of), f"Товар {i}")
        for i in range(draw(st.integers(0, 14)))
    ]
    pools = {
        "store": [*store_ids, "sx"],
        "group": [*group_ids, "gx"],
        "product": [*(p.id for p in products), "px"],
    }
    targets = st.tuples(st.sampled_from(list(pools)), st.integers(0, 20)).map(
        lambda t: (t[0], pools[t[0]][t[1] % len(pools[t[0]])])
    )
    chosen = draw(st.lists(targets, max_size=8, unique=True))
    rules = [
        Rule(kind, entity_id, draw(st.sampled_from(["include", "exclude"]))) for kind, entity_id in chosen
    ]
    return [StoreNode(s, f"Магазин {s}") for s in store_ids], groups, products, rules


def assert_consistent(decision, levels):
    """Same boolean as the reference; a failing code names the first failing level and rule kind."""
    failing = [level for level, passes in levels if not passes]
    assert decision.syncs == (not failing)
    if failing:
        assert decision.code.startswith(failing[0] + "_")
    else:
        assert decision.code in ("ok", "included")


def excluded_or_not_included(rules, groups, level, entity_id):
    """The code suffix the reference expects for a failing level."""
    if level == "group":
        rule = ref_nearest_rule(rules, groups, entity_id) if entity_id in groups else None
    else:
        rule = ref_own(rules, level, entity_id)
    return "excluded" if rule == "exclude" else "not_included"


@pytest.mark.timeout(120)
@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_decisions_match_the_reference(catalog):
    stores, groups, products, rules = catalog
    by_id = {g.id: g for g in groups}
    result = evaluate(stores, groups, products, rules)
    for s in stores:
        assert_consistent(result.store(s.id), [("store", ref_store_passes(rules, s.id))])
    for g in groups:
        decision = result.group(g.id)
        assert_consistent(decision, ref_group_levels(rules, by_id, g.id))
        if not decision.syncs:
            entity = g.store_id if decision.level == "store" else g.id
            assert decision.code.endswith(excluded_or_not_included(rules, by_id, decision.level, entity))
    for p in products:
        decision = result.product(p.id)
        assert_consistent(decision, ref_levels(rules, by_id, p))
        if not decision.syncs:
            entity = {"store": p.store_id, "group": p.group_id, "product": p.id}[decision.level]
            assert decision.code.endswith(excluded_or_not_included(rules, by_id, decision.level, entity))


@pytest.mark.timeout(120)
@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_counts_match_the_reference(catalog):
    stores, groups, products, rules = catalog
    by_id = {g.id: g for g in groups}
    result = evaluate(stores, groups, products, rules)
    synced = set(result.synced_product_ids())
    for s in stores:
        mine = [p.id for p in products if p.store_id == s.id]
        counts = result.counts_for_store(s.id)
        assert (counts.total, counts.synced) == (len(mine), len(synced.intersection(mine)))
    for g in groups:
        mine = [p.id for p in products if p.group_id in by_id and ref_in_subtree(by_id, p.group_id, g.id)]
        counts = result.counts_for_group(g.id)
        assert (counts.total, counts.synced) == (len(mine), len(synced.intersection(mine)))


@pytest.mark.timeout(120)
@settings(max_examples=100, deadline=None)
@given(catalogs())
def test_resolver_decides_single_rows_like_evaluate(catalog):
    stores, groups, products, rules = catalog
    result = evaluate(stores, groups, products, rules)
    # A fresh resolver per row: the catalog page decides a page of rows without evaluating everything.
    for p in reversed(products):
        assert Resolver(stores, groups, rules).product(p) == result.product(p.id)
    for g in reversed(groups):
        assert Resolver(stores, groups, rules).group(g.id) == result.group(g.id)
