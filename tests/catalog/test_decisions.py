"""The engine on the cached catalog: counts, the «synced only» SQL filter and evaluate() agree exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evosync.catalog import queries
from evosync.catalog.decisions import evaluate_catalog, load_snapshot
from evosync.catalog.models import CatalogProduct
from evosync.catalog.service import set_filter

RULE_SETS = [
    [],
    [("store", 1, "include")],
    [("store", 2, "exclude")],
    [("group", "Напитки", "include")],
    [("group", "Напитки", "include"), ("group", "Кофе", "exclude")],
    [("group", "Табак", "exclude")],
    [("product", "Чизкейк", "include")],
    [("product", "Чизкейк", "exclude"), ("group", "Выпечка", "exclude")],
    [("store", 1, "exclude"), ("product", "Чизкейк", "include")],
    [("store", 1, "include"), ("group", "Горячие напитки", "include"), ("product", "Капучино", "exclude")],
]


def _apply(db, user_id, ids, rules):
    for entity_type, ref, mode in rules:
        entity_id = {"store": ids.store, "group": ids.group, "product": ids.product}[entity_type](ref)
        set_filter(user_id, entity_type, queries.get_entity_for_user(user_id, entity_type, entity_id), mode)
    db.session.commit()


@pytest.mark.parametrize("rules", RULE_SETS, ids=lambda r: ",".join(f"{t}:{m}" for t, _, m in r) or "none")
def test_counts_and_sql_filter_match_the_engine(db, shop, ids, rules):
    _apply(db, shop.id, ids, rules)
    evaluation = evaluate_catalog(shop.id)
    snapshot = load_snapshot(shop.id)
    synced = set(evaluation.synced_product_ids())
    assert snapshot.total.total == len(evaluation.products)
    assert snapshot.total.synced == len(synced)
    for store_id in evaluation.stores:
        assert snapshot.store_count(store_id) == evaluation.counts_for_store(store_id)
        assert snapshot.resolver.store(store_id) == evaluation.store(store_id)
    for group_id in evaluation.groups:
        assert snapshot.group_count(group_id) == evaluation.counts_for_group(group_id), group_id
    in_sql = set(
        db.session.scalars(
            select(CatalogProduct.evotor_id).where(
                CatalogProduct.user_id == shop.id, snapshot.synced_clause()
            )
        )
    )
    assert in_sql == synced


def test_worked_example_store_exclusion_beats_product_include(db, shop, ids):
    _apply(db, shop.id, ids, [("store", 1, "exclude"), ("product", "Чизкейк", "include")])
    evaluation = evaluate_catalog(shop.id)
    assert evaluation.synced_product_ids() == []
    decision = evaluation.product(ids.product("Чизкейк"))
    assert decision.reason == "исключён: магазин «Кофейня «Ёжик» на Ленина» исключён"


def test_products_with_an_unknown_group_pass_the_group_level_unless_groups_are_included(
    db, shop, ids, sandbox, refresh
):
    stray = sandbox.add_product(name="Товар из пропавшей группы", price=10, parent_id="no-such-group")
    refresh(shop)
    _apply(db, shop.id, ids, [("group", "Табак", "exclude")])
    assert evaluate_catalog(shop.id).product(stray["id"]).syncs
    _apply(db, shop.id, ids, [("group", "Кофе", "include")])
    snapshot = load_snapshot(shop.id)
    assert not evaluate_catalog(shop.id).product(stray["id"]).syncs
    in_sql = db.session.scalars(
        select(CatalogProduct.evotor_id).where(CatalogProduct.user_id == shop.id, snapshot.synced_clause())
    )
    assert stray["id"] not in set(in_sql)


def test_sql_filter_equals_the_engine_for_any_rule_set(db, shop):
    """Property: for random rule sets over the demo catalog, the «synced only» SQL condition selects exactly
    the products the pure engine syncs (the SQL form is a second expression of the same semantics)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from evosync.catalog.models import CatalogGroup, CatalogStore
    from evosync.rules import service as rules_service

    def evotor_ids(model, limit=None):
        stmt = select(model.evotor_id).where(model.user_id == shop.id).order_by(model.evotor_id)
        return list(db.session.scalars(stmt.limit(limit) if limit else stmt))

    pools = {
        "store": evotor_ids(CatalogStore),
        "group": evotor_ids(CatalogGroup),
        "product": evotor_ids(CatalogProduct, 40),
    }
    rule = st.sampled_from(sorted(pools)).flatmap(
        lambda kind: st.tuples(
            st.just(kind), st.sampled_from(pools[kind]), st.sampled_from(["include", "exclude"])
        )
    )

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(rule, max_size=6, unique_by=lambda r: (r[0], r[1])))
    def check(rules):
        rules_service.reset_rules(shop.id)
        for kind, entity_id, mode in rules:
            rules_service.set_rule(shop.id, kind, entity_id, mode)
        db.session.commit()
        synced = set(evaluate_catalog(shop.id).synced_product_ids())
        clause = load_snapshot(shop.id).synced_clause()
        in_sql = set(
            db.session.scalars(
                select(CatalogProduct.evotor_id).where(CatalogProduct.user_id == shop.id, clause)
            )
        )
        assert in_sql == synced

    check()
